"""Throwaway target databases on the machine's real PostgreSQL and MariaDB, and probe builders."""

import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pymysql
import pytest

from domain.assets import services
from domain.assets.models import InformationSystem, Probe
from domain.assets.probing.services import probe_register
from tests import factories

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@dataclass
class Server:
    name: str
    connection: Any

    def run(self, *statements: str) -> None:
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@pytest.fixture
def pg_server() -> Iterator[Server]:
    """A fresh PostgreSQL database `probe_t_<random>`, dropped afterwards."""
    name = f"probe_t_{secrets.token_hex(4)}"
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {error}")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection = psycopg2.connect(dbname=name, **PG)
    connection.autocommit = True
    try:
        yield Server(name, connection)
    finally:
        connection.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def mysql_server() -> Iterator[Server]:
    """A fresh MariaDB database `probe_t_<random>`, dropped afterwards."""
    name = f"probe_t_{secrets.token_hex(4)}"
    try:
        admin = pymysql.connect(connect_timeout=3, autocommit=True, charset="utf8mb4", **MYSQL)  # type: ignore[arg-type]
    except pymysql.MySQLError as error:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 not reachable: {error}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        cursor.execute(f"USE `{name}`")
    try:
        yield Server(name, admin)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A local port that accepts TCP connections and never says a word: a server that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture
def sqlite_dir(tmp_path: Path, settings: Any) -> Path:
    """SQLite probes are refused unless TONGBAN["PROBE_SQLITE_DIRS"] names their folder: allow tmp_path."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(tmp_path)]}
    return tmp_path


@pytest.fixture
def system(db: Any) -> InformationSystem:
    department = factories.department()
    return services.system_register(department_id=department.pk, data={"name": "人口库管理系统", "status": "in_use"})


@pytest.fixture
def make_probe(system: InformationSystem) -> Any:
    def make(**data: Any) -> Probe:
        values = {"name": f"探针{secrets.token_hex(3)}", "schedule": "manual", **data}
        return probe_register(department_id=system.department_id, system_id=system.pk, data=values)

    return make
