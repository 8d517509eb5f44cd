# Two commands do all set-up: `make run` and `make test`. Everything else is a step of those.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= settings.dev

.PHONY: setup compile-messages designer-bundle run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when a requirements or npm lock file changed.
$(STAMP): $(BIN)/python requirements/base.txt requirements/dev.txt package.json package-lock.json scripts/build_static.sh
	$(BIN)/pip install --quiet -r requirements/dev.txt
	npm ci --no-audit --no-fund --silent
	bash scripts/build_static.sh
	touch $(STAMP)

# Translations are compiled on every setup (cheap: only changed .po files are rebuilt).
compile-messages: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

# The modeler bundle follows its sources (webui/frontend): build.mjs skips itself when they are unchanged.
designer-bundle: $(STAMP)
	node webui/frontend/build.mjs

setup: $(STAMP) designer-bundle compile-messages

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py deploy_bpmn
	$(BIN)/python manage.py seed_code_sets
	$(BIN)/python manage.py seed_demo_catalog
	$(BIN)/python manage.py seed_demo_cases --base-url http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py seed_demo_supervision
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: setup lint
	DJANGO_SETTINGS_MODULE=settings.test $(BIN)/pytest $(PYTEST_ARGS)

# Every benchmark runs even when an earlier one misses its target; the exit status says whether any did.
bench: setup
	status=0; \
	DJANGO_SETTINGS_MODULE=settings.test $(BIN)/python -m tests.benchmarks $(BENCH_ARGS) || status=1; \
	$(BIN)/python -m tests.benchmarks.probe || status=1; \
	$(BIN)/python -m tests.benchmarks.cleansing || status=1; \
	$(BIN)/python -m tests.benchmarks.scoring || status=1; \
	$(BIN)/python -m tests.benchmarks.task_list || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) node_modules webui/static/vendor db.sqlite3
