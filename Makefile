# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
AXE := tools/axe/node_modules/axe-core/axe.min.js
LDES_CLIENT := tools/ldes-client/node_modules/.bin/ldes-client
# The SPARQL workbench's bundles (YASGUI, Vega, Cytoscape; tools/workbench), served from sparql_endpoint/static/dist.
WORKBENCH := sparql_endpoint/static/dist/manifest.json
FUSEKI_PORT ?= 3030
# Fuseki's jars, resolved from Maven Central by deploy/fuseki/pom.xml (never kept in git).
FUSEKI := deploy/fuseki/target/lib/.resolved

.PHONY: setup build serve test clean browser-deps postgres-deps fuseki bench bench-attack bench-history bench-endpoint workbench bench-pages bench-build bench-examples

# UI translations: the .po catalogues are the source, the compiled .mo files are not kept in git.
MO := $(patsubst %.po,%.mo,$(wildcard browser_ui/translations/*/LC_MESSAGES/messages.po))

setup: $(STAMP) $(MO) $(WORKBENCH)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

build: setup
	$(BIN)/isoko build

serve: build
	HOST=$(HOST) PORT=$(PORT) $(BIN)/isoko serve --host $(HOST) --port $(PORT)

# The browser tests need Debian's Chromium (installed with apt-get when missing) and axe-core (npm).
browser-deps: $(AXE)
	bash tools/ensure-chromium

$(AXE): tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --no-audit --no-fund
	touch $(AXE)

# npm ci, then esbuild (tools/workbench/build.mjs); again only when the lock file or a source changed.
workbench: $(WORKBENCH)

$(WORKBENCH): tools/workbench/package.json tools/workbench/package-lock.json tools/workbench/build.mjs $(wildcard tools/workbench/src/*)
	cd tools/workbench && npm ci --no-audit --no-fund && node build.mjs

# The database tests start their own PostgreSQL server (tests/postgres.py): Debian's postgresql,
# installed with apt-get when missing (its default cluster is left stopped).
postgres-deps:
	bash tools/ensure-postgresql

# The reference LDES client (npm ldes-client), for the change-stream replication test.
$(LDES_CLIENT): tools/ldes-client/package.json tools/ldes-client/package-lock.json
	cd tools/ldes-client && npm ci --no-audit --no-fund
	touch $(LDES_CLIENT)

$(FUSEKI): deploy/fuseki/pom.xml
	deploy/fuseki/run --fetch

# Fuseki with a persistent TDB2 dataset at http://127.0.0.1:$(FUSEKI_PORT)/isoko, for
# `isoko publish --to` and ISOKO_STORE= (see deploy/fuseki/README.md).
fuseki: $(FUSEKI)
	mkdir -p var/fuseki
	deploy/fuseki/run --port $(FUSEKI_PORT) --loc var/fuseki/isoko

# The tests also run Fuseki and `oxigraph serve` (a main dependency: it serves /sparql) as real servers.
test: setup browser-deps postgres-deps $(LDES_CLIENT) $(FUSEKI)
	test -x $(BIN)/oxigraph || $(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (benchmarks/README.md): BENCH_SIZES=10k,100k for a quick run. Needs wrk (Debian
# package, installed when missing), the bench extra (rdflib-endpoint) and Fuseki.
bench: setup $(FUSEKI)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/endpoint.py
	$(BIN)/python benchmarks/examples.py
	$(BIN)/python benchmarks/attack.py
	$(BIN)/python benchmarks/history.py
	$(BIN)/python benchmarks/publish.py
	$(BIN)/python benchmarks/pages.py

# /sparql against raw `oxigraph serve-read-only` (benchmarks/endpoint.py): lookups and the example
# queries with the result cache off and on, at 8 and 64 connections; BENCH_SIZES=real for the real catalogue only.
bench-endpoint: setup
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/endpoint.py

# Each example query's time on the store at real and 1M size, against the query timeout.
bench-examples: setup
	$(BIN)/python benchmarks/examples.py

# A full build of the generated 1M catalogue, then an incremental one after one procedure changed
# (benchmarks/build.py: wall to the switch, CPU, peak RSS, stages; --size 100k for a quick run).
bench-build: setup
	$(BIN)/python benchmarks/build.py

# The endpoint under attack alone (benchmarks/attack.py): 16 heavy + 16 browsing clients for 60 s.
bench-attack: setup
	$(BIN)/python benchmarks/attack.py

# What the change history costs (benchmarks/history.py): builds with and without versioning, feed pages.
bench-history: setup
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/history.py

# Cold and cached pages at 1M, serving memory, the page cache after a one-procedure publish
# (benchmarks/pages.py; BENCH_PAGES_SIZE=100k for a quick run).
bench-pages: setup
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf var .pytest_cache
