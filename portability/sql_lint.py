"""The dialect lint: every model and data test of the dbt project, compiled for Spark, parsed by
sqlglot under the Spark and the Trino dialect, with the constructs those engines cannot run
reported as problems (docs/spark.md).

What fails, per compiled statement:

- a parse error under the dialect;
- ``* exclude (...)`` / ``* except`` / ``* replace`` (DuckDB's and BigQuery's star modifiers);
- ``information_schema`` (Spark has none; the catalog is read through the adapter);
- ``union [all] by name`` (DuckDB's);
- Spark: a function that Spark's own function registry (``spark_functions.txt``, written from
  ``show functions`` of the bundled Spark by ``python -m portability lint --refresh-functions``)
  does not have, such as DuckDB's ``strftime``, ``list_sort``, ``string_split``, ``arg_max``;
- Spark: ``with x as materialized (...)`` (DuckDB's plan hint), a named window refined in
  ``over (w rows between ...)``, and ``ignore nulls`` inside a function's parentheses
  (DuckDB's ``last_value(x ignore nulls)``);
- Trino: ``group by all``.

Under Trino, functions and parse errors are reported, not failed: the SQL is Spark's compilation
(dbt-spark's own ``dateadd`` is a 2-argument ``date_add``, ``unnest_with_position`` a ``lateral
view``), so a Trino target needs dbt-trino and ``trino__`` forms of the dispatch macros first;
the report says where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.tokens import TokenType

SPARK_FUNCTIONS = Path(__file__).with_name("spark_functions.txt")

# Words that take parentheses in SQL but are syntax, not functions in a registry.
_SYNTAX = {
    "cast",
    "try_cast",
    "extract",
    "exists",
    "in",
    "values",
    "over",
    "filter",
    "within",
    "group",
    "grouping",
    "sets",
    "cube",
    "rollup",
    "partition",
    "using",
    "as",
    "on",
    "interval",
    "lateral",
    "unnest",
    "with",
    "decimal",
    "varchar",
    "char",
    "struct",
    "array",
    "map",
    "left",
    "right",
    "join",
    "if",
    "ordinality",
    "not",
    "and",
    "or",
    "when",
    "then",
    "else",
    "case",
    "is",
    "like",
    "between",
    "all",
    "any",
    "some",
    "distinct",
    "from",
    "where",
    "select",
}


@dataclass
class Finding:
    """One construct an engine cannot run, in one compiled node."""

    node: str
    dialect: str
    problem: str


@dataclass
class LintResult:
    """The findings (failures) and the reported-only notes, per dialect."""

    nodes: int = 0
    findings: list[Finding] = field(default_factory=list)
    trino_functions: dict[str, set[str]] = field(default_factory=dict)
    trino_notes: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def write_spark_functions() -> int:
    """Write Spark's function registry (``show functions`` of the bundled Spark) to
    spark_functions.txt; return how many names it has."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    )
    try:
        rows = session.sql("show functions").collect()
    finally:
        session.stop()
    names = sorted({row[0].split(".")[-1].lower() for row in rows})
    SPARK_FUNCTIONS.write_text("\n".join(names) + "\n")
    return len(names)


def spark_functions() -> set[str]:
    """Return the names in Spark's function registry (lower case)."""
    return {line.strip() for line in SPARK_FUNCTIONS.read_text().splitlines() if line.strip()}


def function_names(sql: str, dialect: str) -> set[str]:
    """Return the names called as functions in ``sql`` (``name(`` outside syntax words),
    lower case, as written: sqlglot may map a DuckDB name to a typed expression, the tokens
    keep what the engine would be asked to run.

    >>> sorted(function_names("select strftime(d, '%Y'), cast(x as int) from t", "spark"))
    ['strftime']
    """
    tokens = sqlglot.tokenize(sql, read=dialect)
    names = set()
    for previous, token, following in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if following.token_type != TokenType.L_PAREN:
            continue
        if previous.token_type in (TokenType.DOT, TokenType.STAR):
            continue  # `schema.table(`, `* exclude (`: not a call (the star check reports it)
        if token.token_type == TokenType.STRING:
            continue
        word = token.text.lower()
        if word in _SYNTAX or not re.fullmatch(r"[a-z_][a-z0-9_]*", word):
            continue
        if previous.token_type in (TokenType.ALIAS, TokenType.TABLE, TokenType.FROM):
            continue  # `as t(a, b)`: a table alias with its column list
        names.add(word)
    return names


