"""Run a suite against the warehouse and say, honestly, whether it passed.

A suite is a list of *parts*: a SQL query that produces a frame (a deterministic sample of a
table, or a per-period profile of it such as row counts and medians) and the GX expectations
that frame must meet. Each expectation has a severity: ``error`` failures block downstream
assets, ``warn`` failures are shown but do not block. If GX itself fails (import, an expectation
that raises, a query that fails) the suite counts as failed with the error, never as passed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

ERROR, WARN = "error", "warn"
SAMPLE_ROWS = 200_000


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


def run_suite(
    suite: Suite,
    con: duckdb.DuckDBPyConnection,
    log: Callable[[str], None] = lambda _m: None,
) -> Outcome:
    """Validate every part of ``suite`` against the warehouse behind ``con``."""
    outcome = Outcome(suite.name)
    try:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        source = context.data_sources.add_pandas(f"warehouse_{suite.name}")
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
            result = batch_def.get_batch(batch_parameters={"dataframe": frame}).validate(
                expectation_suite
            )
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


def _observed(result: dict[str, Any]) -> str:
    for key in ("observed_value", "unexpected_percent", "unexpected_count"):
        if key in result and result[key] is not None:
            value = result[key]
            return f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
    partial = result.get("partial_unexpected_list")
    return f"unexpected={partial[:5]}" if partial else ""
