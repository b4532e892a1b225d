"""python -m alerts [rules|agencies]: print the alerting configuration in force as Markdown
tables (docs/alerts.md shows the same), after validating it."""

from __future__ import annotations

import sys

from alerts.config import SEVERITY_ZH, AlertConfigError, load_config


def rules_table(config) -> str:
    lines = [
        "| code | 名称 | kind | severity | parameters | 诉求 | agencies |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in config.rules:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items())
        lines.append(
            f"| `{r.code}` | {r.name_zh} | {r.kind} | {r.severity} ({SEVERITY_ZH[r.severity]}) "
            f"| {params} | {'、'.join(r.needs)} | {', '.join(r.agencies)} |"
        )
    return "\n".join(lines)


def agencies_table(config) -> str:
    lines = [
        "| code | 部门 | regions | rules | entitled fields | max rows |",
        "|---|---|---|---|---|---|",
    ]
    for a in config.agencies:
        lines.append(
            f"| `{a.code}` | {a.name_zh} | {', '.join(a.regions) or 'province'} | {len(a.rules)} "
            f"| {', '.join(a.fields)} | {a.max_rows or '—'} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    try:
        config = load_config()
    except AlertConfigError as exc:
        print(f"invalid alerting configuration: {exc}", file=sys.stderr)
        return 2
    what = argv[0] if argv else "rules"
    if what not in ("rules", "agencies"):
        print("usage: python -m alerts [rules|agencies]", file=sys.stderr)
        return 2
    print(rules_table(config) if what == "rules" else agencies_table(config))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
