"""数据探矿 pages: the probe list with the last run, the form (the password never shown, kept when left
empty), 立即运行 on a SQLite file ending on the run's page with its schema changes, the run page polling
while the run is unfinished, and who may change or run a probe."""

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from domain.assets import services
from domain.assets.crypto import password_decrypt
from domain.assets.models import DataTable, InformationSystem, Probe, ProbeRun, RunStatus
from domain.assets.probing.services import probe_register, probe_run_start
from tests import factories as f
from tests.webui.data.pages import client_for

pytestmark = pytest.mark.django_db

SECRET = "s3cret-Pa55word!"


@dataclass
class World:
    mine: Any
    editor: Any
    reader: Any
    system: InformationSystem
    folder: Path


@pytest.fixture
def world(tmp_path: Path, settings: Any) -> World:
    """民政局 with a system; the editor works there, the reader elsewhere; SQLite probes may read tmp_path."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(tmp_path)]}
    mine = f.department("330106001", "西湖区民政局")
    other = f.department("330106002", "西湖区卫健委")
    system = services.system_register(department_id=mine.pk, data={"name": "低保救助系统", "status": "in_use"})
    return World(
        mine=mine,
        editor=f.user("editor", roles=["cataloguer"], dept=mine),
        reader=f.user("reader", roles=["cataloguer"], dept=other),
        system=system,
        folder=tmp_path,
    )


def sqlite_file(folder: Path, *statements: str) -> Path:
    path = folder / "dibao.sqlite3"
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    return path


def pg_probe(world: World, **data: Any) -> Probe:
    values = {
        "name": "人口库",
        "engine": "postgresql",
        "host": "10.0.0.5",
        "port": 5432,
        "database_name": "rk",
        "username": "reader",
        "password": SECRET,
        **data,
    }
    return probe_register(department_id=world.mine.pk, system_id=world.system.pk, data=values)


def test_the_form_never_shows_the_password_and_keeps_it_when_left_empty(world: World) -> None:
    """The edit form says 已设置 and never carries the password; saving with the box empty keeps it;
    typing a new one replaces it."""
    probe = pg_probe(world)
    editor = client_for(world.editor)

    html = editor.get(f"/data/probes/{probe.pk}/edit/").content.decode()

    assert SECRET not in html and probe.password_encrypted not in html
    password = re.search(r'<input[^>]*name="password"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'type="password"' in password and "value=" not in password and "已设置" in password
    data = {
        "name": "人口库",
        "system": world.system.pk,
        "engine": "postgresql",
        "host": "10.0.0.5",
        "port": "5432",
        "database_name": "rk",
        "username": "reader",
        "password": "",
        "schedule": "daily",
        "enabled": "on",
    }
    response = editor.post(f"/data/probes/{probe.pk}/edit/", data)
    assert response.status_code == 302
    probe.refresh_from_db()
    assert (probe.schedule, password_decrypt(probe.password_encrypted)) == ("daily", SECRET)
    editor.post(f"/data/probes/{probe.pk}/edit/", {**data, "password": "new-one"})
    probe.refresh_from_db()
    assert password_decrypt(probe.password_encrypted) == "new-one"
    assert SECRET not in editor.get(f"/data/probes/{probe.pk}/").content.decode()


def test_pointing_the_form_at_another_server_drops_the_password_and_says_so(world: World) -> None:
    """The edit form warns that changing the connection clears the password; saving a new host with the
    box left empty clears it (the stored password never goes to the new server) and the probe's page says
    so; a new host with a new password keeps the new one."""
    probe = pg_probe(world)
    editor = client_for(world.editor)
    assert "已保存的密码会被清除" in editor.get(f"/data/probes/{probe.pk}/edit/").content.decode()
    data = {
        "name": "人口库",
        "system": world.system.pk,
        "engine": "postgresql",
        "host": "evil.example",
        "port": "5432",
        "database_name": "rk",
        "username": "reader",
        "password": "",
        "schedule": "manual",
        "enabled": "on",
    }

    response = editor.post(f"/data/probes/{probe.pk}/edit/", data, follow=True)

    probe.refresh_from_db()
    assert probe.host == "evil.example" and probe.password_encrypted == ""
    assert "原密码已清除" in response.content.decode()
    editor.post(f"/data/probes/{probe.pk}/edit/", {**data, "host": "10.0.0.9", "password": "their-pw"})
    probe.refresh_from_db()
    assert (probe.host, password_decrypt(probe.password_encrypted)) == ("10.0.0.9", "their-pw")


def test_a_sqlite_probe_without_configured_folders_is_refused_naming_the_setting(world: World, settings: Any) -> None:
    """With no SQLite folder configured, the form refuses a SQLite probe on the path field and names the
    setting an operator must set; no probe is made."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": []}
    path = sqlite_file(world.folder, "CREATE TABLE t (id INTEGER)")

    response = client_for(world.editor).post(
        "/data/probes/new/",
        {"name": "本地库", "system": world.system.pk, "engine": "sqlite", "database_name": str(path)},
    )

    field = re.search(r'data-field="database_name">(.*?)</div>\s*</div>', response.content.decode(), re.S)
    assert response.status_code == 400 and field is not None
    assert "TONGBAN_PROBE_SQLITE_DIRS" in field.group(1) and not Probe.objects.exists()


