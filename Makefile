# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/examapp serve --demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# importers' messages (importers/messages.py, keyword msg) go into the `messages` catalog too.
# Two catalogs per language: `messages` (our pages) and `wtforms` (WTForms' validator messages,
# which WTForms itself ships no Vietnamese for).
WTFORMS_POT = $(shell $(BIN)/python -c "from wtforms.i18n import messages_path; print(messages_path())")/wtforms.pot

translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k msg -o examapp/translations/messages.pot examapp importers
	for lang in vi; do \
	  for source in messages:examapp/translations/messages.pot wtforms:$(WTFORMS_POT); do \
	    domain=$${source%%:*}; pot=$${source#*:}; \
	    if [ -f examapp/translations/$$lang/LC_MESSAGES/$$domain.po ]; then \
	      $(BIN)/pybabel update -D $$domain -i $$pot -d examapp/translations -l $$lang --no-fuzzy-matching --ignore-obsolete; \
	    else \
	      $(BIN)/pybabel init -D $$domain -i $$pot -d examapp/translations -l $$lang; \
	    fi; \
	  done; \
	done
	$(BIN)/pybabel compile -D "messages wtforms" -d examapp/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
