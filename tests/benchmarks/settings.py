"""Benchmark settings: the test settings on a dedicated PostgreSQL database, plus viewflow.

DATABASE_URL gives the server and credentials (default postgres://postgres@127.0.0.1:5432/tongban_bench).
The benchmark creates, migrates and finally drops the database BENCH_DB_NAME (default `tongban_bench`)
on that server with Django's test-database machinery; the database named in DATABASE_URL itself is
never written, so pointing DATABASE_URL at the development database is safe.
"""

import environ

from settings.test import *  # noqa: F403
from settings.test import DATABASES, INSTALLED_APPS, TONGBAN

env = environ.Env()

DATABASES["default"] = env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tongban_bench")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The test-database machinery creates, uses and drops exactly this database.
DATABASES["default"]["TEST"] = {"NAME": env.str("BENCH_DB_NAME", default="tongban_bench")}

# `viewflow` itself is installed for the web UI's shell; the benchmark adds its workflow engine.
INSTALLED_APPS = [*INSTALLED_APPS, "viewflow.workflow", "tests.benchmarks.viewflow_flow"]
VIEWFLOW = {"AUTOREGISTER": False}

# The service job runs in process, right after the completing transaction commits.
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
TONGBAN = {**TONGBAN, "TIMER_LOOP": False}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Eager Celery still builds a broker URL once and warns that it has no host.
    "loggers": {"kombu": {"level": "ERROR"}},
}
