# The two commands of README.md: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
PYTEST_ARGS ?=

.PHONY: demo test setup bench screenshots clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: setup
	$(BIN)/python manage.py seed_demo
	$(BIN)/python -m supportdesk.launcher

test: setup
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# On PostgreSQL and Redis when DATABASE_URL and CELERY_BROKER_URL name them, else on the embedded default.
# Prints one table and writes it to docs/benchmarks.md and docs/benchmarks.json (see tests/benchmarks/report.py).
bench: setup
	@echo "make bench: database $${DATABASE_URL:-embedded SQLite}, broker $${CELERY_BROKER_URL:-embedded filesystem}"
	$(BIN)/pytest tests/benchmarks -s $(PYTEST_ARGS)

screenshots: setup
	SUPPORTDESK_SCREENSHOTS=1 CI=1 $(BIN)/pytest tests/browser -q

clean:
	rm -rf $(VENV) var