def _constructs(tree: exp.Expression, dialect: str) -> Iterable[str]:
    for star in tree.find_all(exp.Star):
        if any(star.args.get(key) for key in ("except", "except_", "replace", "rename")):
            yield "star modifier (* exclude / except / replace): list the columns"
    for table in tree.find_all(exp.Table):
        if table.db.lower() == "information_schema":
            yield "information_schema: read the catalog through the adapter"
    for window in tree.find_all(exp.Window):
        if dialect == "spark" and window.args.get("alias") and window.args.get("spec"):
            yield "named window refined in over (w rows ...): name each frame in the window clause"
    for cte in tree.find_all(exp.CTE):
        if dialect == "spark" and cte.args.get("materialized") is not None:
            yield "with x as [not] materialized (DuckDB's plan hint)"
    for union in tree.find_all(exp.Union):
        if union.args.get("by_name"):
            yield "union by name: list the columns"
    if dialect == "trino":
        for group in tree.find_all(exp.Group):
            if group.args.get("all"):
                yield "group by all"


def lint_sql(name: str, sql: str, known_spark: set[str], result: LintResult) -> None:
    """Add the problems of one compiled statement under Spark and Trino to ``result``."""
    result.nodes += 1
    for dialect in ("spark", "trino"):
        try:
            trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
        except ParseError as error:
            # under Trino a parse error is Spark's own dispatch form (dbt-spark's 2-argument
            # date_add, lateral view): reported, not failed
            found = Finding(name, dialect, f"parse error: {error}"[:300])
            (result.findings if dialect == "spark" else result.trino_notes).append(found)
            continue
        problems = {p for tree in trees for p in _constructs(tree, dialect)}
        if dialect == "spark":
            if re.search(r"\bignore\s+nulls\s*\)", sql, flags=re.IGNORECASE):
                problems.add("ignore nulls inside the parentheses: last_value(x) ignore nulls")
            unknown = function_names(sql, dialect) - known_spark
            problems |= {f"function not in Spark: {f}" for f in sorted(unknown)}
        else:
            for function in function_names(sql, dialect) - _trino_known():
                result.trino_functions.setdefault(function, set()).add(name)
        result.findings.extend(Finding(name, dialect, p) for p in sorted(problems))


def _trino_known() -> set[str]:
    from sqlglot.dialects.trino import Trino

    return {name.lower() for name in Trino.Parser.FUNCTIONS}


def compiled_nodes(manifest_path: Path) -> list[tuple[str, str]]:
    """Return (name, compiled SQL) of every model and data test of a compiled manifest."""
    manifest = json.loads(manifest_path.read_text())
    nodes = []
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "test") and node.get("compiled_code"):
            nodes.append((node["unique_id"], node["compiled_code"]))
    return sorted(nodes)


def lint(nodes: Sequence[tuple[str, str]]) -> LintResult:
    """Return the lint of compiled nodes under Spark and Trino."""
    known = spark_functions()
    result = LintResult()
    for name, sql in nodes:
        lint_sql(name, sql, known, result)
    return result


def format_result(result: LintResult) -> str:
    """Return the report people and CI read."""
    lines = [f"{f.dialect:<6} {f.node}: {f.problem}" for f in result.findings]
    for note in result.trino_notes:
        lines.append(f"trino (reported, not failed) {note.node}: {note.problem.splitlines()[0]}")
    if result.trino_functions:
        lines.append(
            "trino (reported, not failed): functions of the Spark compilation that sqlglot's "
            "Trino dialect does not know; a Trino target needs trino__ macros for them:"
        )
        for function, nodes in sorted(result.trino_functions.items()):
            lines.append(f"  {function}: {len(nodes)} nodes")
    verdict = "clean" if result.ok else f"{len(result.findings)} problems"
    lines.append(f">> {result.nodes} compiled models and tests under spark and trino: {verdict}")
    return "\n".join(lines)
