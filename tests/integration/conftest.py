"""Materialize the whole pipeline once into a temporary DuckDB on a small simulated region."""

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest


@dataclass
class PipelineRun:
    data_root: Path
    db_path: Path
    output_dir: Path
    result: dg.ExecuteInProcessResult

    @property
    def landing(self) -> Path:
        return self.data_root / "landing"

    @property
    def truth(self) -> Path:
        return self.data_root / "truth"

    def sql(self, query: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def frame(self, query: str):
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.sql(query).pl()


def run_pipeline(selection=None, tags=None) -> dg.ExecuteInProcessResult:
    """Run every asset (or a selection) over every month (or the partition range in ``tags``)
    with resources read from the environment."""
    from pipelines.definitions import all_assets, all_checks, build_resources
    from pipelines.partitions import all_months_tags

    return dg.materialize(
        [*all_assets, *all_checks],
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
        selection=selection,
        raise_on_error=False,
        tags=tags or all_months_tags(),
    )


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory) -> PipelineRun:
    """One build for every integration module; a test that changes the warehouse restores it
    or works on a copy."""
    from simulator import simulate

    base = tmp_path_factory.mktemp("pipeline")
    data_root, db_path, out = base / "sim", base / "warehouse.duckdb", base / "output"
    simulate(
        data_root, firms=400, months=24, end="2026-09", seed=7, fault_rate=0.02, progress=False
    )
    saved = {k: os.environ.get(k) for k in ("EH_DATA_ROOT", "EH_DUCKDB_PATH", "EH_OUTPUT_DIR")}
    os.environ.update(
        EH_DATA_ROOT=str(data_root), EH_DUCKDB_PATH=str(db_path), EH_OUTPUT_DIR=str(out)
    )
    try:
        yield PipelineRun(data_root, db_path, out, run_pipeline())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
