"""Schemas found in the wild: MariaDB's longtext/json and long comments, and a metadata-only PostgreSQL
account. A run succeeds on them and the registry holds what fits."""

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from domain.assets.models import COMMENT_MAX, Column, DataTable, ProbeRun, RunStatus
from domain.assets.probing.readers import Target, read_schema
from domain.assets.probing.services import probe_run_start

pytestmark = pytest.mark.django_db

LONG_COLUMN_COMMENT = "字段说明" * 250  # 1000 characters: MariaDB allows 1024 on a column
LONG_TABLE_COMMENT = "表说明" * 200  # 600 characters


def run_now(probe: Any, capture: Any) -> ProbeRun:
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    return run


def assert_cut(stored: str, original: str) -> None:
    assert len(stored) == COMMENT_MAX and stored.endswith("…")
    assert original.startswith(stored[:-1])


def test_mariadb_longtext_json_and_long_comments_are_registered(
    mysql_server, make_probe, django_capture_on_commit_callbacks
):
    """longtext, longblob and json report a length of 4294967295: the run succeeds and stores no length
    for them (no practical limit, like PostgreSQL's text); a 1000-character comment is cut to the
    registry's 500 with an ellipsis; a second run over the unchanged database finds no change."""
    mysql_server.run(
        f"CREATE TABLE doc (id int, body longtext COMMENT '{LONG_COLUMN_COMMENT}', raw longblob, meta json,"
        f" title varchar(80)) COMMENT='{LONG_TABLE_COMMENT}'"
    )
    probe = make_probe(engine="mysql", host="127.0.0.1", port=3306, database_name=mysql_server.name, username="root")

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error_message
    lengths = dict(Column.objects.filter(table__name="doc").values_list("name", "length"))
    assert lengths == {"id": None, "body": None, "raw": None, "meta": None, "title": 80}
    assert_cut(Column.objects.get(name="body").comment, LONG_COLUMN_COMMENT)
    assert_cut(DataTable.objects.get(name="doc").comment, LONG_TABLE_COMMENT)
    again = run_now(probe, django_capture_on_commit_callbacks)
    assert again.status == RunStatus.SUCCEEDED and again.changes_count == 0


def test_postgres_comments_longer_than_the_registry_are_cut(pg_server, make_probe, django_capture_on_commit_callbacks):
    """PostgreSQL comments have no limit: a 600-character table and column comment is stored cut to 500."""
    pg_server.run(
        "CREATE TABLE doc (id int, body text)",
        f"COMMENT ON TABLE doc IS '{LONG_TABLE_COMMENT}'",
        f"COMMENT ON COLUMN doc.body IS '{LONG_TABLE_COMMENT}'",
    )
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert_cut(DataTable.objects.get(name="doc").comment, LONG_TABLE_COMMENT)
    body = Column.objects.get(name="body")
    assert_cut(body.comment, LONG_TABLE_COMMENT)
    assert (body.data_type, body.length) == ("text", None)


@pytest.fixture
def metadata_role(pg_server) -> Iterator[str]:
    """A login role with no privilege on any table (it may connect and see the catalog, nothing more)."""
    role = f"probe_meta_{secrets.token_hex(4)}"
    pg_server.run(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield role
    finally:
        pg_server.run(f'DROP ROLE IF EXISTS "{role}"')


def test_a_metadata_only_postgres_account_sees_every_column(
    pg_server, metadata_role, make_probe, django_capture_on_commit_callbacks
):
    """A probe account without SELECT on a table still reads its columns, types and comments (from
    pg_catalog), so the table is not registered empty and no column is reported removed."""
    pg_server.run(
        "CREATE TABLE person (id serial PRIMARY KEY, name varchar(50) NOT NULL, salary numeric(10,2))",
        "COMMENT ON COLUMN person.name IS '姓名'",
        "REVOKE ALL ON person FROM PUBLIC",
    )
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username=metadata_role
    )

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error_message
    columns = {c.name: (c.data_type, c.length, c.scale, c.nullable, c.comment) for c in Column.objects.all()}
    assert columns == {
        "id": ("integer", None, None, False, ""),
        "name": ("character varying", 50, None, False, "姓名"),
        "salary": ("numeric", 10, 2, True, ""),
    }


# How a probe read columns before (through information_schema, as the superuser sees them): the snapshot
# must not change its wording, or the first run after an upgrade would report every column as changed.
_INFORMATION_SCHEMA = """
SELECT table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision,
       numeric_scale, is_nullable = 'YES', ordinal_position
FROM information_schema.columns WHERE table_schema = 'public'
"""


def test_postgres_columns_read_from_pg_catalog_match_information_schema(pg_server):
    """Types, lengths, precision, scale, nullability and positions read the same as information_schema
    words them, for plain, array, enum, domain, bit, timestamp and numeric columns and after a drop."""
    pg_server.run(
        "CREATE TYPE mood AS ENUM ('ok', 'bad')",
        "CREATE DOMAIN code18 AS varchar(18) NOT NULL",
        "CREATE DOMAIN money2 AS numeric(12,2)",
        "CREATE TABLE t (a int, b varchar(20), c char(3), d numeric, e numeric(8,3), f text, g int[],"
        " h mood, i code18, j money2, k bit(4), l varbit(9), m timestamp with time zone, n double precision,"
        " o jsonb, p varchar, gone int)",
        "ALTER TABLE t DROP COLUMN gone",
    )
    with pg_server.connection.cursor() as cursor:
        cursor.execute(_INFORMATION_SCHEMA)
        expected = {}
        for _t, name, data_type, udt, char_len, precision, scale, nullable, position in cursor.fetchall():
            numeric = data_type == "numeric"
            type_name = udt if data_type in ("USER-DEFINED", "ARRAY") else data_type
            length = char_len if char_len is not None else (precision if numeric else None)
            expected[name] = (type_name, length, scale if numeric else None, nullable, position)

    target = Target("postgresql", "127.0.0.1", 5432, pg_server.name, "postgres")
    columns = read_schema(target)["tables"]["t"]["columns"]

    found = {name: (c["type"], c["length"], c["scale"], c["nullable"], c["position"]) for name, c in columns.items()}
    assert found == expected
    assert found["i"] == ("character varying", 18, None, False, 9)
