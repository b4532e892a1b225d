# Two commands a newcomer needs: `make demo` and `make test`. Each creates the virtual
# environment it needs (Python 3.11, pip), so a fresh machine needs only python3.11, pip and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export DAGSTER_HOME := $(CURDIR)/dagster_home

FIRMS ?= 20000
MONTHS ?= 36
SEED ?= 42

.PHONY: setup demo test lint dev validate bench quality backfill feedback serve bench-bank clean

$(STAMP): pyproject.toml
	@echo ">> creating $(VENV) with $(PYTHON) and installing the project (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

## Simulate department feeds, run the whole pipeline into data/warehouse.duckdb, print a summary.
demo: setup
	$(BIN)/python -m pipelines.demo --firms $(FIRMS) --months $(MONTHS) --seed $(SEED)

## Unit, integration and end-to-end tests, in two processes (tests/conftest.py says how they share).
test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

## ruff (lint + format) on Python and the docs' Python blocks, sqlfluff on the dbt models. sqlfluff's
## dbt templater compiles the project: into an in-memory DuckDB and its own target folder, so it
## never opens the warehouse nor races a running dbt.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	EH_DUCKDB_PATH=:memory: DBT_TARGET_PATH=$(CURDIR)/dbt_project/target/sqlfluff \
		DBT_LOG_PATH=$(CURDIR)/dbt_project/logs/sqlfluff \
		$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests
	$(MAKE) --no-print-directory portable-lint

## The dialect lint: every model and test compiled for Spark (its own empty Spark catalog) and
## parsed by sqlglot under Spark and Trino; fails on SQL those engines cannot run (docs/spark.md).
.PHONY: portable-lint
portable-lint: setup
	$(BIN)/python -m portability lint

## The whole dbt project on Spark local[2] from the demo warehouse's sources (Parquet exports),
## then every model table compared with DuckDB's row for row (docs/spark.md). Needs Java 17+.
.PHONY: spark-build parity bench-spark
spark-build: setup
	$(BIN)/python -m portability spark-build data/warehouse.duckdb --spark-dir data/spark $(ARGS)

parity: setup
	$(BIN)/python -m portability parity data/warehouse.duckdb --spark-dir data/spark $(ARGS)

## DuckDB vs Spark local wall time of the same dbt build at 20k and 200k firms (FIRMS_LIST=...).
bench-spark: setup
	$(BIN)/python benchmarks/spark_vs_duckdb.py --firms $(or $(FIRMS_LIST),20000 200000) $(ARGS)

## Rewrite what is written from the feed contracts (ingest/generate.py: dbt sources, the
## department macros and features YAML, the docs' tables), docs/catalog.md from the catalog seed
## (keeping its measured figures) and the asset-graph snapshot; a unit test names any file left
## out of date.
.PHONY: generate
generate: setup
	$(BIN)/python -m ingest.generate
	$(BIN)/python docs/make_catalog_doc.py
	$(BIN)/python -m pipelines.snapshot

## The Dagster UI on the same assets (http://127.0.0.1:3000).
dev: setup
	$(BIN)/dagster dev -w workspace.yaml

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

## Data-quality suites against the demo warehouse (add ARGS=--show-failure to see one fail).
quality: setup
	$(BIN)/python -m expectations $(ARGS)

## Ingest the agencies' feedback files (landing/feedback/) now and rebuild the feedback summary.
feedback: setup
	$(BIN)/python -m pipelines.feedback

## Rebuild a range of months as one run (one dbt build, one scoring step): FROM=2025-01 TO=2025-06
backfill: setup
	$(BIN)/python -m pipelines.backfill $(FROM) $(TO) $(ARGS)

## The bank credit-reference service on the published snapshot (OpenAPI: http://127.0.0.1:8600/docs).
## Keys, consents, audit: python -m bank_api keys|consents|audit (docs/bank_service.md).
serve: setup
	$(BIN)/python -m bank_api serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8600) $(ARGS)

## Load benchmark of the bank service with wrk (apt-get install -y wrk), snapshot republished mid-run.
bench-bank: setup
	$(BIN)/python benchmarks/bank_api_load.py $(ARGS)

bench: setup
	$(BIN)/python benchmarks/pipeline_scale.py
	$(BIN)/python benchmarks/scoring_backtest.py
	$(BIN)/python benchmarks/alert_backtest.py
	$(BIN)/python benchmarks/scoring_scale.py
	$(BIN)/python benchmarks/hostile_deliveries.py

## Firm check-up reports (企检报告, HTML + PDF) and the regional overview from the published
## snapshot: default the overview and the ten firms that fell most, into output/reports/.
## ARGS="firm USCC" | "bulk --file list.csv" | "overview" | "screenshots" (python -m reports -h).
.PHONY: reports
reports: setup
	$(BIN)/python -m reports $(or $(ARGS),demo)

## The data team's pages: dbt docs beside the Data Docs, from output/data_pages/index.html.
.PHONY: data-pages
data-pages: setup
	$(BIN)/python -m pipelines.data_pages

clean:
	rm -rf data output dbt_project/target dbt_project/logs
