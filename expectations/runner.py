"""Run a suite against the warehouse and say, honestly, whether it passed.

A suite is a list of *parts*: a SQL query that produces a frame (a deterministic sample of a
table, or a per-period profile of it such as row counts and medians) and the GX expectations
that frame must meet. Each expectation has a severity: ``error`` failures block downstream
assets, ``warn`` failures are shown but do not block. If GX itself fails (import, an expectation
that raises, a query that fails) the suite counts as failed with the error, never as passed.

Given a ``docs_root``, the suite runs in a file-backed GX project there and its results are kept
(the latest run of each suite) so ``build_data_docs`` can render the static Data Docs site people
browse. GX is imported inside the functions: the import takes seconds.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

ERROR, WARN = "error", "warn"
SAMPLE_ROWS = 200_000
DOCS_SITE = "warehouse_quality"


@dataclass(frozen=True)
class Expect:
    """One GX expectation by class name, with its arguments and severity."""

    kind: str  # GX expectation class name, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: dict[str, Any]
    severity: str = ERROR
    why: str = ""  # what it catches, in a sentence (shown in check metadata)


@dataclass(frozen=True)
class Part:
    """A frame to validate: the SQL that produces it and its expectations."""

    name: str
    sql: str
    expectations: tuple[Expect, ...]


@dataclass(frozen=True)
class Suite:
    name: str
    table: str  # schema.table the suite guards
    asset_key: tuple[str, ...]
    parts: tuple[Part, ...]
    description: str = ""

    @property
    def has_severe(self) -> bool:
        return any(e.severity == ERROR for p in self.parts for e in p.expectations)


@dataclass
class Outcome:
    suite: str
    passed: bool = True
    severe_failed: bool = False
    error: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"]]


def sample_sql(table: str, columns: str = "*", rows: int = SAMPLE_ROWS) -> str:
    """Return a deterministic sample of ``table`` (the same rows on every run)."""
    return f"select {columns} from {table} using sample reservoir({rows} rows) repeatable (42)"


def _describe(config: Any) -> str:
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k not in ("batch_id",)}
    return f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def _gx_context(docs_root: Path | None):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    if docs_root is None:
        context = gx.get_context(mode="ephemeral")
    else:
        Path(docs_root).mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_root))
    context.variables.progress_bars = {"globally": False}
    return gx, context


def _forget_results(context, suite: Suite) -> None:
    """Drop the stored results of earlier runs of ``suite`` (the site shows the latest run)."""
    store = context.validation_results_store
    for key in store.list_keys():
        name = key.expectation_suite_identifier.name
        if name.split(".")[0] == suite.name:
            store.remove_key(key)


def run_suite(
    suite: Suite,
    con: duckdb.DuckDBPyConnection,
    log: Callable[[str], None] = lambda _m: None,
    docs_root: Path | None = None,
) -> Outcome:
    """Validate every part of ``suite`` against the warehouse behind ``con``.

    With ``docs_root``, the results are also stored in the GX project there for Data Docs.
    """
    outcome = Outcome(suite.name)
    try:
        gx, context = _gx_context(docs_root)
        if docs_root is not None:
            _forget_results(context, suite)
        source = context.data_sources.add_or_update_pandas(f"warehouse_{suite.name}")
        for part in suite.parts:
            # GX has no polars source: hand it pandas through Arrow (samples and profiles only,
            # never the whole table).
            frame = con.sql(part.sql).arrow().read_all().to_pandas()
            batch_def = source.add_dataframe_asset(part.name).add_batch_definition_whole_dataframe(
                part.name
            )
            expectation_suite = gx.ExpectationSuite(name=f"{suite.name}.{part.name}")
            for i, e in enumerate(part.expectations):
                expectation_suite.add_expectation(
                    getattr(gx.expectations, e.kind)(**e.kwargs, meta={"spec_index": i})
                )
            expectation_suite = context.suites.add_or_update(expectation_suite)
            validation = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(
                    name=f"{suite.name}.{part.name}", data=batch_def, suite=expectation_suite
                )
            )
            result = validation.run(batch_parameters={"dataframe": frame})
            # GX does not return results in the suite's order: match them by our index.
            if len(result.results) != len(part.expectations):
                raise RuntimeError(
                    f"{part.name}: GX returned {len(result.results)} results for "
                    f"{len(part.expectations)} expectations"
                )
            for res in result.results:
                spec = part.expectations[res.expectation_config.meta["spec_index"]]
                raised = (res.exception_info or {}).get("raised_exception", False)
                success = bool(res.success) and not raised
                outcome.results.append(
                    {
                        "part": part.name,
                        "expectation": _describe(res.expectation_config),
                        "severity": spec.severity,
                        "success": success,
                        "observed": _observed(res.result),
                        "why": spec.why,
                        "rows_checked": len(frame),
                        "error": (res.exception_info or {}).get("exception_message")
                        if raised
                        else None,
                    }
                )
    except Exception as exc:  # an erroring check is a failed check, never a passed one
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.passed = False
        outcome.severe_failed = suite.has_severe
        log(f"suite {suite.name} could not run: {outcome.error}")
        return outcome
    outcome.passed = all(r["success"] for r in outcome.results)
    outcome.severe_failed = any(
        not r["success"] and r["severity"] == ERROR for r in outcome.results
    )
    return outcome


def build_data_docs(docs_root: Path, site_dir: Path, suite: str | None = None) -> Path:
    """Render the GX Data Docs site for the results kept under ``docs_root`` into ``site_dir``;
    return its index.html (one page per suite part and per latest validation).

    With ``suite``, only that suite's pages and the index are rebuilt (what one check does).
    """
    _gx, context = _gx_context(docs_root)
    site_dir = Path(site_dir).resolve()
    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
    }
    if DOCS_SITE not in context.get_site_names():
        context.add_data_docs_site(DOCS_SITE, site)
    # pages of results no longer kept would linger: rebuild them from the kept results
    shutil.rmtree(site_dir / "validations" / (suite or ""), ignore_errors=True)
    resources = None
    if suite is not None:
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        resources = [
            k
            for k in context.validation_results_store.list_keys()
            if k.expectation_suite_identifier.name.split(".")[0] == suite
        ]
        resources += [
            ExpectationSuiteIdentifier(name=k.expectation_suite_identifier.name) for k in resources
        ]
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=resources)
    return site_dir / "index.html"


def _observed(result: dict[str, Any]) -> str:
    for key in ("observed_value", "unexpected_percent", "unexpected_count"):
        if key in result and result[key] is not None:
            value = result[key]
            return f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
    partial = result.get("partial_unexpected_list")
    return f"unexpected={partial[:5]}" if partial else ""
