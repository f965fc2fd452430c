# The two commands a user needs:
#   make book   set up the environment if needed, execute every notebook, build _build/html
#   make test   set up the environment if needed, then lint, type check, a clean strict
#               build of the book, and every test (library, data, site, browser)
# Both are idempotent: set-up steps are skipped while their inputs are unchanged, and
# executed notebooks are reused from the cache while neither they nor the library change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
UV_VERSION := 0.13.9
MATHJAX := book/_static/mathjax
EXEC_CACHE := _build/.jupyter_cache
BUILD_FLAGS := --all -W -n --keep-going
PDF := _build/html/handbook.pdf

# The data folder: EVALUATION_DATA_DIR if set, else ../shared/data beside the clone if it
# exists; otherwise files are downloaded from their sources (and verified) into the cache.
ifeq ($(origin EVALUATION_DATA_DIR), undefined)
  ifneq ($(wildcard ../shared/data/MANIFEST.csv),)
    export EVALUATION_DATA_DIR := $(abspath ../shared/data)
  endif
endif

.PHONY: book test env lint typecheck build-strict pdf pytest chromium java exec-cache-check clean help

help:
	@echo "make book   build the handbook into _build/html"
	@echo "make test   lint, type check, strict clean build and all tests"

# --- environment -----------------------------------------------------------------------
env: $(STAMPS)/python $(STAMPS)/mathjax

$(STAMPS)/python: requirements.txt pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync -q --python $(BIN)/python --require-hashes --compile-bytecode requirements.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --compile-bytecode -e .
	@touch $@

$(STAMPS)/mathjax: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --silent --no-audit --no-fund
	rm -rf $(MATHJAX) && mkdir -p $(MATHJAX)
	cp -r node_modules/mathjax/es5/{tex-chtml.js,input,output,ui,a11y,adaptors} $(MATHJAX)/
	@touch $@

# Debian's chromium, for the PDF and the browser checks; installed when missing if we
# are root, otherwise `make book` skips the PDF and `make test` stops with a message.
chromium:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || { \
	  echo "Installing Debian's chromium for the PDF and the browser checks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's Java runtime, for the Spark tests (a local Spark session); installed when
# missing if we are root, otherwise the Spark tests stop with a message.
java:
	@command -v java >/dev/null || [ "$$(id -u)" != 0 ] || { \
	  echo "Installing Debian's default-jre-headless for the Spark tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

# Executed notebooks are cached by their own text; the library, the data registry and the
# benchmark results are inputs too, so the cache is emptied when any of them changes.
exec-cache-check:
	@mkdir -p $(STAMPS)
	@key=$$(cat requirements.txt $$(find src data benchmarks/results -type f -not -name '*.pyc' | sort) | sha256sum); \
	 if [ "$$key" != "$$(cat $(STAMPS)/exec-key 2>/dev/null)" ]; then \
	   rm -rf $(EXEC_CACHE); echo "$$key" > $(STAMPS)/exec-key; \
	 fi

# --- the two commands ------------------------------------------------------------------
book: env exec-cache-check chromium
	$(BIN)/jupyter-book build . -n
	@if command -v chromium >/dev/null; then $(MAKE) --no-print-directory pdf; \
	 else echo "No chromium (install Debian's chromium package): the PDF is skipped."; fi
	@echo "Open $(CURDIR)/_build/html/index.html in a browser (the PDF: $(CURDIR)/$(PDF))."

# The printable PDF: the same pages built as one HTML page (notebooks come from the
# execution cache), printed by the machine's Chromium into the site's folder.
pdf: env chromium
	@command -v chromium >/dev/null || { echo "The PDF needs Debian's chromium package."; exit 1; }
	rm -rf _build/singlehtml
	$(BIN)/jupyter-book build . --builder singlehtml -n -W --keep-going
	$(BIN)/python book/make_pdf.py _build/singlehtml $(PDF)

test: env chromium java lint typecheck build-strict pytest

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: env
	$(BIN)/mypy

# A clean build: every page is rewritten, so every warning is seen again.
build-strict: env exec-cache-check
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	$(MAKE) --no-print-directory pdf

pytest: env
	EVALUATION_REQUIRE_SITE=1 $(BIN)/pytest -n 2

clean:
	rm -rf _build $(STAMPS) $(MATHJAX)
