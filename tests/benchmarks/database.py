"""The benchmarks' database: created and migrated fresh with Django's test-database machinery, then dropped."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fresh_database(name: str, *, keep: bool = False, postgresql_only: bool = True) -> Iterator[str]:
    """Create and migrate the test database of `default`, yield its name, drop it unless `keep`.

    `name` is what the PostgreSQL-only exit message calls the benchmark ("the {name} runs on PostgreSQL
    only"); `postgresql_only=False` lets a benchmark run wherever DATABASE_URL points. Django must be set up.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if postgresql_only and connection.vendor != "postgresql":
        sys.exit(f"the {name} runs on PostgreSQL only; DATABASE_URL points at {connection.vendor}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    ContentType.objects.clear_cache()  # ids of a previous bench database in this process
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        if keep:
            print(f"(kept database {connection.settings_dict['NAME']})")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def bench_database(name: str, *, keep: bool = False, postgresql_only: bool = True) -> Iterator[str]:
    """A benchmark script's whole set-up around `fresh_database`: Django itself and the test environment
    (mail kept in memory, …), undone at the end whether the run passes, fails or stops early."""
    import django

    django.setup()
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    try:
        with fresh_database(name, keep=keep, postgresql_only=postgresql_only) as database:
            yield database
    finally:
        teardown_test_environment()
