"""Alert lifecycle across months, per agency: a stable fingerprint per agency × firm × rule
group; states new / ongoing / escalated / resolved (and pending, inhibited, silenced, which are
kept but never sent); an unchanged alert is not sent again; a resolved notice when the cause
goes away.

Month M's states depend only on month M's firing rules and ranked list and on which alerts were
open after month M-1, so re-running a month gives the same rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from alerts.config import SEVERITIES, AlertingConfig

STATE_ZH = {
    "new": "新增",
    "escalated": "升级",
    "ongoing": "持续",
    "resolved": "解除",
    "pending": "待列入",
    "inhibited": "已抑制",
    "silenced": "已静默",
}
SENT_STATES = ("new", "escalated", "resolved")

LIFECYCLE_SCHEMA = {
    "period_month": pl.Date,
    "agency_code": pl.String,
    "fingerprint": pl.String,
    "firm_id": pl.String,
    "rule_code": pl.String,
    "rule_group": pl.String,
    "severity": pl.String,
    "state": pl.String,
    "is_sent": pl.Boolean,
    "is_open": pl.Boolean,
    "sent_severity": pl.String,
    "first_sent_month": pl.Date,
    "statistic": pl.Float64,
    "evidence_zh": pl.String,
    "evidence": pl.String,
    "note_zh": pl.String,
}


def fingerprint(agency: str, firm_id: str, group: str) -> str:
    """Return the stable, readable id of one agency's alert about one firm and rule group
    (the same every month the alert lives, so an agency can follow it).

    >>> fingerprint("tax", "91330106MA27XXXXXX", "sales_yoy_drop")
    'tax:91330106MA27XXXXXX:sales_yoy_drop'
    """
    return f"{agency}:{firm_id}:{group}"


def suppress(alerts: pl.DataFrame, config: AlertingConfig, month: dt.date) -> pl.DataFrame:
    """Return ``alerts`` with ``suppressed`` (null, ``inhibited`` or ``silenced``) and
    ``suppressed_by`` (the inhibiting rule, or the silence's owner and reason)."""
    out = alerts.with_columns(
        suppressed=pl.lit(None, pl.String), suppressed_by=pl.lit(None, pl.String)
    )
    for source, targets in config.inhibit:
        firms = out.filter(pl.col("rule_code") == source)["firm_id"].implode()
        hit = pl.col("rule_code").is_in(list(targets)) & pl.col("firm_id").is_in(firms)
        out = out.with_columns(
            suppressed=pl.when(hit).then(pl.lit("inhibited")).otherwise(pl.col("suppressed")),
            suppressed_by=pl.when(hit).then(pl.lit(source)).otherwise(pl.col("suppressed_by")),
        )
    for silence in config.silences:
        if month > silence.expires:
            continue
        hit = pl.col("firm_id") == silence.firm_id
        if silence.rule is not None:
            hit = hit & (pl.col("rule_code") == silence.rule)
        who = f"{silence.owner}：{silence.reason}（至 {silence.expires}）"
        out = out.with_columns(
            suppressed=pl.when(hit & pl.col("suppressed").is_null())
            .then(pl.lit("silenced"))
            .otherwise(pl.col("suppressed")),
            suppressed_by=pl.when(hit & pl.col("suppressed_by").is_null())
            .then(pl.lit(who))
            .otherwise(pl.col("suppressed_by")),
        )
    return out


def route(alerts: pl.DataFrame, config: AlertingConfig, counties: pl.DataFrame) -> pl.DataFrame:
    """Return one row per alert and agency it is routed to (the rule's agencies whose regions
    cover the firm's county), with ``agency_code``, ``rule_group`` and ``fingerprint``.

    ``counties`` maps ``firm_id`` to ``county_code``.
    """
    routes = pl.DataFrame(
        [
            {"rule_code": r.code, "agency_code": a, "rule_group": r.fingerprint_group}
            for r in config.rules
            for a in r.agencies
        ],
        schema={"rule_code": pl.String, "agency_code": pl.String, "rule_group": pl.String},
    )
    routed = alerts.join(routes, on="rule_code", how="inner").join(
        counties.select("firm_id", "county_code"), on="firm_id", how="left"
    )
    covered = [
        (pl.col("agency_code") == a.code)
        & (
            pl.lit(True)
            if not a.regions
            else pl.any_horizontal(
                [pl.col("county_code").fill_null("").str.starts_with(r) for r in a.regions]
            )
        )
        for a in config.agencies
    ]
    routed = routed.filter(pl.any_horizontal(covered))
    # one alert per agency, firm and rule group: the most severe rule of the group
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    routed = (
        routed.with_columns(_sev=pl.col("severity").replace_strict(rank, return_dtype=pl.Int8))
        .sort(
            ["agency_code", "firm_id", "rule_group", "_sev", "rule_code"],
            descending=[False, False, False, True, False],
        )
        .unique(["agency_code", "firm_id", "rule_group"], keep="first", maintain_order=True)
        .drop("_sev")
    )
    return routed.with_columns(
        fingerprint=pl.concat_str(["agency_code", "firm_id", "rule_group"], separator=":")
    )


def agency_lists(
    routed: pl.DataFrame, ranked: pl.DataFrame, config: AlertingConfig
) -> pl.DataFrame:
    """Return ``agency_code, firm_id, rank`` of the firms each agency's list holds this month:
    listed firms (``ranked.is_listed``) with an unsuppressed alert routed to the agency, the
    highest-ranked first, cut at the agency's ``max_rows``."""
    listed = ranked.filter(pl.col("is_listed")).select("firm_id", "rank")
    firms = (
        routed.filter(pl.col("suppressed").is_null())
        .select("agency_code", "firm_id")
        .unique()
        .join(listed, on="firm_id", how="inner")
        .sort("agency_code", "rank")
    )
    caps = {a.code: a.max_rows for a in config.agencies if a.max_rows}
    if caps:
        firms = firms.with_columns(
            _n=pl.int_range(1, pl.len() + 1).over("agency_code"),
            _cap=pl.col("agency_code").replace_strict(caps, default=None, return_dtype=pl.Int64),
        ).filter(pl.col("_cap").is_null() | (pl.col("_n") <= pl.col("_cap")))
        firms = firms.drop("_n", "_cap")
    return firms


def advance(
    month: dt.date,
    routed: pl.DataFrame,
    lists: pl.DataFrame,
    previous_open: pl.DataFrame,
    exited: pl.Series,
) -> pl.DataFrame:
    """Return month ``month``'s lifecycle rows (LIFECYCLE_SCHEMA), sorted by agency and firm.

    ``routed``: this month's routed alerts (``route`` and ``suppress``); ``lists``: the firms
    each agency's list holds (``agency_lists``); ``previous_open``: the rows of the month
    before whose ``is_open`` is true; ``exited``: firms that are dead this month (their open
    alerts resolve with the note that they moved to the exit track).
    """
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    prev = previous_open.select(
        "agency_code",
        "fingerprint",
        pl.col("sent_severity").alias("_prev_sent"),
        pl.col("first_sent_month").alias("_prev_first"),
    )
    listed = lists.select("agency_code", "firm_id", _listed=pl.lit(True))
    now = (
        routed.join(prev, on=["agency_code", "fingerprint"], how="left")
        .join(listed, on=["agency_code", "firm_id"], how="left")
        .with_columns(
            _was_open=pl.col("_prev_sent").is_not_null(),
            _listed=pl.col("_listed").fill_null(False),
            _up=pl.col("severity").replace_strict(rank, return_dtype=pl.Int8)
            > pl.col("_prev_sent").replace_strict(rank, default=-1, return_dtype=pl.Int8),
        )
    )
    state = (
        pl.when(pl.col("suppressed").is_not_null())
        .then(pl.col("suppressed"))
        .when(pl.col("_was_open") & pl.col("_up"))
        .then(pl.lit("escalated"))
        .when(pl.col("_was_open"))
        .then(pl.lit("ongoing"))
        .when(pl.col("_listed"))
        .then(pl.lit("new"))
        .otherwise(pl.lit("pending"))
    )
    now = now.with_columns(state=state).with_columns(
        is_sent=pl.col("state").is_in(["new", "escalated"]),
        is_open=pl.col("_was_open") | pl.col("state").is_in(["new", "escalated"]),
        sent_severity=pl.when(pl.col("state").is_in(["new", "escalated"]))
        .then(pl.col("severity"))
        .otherwise(pl.col("_prev_sent")),
        first_sent_month=pl.when(pl.col("_was_open"))
        .then(pl.col("_prev_first"))
        .when(pl.col("state") == "new")
        .then(pl.lit(month))
        .otherwise(pl.lit(None, pl.Date)),
        note_zh=pl.col("suppressed_by"),
        period_month=pl.lit(month),
    )
    gone = previous_open.join(
        routed.select("agency_code", "fingerprint"), on=["agency_code", "fingerprint"], how="anti"
    ).with_columns(
        period_month=pl.lit(month),
        state=pl.lit("resolved"),
        is_sent=pl.lit(True),
        is_open=pl.lit(False),
        statistic=pl.lit(None, pl.Float64),
        evidence_zh=pl.lit(None, pl.String),
        evidence=pl.lit(None, pl.String),
        note_zh=pl.when(pl.col("firm_id").is_in(exited.implode()))
        .then(pl.lit("企业已退出（吊销或长期无经营记录），转入退出通道"))
        .otherwise(pl.lit("预警条件已消除")),
    )
    cols = list(LIFECYCLE_SCHEMA)
    out = pl.concat(
        [now.select(cols).cast(LIFECYCLE_SCHEMA), gone.select(cols).cast(LIFECYCLE_SCHEMA)]
    )
    return out.sort("agency_code", "firm_id", "rule_group")
