import os

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests need PostgreSQL; `worker` tests also need a broker (CI provides both)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://… (CI sets it)"))
        if "worker" in item.keywords and not (on_postgres and has_broker):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL and CELERY_BROKER_URL (CI sets both)"))


@pytest.fixture(autouse=True)
def _celery_mode(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Celery runs tasks in process (the embedded default) except in `worker` tests, which use a real worker."""
    from settings.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = "worker" not in request.keywords
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Transactional tests empty tables with TRUNCATE; in the test database only, the audit table
    allows it. UPDATE and DELETE stay refused by the append-only trigger."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE processes_auditevent DISABLE TRIGGER processes_auditevent_no_truncate")


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """English pages need the compiled catalogues; `make setup` builds them, a bare pytest run too."""
    from django.utils.translation import trans_real

    from scripts.compile_messages import main as compile_messages

    compile_messages()
    trans_real._translations = {}  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """A test that read a page in English (the test client activates the request's language in this thread)
    must not leave the next test reading services' messages in English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def notifier():  # type: ignore[no-untyped-def]
    """The notifier port replaced by one that records what would have been sent."""
    from tests.notifier_fake import recording_notifier

    with recording_notifier() as recorder:
        yield recorder
