"""Read one database's schema through its own catalog, read-only, with connect and statement timeouts.

The result is a plain snapshot (see `Snapshot`); a connection or catalog failure raises ProbeFailure with
the error kind. Driver messages are never passed on raw: a person gets our bilingual message plus the
driver's first line with the password scrubbed out.
"""

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pymysql

from ..models import COMMENT_MAX
from .errors import ProbeFailure, classify_mysql, classify_postgres, classify_sqlite

# {"engine", "server_version", "size_mb", "tables": {name: {"comment", "rows", "columns": {name: {...}}}}}
Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Target:
    engine: str
    host: str
    port: int | None
    database: str
    username: str
    password: str = ""
    connect_timeout: int = 10
    statement_timeout: int = 60

    def __repr__(self) -> str:  # the password must not reach a log line or a traceback
        return f"Target({self.engine}://{self.username}@{self.host}:{self.port}/{self.database})"


def read_schema(target: Target) -> Snapshot:
    readers: dict[str, Callable[[Target], Snapshot]] = {
        "postgresql": _read_postgres,
        "mysql": _read_mysql,
        "sqlite": _read_sqlite,
    }
    return readers[target.engine](target)


# The registry's widths (models.Column / DataTable). A length beyond a 32-bit integer is how MariaDB/MySQL
# describe longtext, longblob and json (4294967295): no practical limit, stored as NULL like PostgreSQL's
# text. A longer comment (MySQL allows 1024 characters on a column, 2048 on a table; PostgreSQL any) is
# cut with an ellipsis, so the snapshot, the diff and the registry all hold the same text.
LENGTH_MAX = 2**31 - 1


def _size(value: Any) -> int | None:
    return int(value) if value is not None and 0 <= int(value) <= LENGTH_MAX else None


def comment_text(value: Any) -> str:
    text = (value or "").strip()
    return text if len(text) <= COMMENT_MAX else text[: COMMENT_MAX - 1].rstrip() + "…"


def _column(data_type: str, length: Any, scale: Any, nullable: bool, comment: Any, position: int) -> dict[str, Any]:
    return {
        "type": data_type.lower(),
        "length": _size(length),
        "scale": _size(scale),
        "nullable": bool(nullable),
        "comment": comment_text(comment),
        "position": int(position),
    }


_PG_TABLES = """
SELECT n.nspname, c.relname, obj_description(c.oid, 'pg_class'), c.reltuples::bigint
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
"""
# From pg_catalog, not information_schema.columns: the latter hides every column the probe's user holds no
# privilege on, so a metadata-only account would see tables without columns. A domain is described by its
# base type, and names, lengths and precision are derived as information_schema derives them, so the
# snapshot reads the same as one taken through information_schema.
_PG_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, format_type(bt.oid, NULL), bt.typname, bn.nspname = 'pg_catalog',
       bt.typelem <> 0 AND bt.typlen = -1, bt.oid::int,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
       NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)), col_description(c.oid, a.attnum), a.attnum
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
JOIN pg_catalog.pg_namespace bn ON bn.oid = bt.typnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
"""
_PG_CHARACTER = {1042, 1043}  # bpchar, varchar: typmod is the length + 4
_PG_BIT = {1560, 1562}  # bit, varbit: typmod is the length
_PG_NUMERIC = 1700


def _pg_type(row: tuple[Any, ...]) -> tuple[str, int | None, int | None]:
    """(data_type as information_schema names it, length or precision, scale) of one pg_attribute row."""
    formatted, name, builtin, array, type_id, typmod = row
    type_name = formatted if builtin and not array else name
    if typmod < 0:
        return type_name, None, None
    if type_id in _PG_CHARACTER:
        return type_name, typmod - 4, None
    if type_id in _PG_BIT:
        return type_name, typmod, None
    if type_id == _PG_NUMERIC:
        return type_name, ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    return type_name, None, None


def _pg_name(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def _read_postgres(target: Target) -> Snapshot:
    options = f"-c statement_timeout={target.statement_timeout * 1000} -c default_transaction_read_only=on"
    try:
        connection = psycopg2.connect(
            host=target.host,
            port=target.port or 5432,
            dbname=target.database,
            user=target.username,
            password=target.password,
            connect_timeout=target.connect_timeout,
            options=options,
            application_name="tongban-probe",
        )
    except psycopg2.Error as error:
        raise classify_postgres(error, target, connecting=True) from None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), pg_database_size(current_database())")
            version, size = cursor.fetchone()
            cursor.execute(_PG_TABLES)
            tables: dict[str, Any] = {
                _pg_name(schema, name): {
                    "comment": comment_text(comment),
                    "rows": rows if rows >= 0 else None,
                    "columns": {},
                }
                for schema, name, comment, rows in cursor.fetchall()
            }
            cursor.execute(_PG_COLUMNS)
            for schema, table, name, *type_row, nullable, comment, position in cursor:
                entry = tables.get(_pg_name(schema, table))
                if entry is not None:
                    type_name, length, scale = _pg_type(tuple(type_row))
                    entry["columns"][name] = _column(type_name, length, scale, nullable, comment, position)
    except psycopg2.Error as error:
        raise classify_postgres(error, target, connecting=False) from None
    finally:
        connection.close()
    return {"engine": "postgresql", "server_version": version, "size_mb": round(size / 1048576, 2), "tables": tables}


_MYSQL_TABLES = """
SELECT TABLE_NAME, TABLE_COMMENT, TABLE_ROWS, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)
FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'
"""
_MYSQL_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,
       IS_NULLABLE = 'YES', COLUMN_COMMENT, ORDINAL_POSITION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s
"""
_MYSQL_DECIMAL = {"decimal", "numeric"}


def _read_mysql(target: Target) -> Snapshot:
    try:
        connection = pymysql.connect(
            host=target.host,
            port=target.port or 3306,
            user=target.username,
            password=target.password,
            database=target.database,
            connect_timeout=target.connect_timeout,
            # PyMySQL reads the server's greeting under read_timeout: keep it short until connected.
            read_timeout=target.connect_timeout,
            write_timeout=target.statement_timeout,
            charset="utf8mb4",
        )
    except pymysql.MySQLError as error:
        raise classify_mysql(error, target) from None
    connection._read_timeout = target.statement_timeout  # noqa: SLF001 — read before every packet
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            version = cursor.fetchone()[0]
            _mysql_limit_statements(cursor, version, target.statement_timeout)
            cursor.execute(_MYSQL_TABLES, (target.database,))
            tables: dict[str, Any] = {}
            size = 0
            for name, comment, rows, data_size in cursor.fetchall():
                tables[name] = {"comment": comment_text(comment), "rows": rows, "columns": {}}
                size += int(data_size)
            cursor.execute(_MYSQL_COLUMNS, (target.database,))
            for table, name, data_type, char_len, precision, scale, nullable, comment, position in cursor.fetchall():
                decimal = str(data_type).lower() in _MYSQL_DECIMAL
                length = char_len if char_len is not None else (precision if decimal else None)
                if table in tables:
                    tables[table]["columns"][name] = _column(
                        str(data_type), length, scale if decimal else None, nullable, comment, position
                    )
    except pymysql.MySQLError as error:
        raise classify_mysql(error, target) from None
    finally:
        connection.close()
    engine = "mariadb" if "mariadb" in str(version).lower() else "mysql"
    return {"engine": engine, "server_version": version, "size_mb": round(size / 1048576, 2), "tables": tables}


def _mysql_limit_statements(cursor: Any, version: str, seconds: int) -> None:
    """Server-side statement limit as well as the driver's read timeout (names differ by server)."""
    if "mariadb" in str(version).lower():
        cursor.execute("SET SESSION max_statement_time = %s", (seconds,))
    else:
        cursor.execute("SET SESSION max_execution_time = %s", (seconds * 1000,))
    cursor.execute("SET SESSION TRANSACTION READ ONLY")


_SQLITE_TYPE = re.compile(r"^\s*([^(]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")


def _read_sqlite(target: Target) -> Snapshot:
    path = Path(target.database)
    if not path.is_file():
        raise ProbeFailure.of("not_found", target)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=target.connect_timeout)
    except sqlite3.Error as error:
        raise classify_sqlite(error, target) from None
    deadline = time.monotonic() + target.statement_timeout
    # Returning non-zero from the progress handler interrupts the running statement.
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        ]
        tables: dict[str, Any] = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            rows = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
            columns = {}
            for cid, column, declared, notnull, _default, primary in connection.execute(f"PRAGMA table_info({quoted})"):
                match = _SQLITE_TYPE.match(declared or "")
                type_name, length, scale = match.groups() if match else (declared, None, None)
                columns[column] = _column(type_name or "", length, scale, not notnull and not primary, "", cid + 1)
            tables[name] = {"comment": "", "rows": rows, "columns": columns}
    except sqlite3.Error as error:
        raise classify_sqlite(error, target, interrupted=time.monotonic() > deadline) from None
    finally:
        connection.close()
    size_mb = round(path.stat().st_size / 1048576, 2)
    return {"engine": "sqlite", "server_version": sqlite3.sqlite_version, "size_mb": size_mb, "tables": tables}