def test_a_form_error_is_shown_on_its_field_and_keeps_nothing(world: World) -> None:
    """A server probe without a host: the service's complaint sits on the host field; no probe is made
    and the typed password is not sent back."""
    response = client_for(world.editor).post(
        "/data/probes/new/",
        {"name": "缺主机", "system": world.system.pk, "engine": "mysql", "database_name": "x", "password": SECRET},
    )
    html = response.content.decode()
    host = re.search(r'data-field="host">(.*?)</div>', html, re.S).group(1)  # type: ignore[union-attr]
    assert response.status_code == 400 and "tb-error" in host and "主机" in host
    assert SECRET not in html and not Probe.objects.exists()


def test_run_now_on_a_sqlite_probe_succeeds_and_lists_the_added_table(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Create a SQLite probe through the form, press 立即运行: the run ends succeeded, its page says so
    (no more polling) with the time it took (耗时 … 秒), lists the table as added, and the registry holds the
    table."""
    path = sqlite_file(world.folder, "CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)")
    editor = client_for(world.editor)
    editor.post(
        "/data/probes/new/",
        {
            "name": "低保库",
            "system": world.system.pk,
            "engine": "sqlite",
            "database_name": str(path),
            "schedule": "manual",
        },
    )
    probe = Probe.objects.get(name="低保库")

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/data/probes/{probe.pk}/run/")

    run = ProbeRun.objects.get(probe=probe)
    assert response["Location"] == f"/data/probes/runs/{run.pk}/"
    assert run.status == RunStatus.SUCCEEDED
    html = editor.get(response["Location"]).content.decode()
    assert 'data-outcome="succeeded"' in html and 'hx-trigger="every 1s"' not in html
    assert run.duration_ms is not None and f"耗时 {run.duration_ms / 1000:.2f} 秒" in html
    ProbeRun.objects.filter(pk=run.pk).update(duration_ms=83456)  # a slow server: seconds, two decimals
    assert "耗时 83.46 秒" in editor.get(response["Location"]).content.decode()
    group = html.split('data-table="person"', 1)[1].split("</section>", 1)[0]
    assert 'data-change="table_added"' in group and "2 个字段" in group
    assert DataTable.objects.filter(name="person", database__system=world.system).exists()
    listing = editor.get("/data/probes/").content.decode()
    assert f'href="/data/probes/runs/{run.pk}/"' in listing and "成功" in listing


def test_a_second_run_lists_column_changes_old_to_new(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """After a column is added and another retyped, the run's page shows both under their table with
    the old and the new type."""
    path = sqlite_file(world.folder, "CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR(50))")
    probe = probe_register(
        department_id=world.mine.pk,
        system_id=world.system.pk,
        data={"name": "低保库", "engine": "sqlite", "database_name": str(path)},
    )
    editor = client_for(world.editor)
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"/data/probes/{probe.pk}/run/")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE person ADD COLUMN phone VARCHAR(20)")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/data/probes/{probe.pk}/run/")

    html = editor.get(response["Location"]).content.decode()
    group = html.split('data-table="person"', 1)[1].split("</section>", 1)[0]
    added = group.split('data-change="column_added"', 1)[1].split("</tr>", 1)[0]
    assert "phone" in added and "varchar(20)" in added


def test_an_unfinished_run_polls_itself_and_a_failed_one_says_why_in_english(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """A queued run's status block reloads every second (htmx gets the block alone); a run against a
    missing file fails with its error kind and the English half of the message for an English editor."""
    probe = probe_register(
        department_id=world.mine.pk,
        system_id=world.system.pk,
        data={"name": "缺文件", "engine": "sqlite", "database_name": str(world.folder / "none" / "x.db")},
    )
    queued = probe_run_start(probe_id=probe.pk, actor=None)  # its worker never ran (on_commit not executed)
    reader = client_for(world.reader)
    page = reader.get(f"/data/probes/runs/{queued.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队中" in page
    block = reader.get(f"/data/probes/runs/{queued.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert block.startswith("<div") and 'id="tb-probe-run"' in block and "<html" not in block

    ProbeRun.objects.filter(pk=queued.pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.editor).post(f"/data/probes/{probe.pk}/run/")
    english = f.in_english(client_for(world.editor)).get(response["Location"]).content.decode()
    assert 'data-outcome="failed"' in english and 'hx-trigger="every 1s"' not in english
    error = english.split("data-error-kind=", 1)[1].split("</p>", 1)[0]
    assert "the database does not exist" in error and "数据库不存在" not in error.split("</strong>", 1)[1]


def test_another_department_cannot_change_or_run_a_probe(world: World) -> None:
    """The reader sees the probe page read-only; its edit, run and delete answer 403 and change nothing."""
    probe = pg_probe(world)
    reader = client_for(world.reader)
    html = reader.get(f"/data/probes/{probe.pk}/").content.decode()
    assert "data-readonly" in html and f"/data/probes/{probe.pk}/run/" not in html
    assert reader.get(f"/data/probes/{probe.pk}/edit/").status_code == 403
    assert reader.post(f"/data/probes/{probe.pk}/edit/", {"name": "改名"}).status_code == 403
    assert reader.post(f"/data/probes/{probe.pk}/run/").status_code == 403
    assert reader.post(f"/data/probes/{probe.pk}/delete/").status_code == 403
    assert Probe.objects.get().name == "人口库" and not ProbeRun.objects.exists()
    assert "/data/probes/new/" in reader.get("/data/probes/").content.decode()  # own department: may create
    page = reader.get("/data/probes/new/").content.decode()
    assert "低保救助系统" not in page  # …but not on another department's system


def test_every_probe_page_renders_for_the_editor_and_the_reader(world: World) -> None:
    """List, probe, new-probe and run pages answer 200 for both; the edit form for the editor."""
    probe = pg_probe(world)
    run = probe_run_start(probe_id=probe.pk, actor=None)
    for user in (world.editor, world.reader):
        client = client_for(user)
        for url in ("/data/probes/", f"/data/probes/{probe.pk}/", "/data/probes/new/", f"/data/probes/runs/{run.pk}/"):
            assert client.get(url).status_code == 200, (url, user.username)
    assert client_for(world.editor).get(f"/data/probes/{probe.pk}/edit/").status_code == 200


def test_the_probe_list_queries_do_not_grow_with_rows(world: World) -> None:
    """One probe or a full page of 25 (each with runs): the same queries."""
    pg_probe(world, name="探针0")
    client = client_for(world.reader)
    client.get("/data/probes/")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/data/probes/").content.decode()
        return len(ctx.captured_queries), html.count("<tr data-probe-id=")

    few, rows_few = count()
    for n in range(1, 30):
        probe = pg_probe(world, name=f"探针{n}")
        probe_run_start(probe_id=probe.pk, actor=None)
    many, rows_many = count()
    assert (rows_few, rows_many) == (1, 25)
    assert few == many, (few, many)


def test_markup_in_a_probe_and_its_changes_is_escaped(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """A probe named `<script>` reading a table named `<script>`: the list, probe and run pages show both
    as text."""
    evil = "<script>alert(1)</script>"
    path = sqlite_file(world.folder, f'CREATE TABLE "{evil}" (id INTEGER)')
    probe = probe_register(
        department_id=world.mine.pk,
        system_id=world.system.pk,
        data={"name": evil, "engine": "sqlite", "database_name": str(path)},
    )
    editor = client_for(world.editor)
    with django_capture_on_commit_callbacks(execute=True):
        run_url = editor.post(f"/data/probes/{probe.pk}/run/")["Location"]
    for url in ("/data/probes/", f"/data/probes/{probe.pk}/", f"/data/probes/{probe.pk}/edit/", run_url):
        html = editor.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "&lt;script&gt;alert(1)" in html, url


def test_connection_and_error_details_are_shown_only_to_those_who_may_edit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Another department sees engine, schedule, status and the error kind, but not host:port, database,
    user, SQLite path or the error's detail; the probe's department sees them all."""
    probe = pg_probe(world)
    missing = probe_register(
        department_id=world.mine.pk,
        system_id=world.system.pk,
        data={"name": "缺文件", "engine": "sqlite", "database_name": str(world.folder / "none" / "secret.db")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_url = client_for(world.editor).post(f"/data/probes/{missing.pk}/run/")["Location"]
    secrets = ("10.0.0.5", "5432", ">rk<", "secret.db")
    reader, editor = client_for(world.reader), client_for(world.editor)
    for url in ("/data/probes/", f"/data/probes/{probe.pk}/", f"/data/probes/{missing.pk}/"):
        html = reader.get(url).content.decode()
        assert not [s for s in secrets if s in html], url
        assert "PostgreSQL" in html or "SQLite" in html
    run = reader.get(run_url).content.decode()
    error = run.split("data-error-kind=", 1)[1].split("</p>", 1)[0]
    assert 'data-outcome="failed"' in run and "</strong>" in error and "secret.db" not in run
    assert error.split("</strong>", 1)[1].strip() == ""
    assert "secret.db" in editor.get(run_url).content.decode()
    listing = editor.get("/data/probes/").content.decode()
    assert "10.0.0.5:5432/rk" in listing and "secret.db" in listing
    assert "reader" in editor.get(f"/data/probes/{probe.pk}/").content.decode()
