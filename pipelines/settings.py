"""Where things live. One environment variable per concern, shared by Dagster, dbt and readers.

- EH_DATA_ROOT: the simulator's / departments' root; landing files are in <root>/landing
- EH_DUCKDB_PATH: the warehouse file (dbt's profiles.yml reads the same variable)
- EH_OUTPUT_DIR: extracts and reports for people
- EH_ALERTING_CONFIG, EH_ALERT_SILENCES: the alert rules, agencies and silences (alerts/config)
- EH_INGEST_HOLD_BELOW: share of a period's rows under which a re-delivery is held for review
- EH_MODEL_CACHE: where fitted scoring models are kept between runs ("off": nowhere)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ingest.load import HOLD_BELOW

REPO_ROOT = Path(__file__).resolve().parents[1]

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# Every asset that writes the warehouse runs in this pool; dagster.yaml sets its limit to 1
# because DuckDB allows one writer process at a time. The pool keeps runs apart from each other.
WAREHOUSE_POOL = "duckdb_warehouse"
# ... and every such step carries this tag, which the jobs' executor (pipelines/definitions.py)
# lets run one step at a time within a run. Without it a run's waiting steps would queue on the
# pool, whose claim retry backs off to 15 s per step: on 150 firms x 14 months the full job
# took 447 s that way and 190 s with the tag limit.
WAREHOUSE_TAGS = {"eh/warehouse": "duckdb"}


def data_root() -> Path:
    return Path(os.environ.get("EH_DATA_ROOT", REPO_ROOT / "data" / "sim")).resolve()


def landing_root() -> Path:
    return data_root() / "landing"


def dbt_executable() -> str:
    """Return the dbt console script of the environment this interpreter runs in, so dbt is
    found even when the virtual environment was not activated (python -m ..., IDEs, CI)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def duckdb_path() -> Path:
    """The warehouse file (EH_DUCKDB_PATH, default data/warehouse.duckdb), absolute."""
    return Path(os.environ.get("EH_DUCKDB_PATH", REPO_ROOT / "data" / "warehouse.duckdb")).resolve()


def dbt_environment(warehouse: Path) -> None:
    """Hand dbt, which runs in its own process and directory, the warehouse's absolute path
    (profiles.yml reads EH_DUCKDB_PATH). Called by the steps that run dbt, when they run."""
    os.environ["EH_DUCKDB_PATH"] = str(Path(warehouse).resolve())


def hold_below() -> float:
    """A re-delivery with fewer than this share of the rows of the version in effect is held for
    review (EH_INGEST_HOLD_BELOW, default ingest.load.HOLD_BELOW = 0.5; 0 never holds)."""
    return float(os.environ.get("EH_INGEST_HOLD_BELOW", HOLD_BELOW))


def output_dir() -> Path:
    return Path(os.environ.get("EH_OUTPUT_DIR", REPO_ROOT / "output")).resolve()


def quality_dir() -> Path:
    """Where the data-quality results are kept (gx/) and the Data Docs site is built
    (data_docs/index.html)."""
    return output_dir() / "quality"


def published_path() -> Path:
    """The read-only copy readers open (EH_PUBLISHED_PATH), never the live warehouse."""
    default = duckdb_path().with_name("published") / "warehouse.duckdb"
    return Path(os.environ.get("EH_PUBLISHED_PATH", default)).resolve()


def model_cache_dir(warehouse: Path) -> Path | None:
    """Where fitted scoring models are kept between runs (EH_MODEL_CACHE, default
    ``fitted_models/`` beside the warehouse file; ``off`` keeps none): a model is reused only
    for exactly the rows, settings and code it was fitted with (scoring/fit_cache.py)."""
    configured = os.environ.get("EH_MODEL_CACHE")
    if configured == "off":
        return None
    return (
        Path(configured).resolve()
        if configured
        else Path(warehouse).resolve().with_name("fitted_models")
    )


def alerting_config_dir() -> Path:
    """The alert rules, budget and agencies (EH_ALERTING_CONFIG: a folder with rules.yaml and
    agencies.yaml; default alerts/config)."""
    return Path(os.environ.get("EH_ALERTING_CONFIG", REPO_ROOT / "alerts" / "config")).resolve()


def alert_silences_path() -> Path:
    """The silences in force (EH_ALERT_SILENCES; default silences.yaml beside the rules)."""
    default = alerting_config_dir() / "silences.yaml"
    return Path(os.environ.get("EH_ALERT_SILENCES", default)).resolve()
