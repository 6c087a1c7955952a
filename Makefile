# Two commands for a newcomer:  `make run`  and  `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup translations messages run test test-pg clean

setup: $(STAMP) translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations -f --statistics

# Set up and start Ichigo on its embedded defaults (SQLite and a Maildir under instance/).
run: setup
	$(BIN)/flask --app wsgi db upgrade
	exec scripts/run

# Set up and run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set).
test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test-pg: setup
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1/test} $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Re-extract the strings marked for translation and merge them into each catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot --no-location --sort-output \
	  --ignore-dirs=".venv" --ignore-dirs="tests" --ignore-dirs="bench" --ignore-dirs="node_modules" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
