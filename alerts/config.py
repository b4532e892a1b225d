"""The alerting configuration: rules, budget and inhibition (rules.yaml), agencies with their
routing and field entitlement (agencies.yaml), silences (silences.yaml). Loaded once, validated
with errors that name the file, the entry and the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent / "config"
SEVERITIES = ("low", "medium", "high")
SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高"}

# kind -> (required parameters, optional parameters with defaults)
KINDS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "grade": (("grades",), {}),
    "pd_doubling": (("factor", "months", "min_pd"), {}),
    "peer_drop": (("sigma", "min_points"), {"min_group": 30}),
    "yoy_drop": (("series", "drop", "min_base"), {}),
    "change_point": (
        ("series", "baseline", "monitor", "h"),
        {"k": 0.5, "lam": 0.3, "ewma_z": 3, "min_base": 0},
    ),
    "trend": (("series", "months", "p_value", "min_fall"), {}),
    "new_flag": (("indicator",), {"above": 0}),
    "crosscheck": (("severity",), {}),
}
SERIES = ("tax_sales", "power_kwh", "insured", "overall_score")


# the months of scores and series the alert step reads for a month (that month and 23 before):
# the longest window a rule may look at
HISTORY_MONTHS = 24


def rule_window(kind: str, params: dict) -> int:
    """Return how many months (ending at the month alerted) a rule of ``kind`` reads.

    >>> rule_window("change_point", {"baseline": 12, "monitor": 6})
    18
    """
    if kind == "pd_doubling":
        return int(params["months"]) + 1
    if kind == "change_point":
        return int(params["baseline"]) + int(params["monitor"])
    if kind == "trend":
        return int(params["months"])
    return {"yoy_drop": 15, "peer_drop": 2, "new_flag": 2}.get(kind, 1)


class AlertConfigError(ValueError):
    """The alerting configuration is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class Rule:
    code: str
    name_zh: str
    kind: str
    severity: str
    params: dict
    needs: tuple[str, ...]
    agencies: tuple[str, ...]
    # rules of one group share a fingerprint: a firm moving from one to a more severe one is an
    # escalation of the same alert, not a new alert (亚健康 -> 不健康)
    group: str | None = None

    @property
    def fingerprint_group(self) -> str:
        return self.group or self.code

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity)


@dataclass(frozen=True)
class Agency:
    code: str
    name_zh: str
    rules: tuple[str, ...]
    regions: tuple[str, ...]
    fields: tuple[str, ...]
    max_rows: int | None

    def covers(self, county_code: str | None) -> bool:
        """Return whether a firm registered in ``county_code`` is in the agency's regions."""
        if not self.regions:
            return True
        code = county_code or ""
        return any(code.startswith(region) for region in self.regions)


@dataclass(frozen=True)
class Silence:
    firm_id: str
    rule: str | None
    owner: str
    reason: str
    expires: dt.date

    def matches(self, firm_id: str, rule: str, month: dt.date) -> bool:
        return (
            firm_id == self.firm_id
            and (self.rule is None or rule == self.rule)
            and month <= self.expires
        )


@dataclass(frozen=True)
class Budget:
    share: float = 0.05
    min_per_county: int = 1
    always_list_kind: str = "new_flag"
    always_list_severity: str = "high"
    fit_months: int = 12
    fit_horizon_months: int = 6
    min_events: int = 100


@dataclass(frozen=True)
class AlertingConfig:
    rules: tuple[Rule, ...]
    agencies: tuple[Agency, ...]
    inhibit: tuple[tuple[str, tuple[str, ...]], ...]
    budget: Budget
    silences: tuple[Silence, ...] = field(default=())

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)

    def agency(self, code: str) -> Agency:
        for agency in self.agencies:
            if agency.code == code:
                return agency
        raise KeyError(f"unknown agency {code!r}: known are {[a.code for a in self.agencies]}")

    def summary(self) -> list[dict]:
        """Return the rules as the manifest lists them (code, name, kind, severity, params)."""
        return [
            {
                "code": r.code,
                "name_zh": r.name_zh,
                "kind": r.kind,
                "severity": r.severity,
                "params": r.params,
            }
            for r in self.rules
        ]


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise AlertConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise AlertConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise AlertConfigError(f"{path}: expected a mapping at the top level")
    return data


def _need(entry: dict, key: str, where: str):
    if key not in entry or entry[key] is None:
        raise AlertConfigError(f"{where}: missing field {key!r}")
    return entry[key]


def _rules(data: dict, path: Path) -> tuple[Rule, ...]:
    rules = []
    for n, entry in enumerate(data.get("rules") or [], start=1):
        where = f"{path.name} rule #{n} ({entry.get('code', '?')})"
        kind = _need(entry, "kind", where)
        if kind not in KINDS:
            raise AlertConfigError(f"{where}: unknown kind {kind!r}; known: {sorted(KINDS)}")
        severity = _need(entry, "severity", where)
        if severity not in SEVERITIES:
            raise AlertConfigError(f"{where}: severity must be one of {SEVERITIES}")
        required, optional = KINDS[kind]
        params = dict(entry.get("params") or {})
        missing = [p for p in required if p not in params]
        if missing:
            raise AlertConfigError(f"{where}: kind {kind} needs params {missing}")
        unknown = sorted(set(params) - set(required) - set(optional))
        if unknown:
            raise AlertConfigError(f"{where}: unknown params {unknown}")
        if "series" in params and params["series"] not in SERIES:
            raise AlertConfigError(f"{where}: series must be one of {SERIES}")
        try:
            window = rule_window(kind, {**optional, **params})
        except (TypeError, ValueError):
            raise AlertConfigError(
                f"{where}: months, baseline and monitor must be whole numbers"
            ) from None
        if window > HISTORY_MONTHS:
            raise AlertConfigError(
                f"{where}: reads {window} months; the alert step holds {HISTORY_MONTHS}"
            )
        rules.append(
            Rule(
                code=_need(entry, "code", where),
                name_zh=_need(entry, "name_zh", where),
                kind=kind,
                severity=severity,
                params={**optional, **params},
                needs=tuple(entry.get("needs") or ()),
                agencies=tuple(_need(entry, "agencies", where)),
                group=entry.get("group"),
            )
        )
    codes = [r.code for r in rules]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise AlertConfigError(f"{path.name}: rule codes given twice: {twice}")
    if not rules:
        raise AlertConfigError(f"{path.name}: no rules")
    return tuple(rules)


def _agencies(data: dict, path: Path, rules: tuple[Rule, ...]) -> tuple[Agency, ...]:
    from alerts.extracts import FIELDS  # the extract's field catalogue

    known_rules = {r.code for r in rules}
    agencies = []
    for n, entry in enumerate(data.get("agencies") or [], start=1):
        where = f"{path.name} agency #{n} ({entry.get('code', '?')})"
        routed = tuple(_need(entry, "rules", where))
        unknown = sorted(set(routed) - known_rules)
        if unknown:
            raise AlertConfigError(f"{where}: unknown rules {unknown}")
        fields = tuple(entry.get("fields") or ())
        bad = sorted(set(fields) - set(FIELDS))
        if bad:
            raise AlertConfigError(f"{where}: unknown fields {bad}; known: {sorted(FIELDS)}")
        max_rows = entry.get("max_rows")
        if max_rows is not None and (not isinstance(max_rows, int) or max_rows < 1):
            raise AlertConfigError(f"{where}: max_rows must be a positive whole number or null")
        agencies.append(
            Agency(
                code=_need(entry, "code", where),
                name_zh=_need(entry, "name_zh", where),
                rules=routed,
                regions=tuple(str(r) for r in entry.get("regions") or ()),
                fields=fields,
                max_rows=max_rows,
            )
        )
    by_code = {a.code: a for a in agencies}
    for rule in rules:
        for code in rule.agencies:
            if code not in by_code:
                raise AlertConfigError(f"rule {rule.code}: routed to unknown agency {code!r}")
            if rule.code not in by_code[code].rules:
                raise AlertConfigError(
                    f"rule {rule.code} is routed to {code} but agencies.yaml does not list it "
                    f"under {code}'s rules"
                )
    for agency in agencies:
        for code in agency.rules:
            if agency.code not in next(r for r in rules if r.code == code).agencies:
                raise AlertConfigError(
                    f"agency {agency.code} lists rule {code} but rules.yaml does not route it there"
                )
    return tuple(agencies)


def _silences(data: dict, path: Path, rules: tuple[Rule, ...]) -> tuple[Silence, ...]:
    known = {r.code for r in rules}
    out = []
    for n, entry in enumerate(data.get("silences") or [], start=1):
        where = f"{path.name} silence #{n}"
        rule = entry.get("rule")
        if rule is not None and rule not in known:
            raise AlertConfigError(f"{where}: unknown rule {rule!r}")
        expires = _need(entry, "expires", where)
        if not isinstance(expires, dt.date):
            try:
                expires = dt.date.fromisoformat(str(expires))
            except ValueError as exc:
                raise AlertConfigError(f"{where}: expires must be a date YYYY-MM-DD") from exc
        out.append(
            Silence(
                firm_id=str(_need(entry, "firm_id", where)),
                rule=rule,
                owner=str(_need(entry, "owner", where)),
                reason=str(_need(entry, "reason", where)),
                expires=expires,
            )
        )
    return tuple(out)


def load_config(directory: Path | None = None, silences: Path | None = None) -> AlertingConfig:
    """Return the validated alerting configuration read from ``directory`` (default: the
    package's config/), with silences from ``silences`` (default: ``directory``/silences.yaml).

    Raises AlertConfigError naming the file and entry when anything is wrong.
    """
    directory = Path(directory or CONFIG_DIR)
    rules_path = directory / "rules.yaml"
    rules_data = _read(rules_path)
    rules = _rules(rules_data, rules_path)
    agencies_path = directory / "agencies.yaml"
    agencies = _agencies(_read(agencies_path), agencies_path, rules)
    codes = {r.code for r in rules}
    inhibit = []
    for n, entry in enumerate(rules_data.get("inhibit") or [], start=1):
        where = f"{rules_path.name} inhibit #{n}"
        source = _need(entry, "source", where)
        targets = tuple(_need(entry, "targets", where))
        unknown = sorted(({source} | set(targets)) - codes)
        if unknown:
            raise AlertConfigError(f"{where}: unknown rules {unknown}")
        inhibit.append((source, targets))
    budget_data = rules_data.get("budget") or {}
    try:
        budget = Budget(**budget_data)
    except TypeError as exc:
        raise AlertConfigError(f"{rules_path.name} budget: {exc}") from exc
    if not 0 < budget.share <= 1:
        raise AlertConfigError(f"{rules_path.name} budget: share must be in (0, 1]")
    silences_path = Path(silences) if silences else directory / "silences.yaml"
    silence_list = _silences(_read(silences_path), silences_path, rules)
    return AlertingConfig(rules, agencies, tuple(inhibit), budget, silence_list)
