# 医保经办: `make demo` runs the system with demo data on the embedded default (SQLite,
# eager tasks); `make test` runs the whole test suite (on DATABASE_URL when set).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOUSEHOLDS ?= 300
# Test processes (pytest-xdist): one per core; each has its own test database, Redis databases
# and private storage (config/test_settings.py). TEST_WORKERS=0 runs in this process alone.
TEST_WORKERS ?= auto

.PHONY: demo test venv serve clean bench mutation

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_policies
	DEBUG=1 $(PY) manage.py generate_demo --households $(HOUSEHOLDS) --if-empty
	DEBUG=1 $(PY) manage.py generate_settlement_demo --if-empty
	DEBUG=1 $(PY) manage.py generate_demo --households $(HOUSEHOLDS) --county 421221 --if-empty
	DEBUG=1 $(PY) manage.py generate_settlement_demo --county 421221 --if-empty
	DEBUG=1 $(PY) manage.py post_ledger
	DEBUG=1 $(PY) manage.py create_demo_users
	DEBUG=1 $(PY) manage.py generate_fund_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: venv
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: venv
	$(PY) bench/import_enrollment.py
	$(PY) bench/pages.py
	$(PY) bench/import_identities.py
	$(PY) bench/settlement.py
	$(PY) bench/import_settlements.py

# Mutation testing of the pure rule modules (tools/mutation.py; not in CI: minutes per module).
# MODULES=terms or MODULES=settlement runs one; MUTATION_MAX_SECONDS caps each run.
MUTMUT_VERSION := 2.5.1
mutation: venv
	$(PY) -c "from importlib.metadata import version; assert version('mutmut') == '$(MUTMUT_VERSION)'" 2>/dev/null \
		|| $(PIP) install --quiet mutmut==$(MUTMUT_VERSION)
	$(PY) tools/mutation.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles
