"""The alert list's parts on tiny, hand-checkable inputs: statistics, rules, budget, lifecycle,
routing and entitlement, configuration errors, extract files."""

import datetime as dt
import hashlib
import json
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from alerts import trend
from alerts.config import AlertConfigError, Silence, load_config
from alerts.extracts import agency_columns, write_agency_month
from alerts.lifecycle import LIFECYCLE_SCHEMA, advance, agency_lists, route, suppress
from alerts.monthly import outcome_labels, run_month
from alerts.ranking import firm_features, fit_ranker, rank_and_cut
from alerts.rules import MonthInputs, add_months, evaluate_rules

CONFIG = load_config()
M = dt.date(2026, 9, 1)
XIHU = "330106"


# --- statistics -------------------------------------------------------------------------------


def test_trend_statistics_agree_with_scipy_on_series_with_ties_and_gaps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 12))
    x[:10] = np.round(x[:10])  # ties
    x[10, 3] = np.nan  # a missing month
    t = np.arange(12)
    slopes = trend.theil_sen_slopes(x)
    tau, p = trend.kendall_trend_pvalues(x)
    for r in range(40):
        ok = np.isfinite(x[r])
        assert slopes[r] == pytest.approx(stats.theilslopes(x[r][ok], t[ok])[0])
        expected = stats.kendalltau(t[ok], x[r][ok], method="asymptotic")
        assert tau[r] == pytest.approx(expected.statistic)
        assert p[r] == pytest.approx(expected.pvalue)


def test_cusum_and_ewma_see_a_lasting_drop_not_noise():
    rng = np.random.default_rng(1)
    steady = 100 + rng.normal(0, 5, size=(200, 18))
    dropped = steady.copy()
    dropped[:, 12:] -= 40
    assert (trend.cusum_down(dropped, 12) > 5).mean() > 0.95
    assert (trend.cusum_down(steady, 12) > 5).mean() < 0.05
    assert (trend.ewma_down(dropped, 12) < -3).mean() > 0.95
    assert (trend.ewma_down(steady, 12) < -3).mean() < 0.05


def test_peer_z_is_relative_to_the_group():
    values = np.array([0.0] * 40 + [-10.0] * 40 + [-10.0])
    groups = np.array(["a"] * 40 + ["b"] * 39 + ["b", "a"])
    z = trend.robust_peer_z(values + np.linspace(-1, 1, 81), groups, min_group=30)
    assert z[-1] < -5  # -10 is far below group a's changes
    assert abs(z[45]) < 2  # -10 is ordinary in group b


# --- rules ------------------------------------------------------------------------------------


def _months(n: int) -> list[dt.date]:
    return [add_months(M, -i) for i in range(n - 1, -1, -1)]


def _inputs(**over) -> MonthInputs:
    firms = pl.DataFrame(
        {
            "firm_id": ["A", "B", "C"],
            "peer_group": ["g", "g", "g"],
            "county_code": [XIHU, "330102", XIHU],
            "pd": [0.20, 0.01, 0.05],
            "overall_score": [30.0, 80.0, 50.0],
            "grade_code": ["unhealthy", "healthy", "subhealthy"],
        }
    )
    months = _months(24)
    scores = pl.DataFrame(
        {
            "firm_id": [f for f in "ABC" for _ in months],
            "period_month": months * 3,
            "overall_score": [30.0] * 24 + [80.0] * 24 + [50.0] * 24,
            # A's PD tripled in 3 months; C's did not move
            "pd": [0.05] * 20 + [0.06, 0.1, 0.15, 0.20] + [0.01] * 24 + [0.05] * 24,
            "grade_code": ["unhealthy"] * 24 + ["healthy"] * 24 + ["subhealthy"] * 24,
        }
    )
    # A's sales halve in the last 6 months; B's are flat; C files nothing
    sales = [100_000.0] * 18 + [40_000.0] * 6
    series = pl.DataFrame(
        {
            "firm_id": ["A"] * 24 + ["B"] * 24,
            "period_month": months * 2,
            "series": ["tax_sales"] * 48,
            "value": sales + [100_000.0] * 24,
        }
    )
    indicators = pl.DataFrame(
        {
            "firm_id": ["A", "A", "B", "B", "C", "C"],
            "period_month": [add_months(M, -1), M] * 3,
            "open_enforcement_cases": [0, 1, 2, 2, 0, 0],
            "is_dishonest_debtor": [False] * 6,
            "tax_arrears_ratio": [0.0] * 6,
            "contribution_arrears_ratio": [0.0] * 6,
            "open_wage_disputes": [0] * 6,
            "penalties_in_publicity": [0] * 6,
            "env_unrectified_penalties": [0] * 6,
            "is_abnormal_listed": [0] * 6,
            "overdue_loan_ratio": [0.0] * 6,
        }
    )
    anomalies = pl.DataFrame(
        {
            "firm_id": ["C"],
            "report_year": [2025],
            "severity": ["high"],
            "item_name_zh": ["营业总收入"],
            "department_zh": ["税务"],
            "declared_value": [500.0],
            "department_value": [120.0],
            "gap_ratio": [0.76],
        }
    )
    base = dict(
        month=M,
        firms=firms,
        scores=scores,
        indicators=indicators,
        series=series,
        anomalies=anomalies,
    )
    return MonthInputs(**{**base, **over})


def test_the_crosscheck_anomalies_read_are_those_of_the_year_last_due():
    # the June month end is 30 June, the deadline: the previous year is due from June on, as in
    # dbt's due_report_year macro (unit test annual_report_is_due_from_30_june)
    from pipelines.defs.delivery.alerts import due_report_year

    assert [due_report_year(dt.date(2026, m, 1)) for m in (1, 5, 6, 7, 12)] == [
        2024,
        2024,
        2025,
        2025,
        2025,
    ]


def test_rules_fire_for_the_firms_the_data_shows():
    fired = evaluate_rules(_inputs(), CONFIG)
    by_firm = {f: set(g["rule_code"]) for (f,), g in fired.group_by("firm_id")}
    assert {"grade_unhealthy", "pd_doubling", "sales_yoy_drop", "sales_change_point"} <= by_firm[
        "A"
    ]
    assert {"new_enforcement"} <= by_firm["A"]
    assert by_firm["C"] == {"grade_subhealthy", "crosscheck_anomaly"}
    # B's enforcement case is open but not new: the alert fires, marked not new
    enforcement = fired.filter(pl.col("rule_code") == "new_enforcement")
    assert dict(zip(enforcement["firm_id"], enforcement["is_new"], strict=True)) == {
        "A": True,
        "B": False,
    }
    yoy = fired.filter((pl.col("firm_id") == "A") & (pl.col("rule_code") == "sales_yoy_drop"))
    assert "同比 -60%" in yoy["evidence_zh"][0]
    assert json.loads(yoy["evidence"][0])["yoy"] == pytest.approx(-0.6)
    doubling = fired.filter(pl.col("rule_code") == "pd_doubling")
    assert "2026-06 的 6.0% 升至 2026-09 的 20.0%" in doubling["evidence_zh"][0]


def test_a_rule_without_its_inputs_fires_for_no_one():
    empty = _inputs(
        series=pl.DataFrame(
            schema={
                "firm_id": pl.String,
                "period_month": pl.Date,
                "series": pl.String,
                "value": pl.Float64,
            }
        )
    )
    fired = evaluate_rules(empty, CONFIG)
    assert not fired.filter(pl.col("rule_code").str.starts_with("sales_")).height


# --- budget and ranking -----------------------------------------------------------------------


def test_each_county_lists_its_share_plus_new_severe_flags():
    n = 200
    features = pl.DataFrame(
        {
            "firm_id": [f"F{i:03d}" for i in range(n)],
            "period_month": [M] * n,
            "county_code": ["330106"] * 100 + ["330102"] * 60 + ["330103"] * 40,
            "pd": np.linspace(0.5, 0.001, n),
            "overall_score": np.linspace(20, 90, n),
            # no rule fires for F001: it is skipped, the county's next firm takes its place
            "n_rules": [0 if i == 1 else 1 for i in range(n)],
        }
    )
    ranked = rank_and_cut(features, None, CONFIG.budget, pl.Series(["F199"]))
    quota = dict(ranked.group_by("county_code").agg(pl.col("county_quota").first()).iter_rows())
    assert quota == {"330106": 5, "330102": 3, "330103": 2}
    listed = set(ranked.filter(pl.col("is_listed"))["firm_id"])
    listed_ids = [0, 2, 3, 4, 5, *range(100, 103), *range(160, 162), 199]
    assert listed == {f"F{i:03d}" for i in listed_ids}
    assert ranked["rank"].to_list() == list(range(1, n + 1))


def test_the_ranker_learns_from_history_and_needs_enough_events():
    rng = np.random.default_rng(5)
    n = 4000
    pd_ = rng.uniform(0.001, 0.3, n)
    flag = rng.random(n) < 0.1
    outcome = rng.random(n) < np.clip(pd_ + 0.4 * flag, 0, 1)
    firms = pl.DataFrame(
        {"firm_id": [f"F{i}" for i in range(n)], "period_month": [M] * n, "pd": pd_}
    )
    alerts = pl.DataFrame(
        {
            "firm_id": firms["firm_id"].filter(pl.Series(flag)),
            "period_month": M,
            "rule_code": "new_overdue_loan",
        }
    )
    codes = ["new_overdue_loan", "grade_subhealthy"]
    history = firm_features(firms, alerts, codes).with_columns(
        outcome=pl.Series(outcome.astype(int))
    )
    ranker = fit_ranker(history, codes, min_events=100)
    assert ranker is not None and ranker.coef[0] > 0 and ranker.coef[1] > 1
    assert fit_ranker(history.head(50), codes, min_events=100) is None


def test_outcomes_count_only_events_after_the_month():
    f = pl.DataFrame({"firm_id": ["a", "a", "b"], "period_month": [M, add_months(M, -13), M]})
    e = pl.DataFrame(
        {"firm_id": ["a", "b"], "event_date": [dt.date(2026, 9, 30), dt.date(2027, 9, 1)]}
    )
    assert outcome_labels(f, e)["outcome"].to_list() == [0, 0, 1]


# --- lifecycle --------------------------------------------------------------------------------


def _month(month, fired, listed, previous, exited=()):
    alerts = pl.DataFrame(
        [
            {
                "firm_id": f,
                "period_month": month,
                "rule_code": r,
                "severity": CONFIG.rule(r).severity,
                "statistic": 1.0,
                "evidence_zh": "x",
                "evidence": "{}",
                "is_new": None,
            }
            for f, r in fired
        ],
        schema={
            "firm_id": pl.String,
            "period_month": pl.Date,
            "rule_code": pl.String,
            "severity": pl.String,
            "statistic": pl.Float64,
            "evidence_zh": pl.String,
            "evidence": pl.String,
            "is_new": pl.Boolean,
        },
    )
    counties = pl.DataFrame({"firm_id": ["A", "B"], "county_code": [XIHU, "330102"]})
    routed = route(suppress(alerts, CONFIG, month), CONFIG, counties)
    ranked = pl.DataFrame(
        {"firm_id": ["A", "B"], "rank": [1, 2], "is_listed": ["A" in listed, "B" in listed]}
    )
    lists = agency_lists(routed, ranked, CONFIG)
    out = advance(month, routed, lists, previous, pl.Series(list(exited), dtype=pl.String))
    return out, out.filter(pl.col("is_open"))


def _states(rows, agency="econ"):
    rows = rows.filter(pl.col("agency_code") == agency)
    return {
        (f, g): (s, sent)
        for f, g, s, sent in rows.select("firm_id", "rule_group", "state", "is_sent").iter_rows()
    }


def test_an_alert_is_new_once_then_ongoing_escalated_and_resolved():
    empty = pl.DataFrame(schema=LIFECYCLE_SCHEMA)
    m1, open1 = _month(M, [("A", "grade_subhealthy"), ("B", "grade_subhealthy")], {"A"}, empty)
    assert _states(m1) == {("A", "grade"): ("new", True), ("B", "grade"): ("pending", False)}
    m2, open2 = _month(add_months(M, 1), [("A", "grade_subhealthy")], {"A"}, open1)
    assert _states(m2) == {("A", "grade"): ("ongoing", False)}
    m3, open3 = _month(add_months(M, 2), [("A", "grade_unhealthy")], {"A"}, open2)
    assert _states(m3) == {("A", "grade"): ("escalated", True)}
    assert m3["fingerprint"].to_list()[0] == m1.filter(pl.col("firm_id") == "A")["fingerprint"][0]
    m4, open4 = _month(add_months(M, 3), [], set(), open3)
    assert _states(m4) == {("A", "grade"): ("resolved", True)}
    assert m4.filter(pl.col("agency_code") == "econ")["note_zh"][0] == "预警条件已消除"
    assert open4.height == 0


def test_an_open_alert_of_a_firm_that_exits_resolves_to_the_exit_track():
    empty = pl.DataFrame(schema=LIFECYCLE_SCHEMA)
    _, open1 = _month(M, [("A", "grade_unhealthy")], {"A"}, empty)
    m2, _ = _month(add_months(M, 1), [], set(), open1, exited=["A"])
    assert set(m2["state"]) == {"resolved"}
    assert "退出通道" in m2["note_zh"][0]


def test_unhealthy_inhibits_the_firms_lesser_items_and_silences_expire():
    empty = pl.DataFrame(schema=LIFECYCLE_SCHEMA)
    m1, _ = _month(M, [("A", "grade_unhealthy"), ("A", "peer_score_drop")], {"A"}, empty)
    assert _states(m1)[("A", "peer_score_drop")] == ("inhibited", False)
    assert _states(m1)[("A", "grade")] == ("new", True)
    silenced = replace(
        CONFIG,
        silences=(Silence("A", "pd_doubling", "经信局 张三", "季节性停产", dt.date(2026, 9, 30)),),
    )
    alerts = pl.DataFrame({"firm_id": ["A"], "rule_code": ["pd_doubling"]})
    assert suppress(alerts, silenced, M)["suppressed"].to_list() == ["silenced"]
    assert suppress(alerts, silenced, add_months(M, 1))["suppressed"].to_list() == [None]


def test_routing_respects_rules_and_regions():
    empty = pl.DataFrame(schema=LIFECYCLE_SCHEMA)
    m1, _ = _month(M, [("A", "new_enforcement"), ("B", "new_enforcement")], {"A", "B"}, empty)
    agencies = {(f, a) for f, a in m1.select("firm_id", "agency_code").iter_rows()}
    # new_enforcement goes to finance, amr and the Xihu centre, which only covers 330106
    assert agencies == {
        ("A", "finance"),
        ("A", "amr"),
        ("A", "econ_xihu"),
        ("B", "finance"),
        ("B", "amr"),
    }


def test_run_month_keeps_dead_firms_off_the_list():
    inputs = _inputs()
    result = run_month(
        inputs,
        CONFIG,
        None,
        pl.DataFrame(schema=LIFECYCLE_SCHEMA),
        pl.Series(["D"], dtype=pl.String),
    )
    assert set(result.ranking["firm_id"]) == {"A", "B", "C"}
    assert result.ranking.filter(pl.col("is_listed"))["firm_id"].to_list()[0] == "A"


# --- configuration ----------------------------------------------------------------------------


def _copy_config(tmp_path: Path) -> Path:
    for name in ("rules.yaml", "agencies.yaml", "silences.yaml"):
        (tmp_path / name).write_text(
            (Path(__file__).parents[2] / "alerts" / "config" / name).read_text("utf-8"), "utf-8"
        )
    return tmp_path


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "rules.yaml",
            "kind: pd_doubling",
            "kind: pd_tripling",
            "rule #3 (pd_doubling): unknown kind",
        ),
        ("rules.yaml", "severity: medium", "severity: urgent", "severity must be one of"),
        (
            "rules.yaml",
            "params: {series: overall_score, months: 12,",
            "params: {series: overall_score, months: 30,",
            "(score_trend_down): reads 30 months; the alert step holds 24",
        ),
        (
            "rules.yaml",
            "params: {series: overall_score, months: 12,",
            "params: {series: overall_score, months: a year,",
            "(score_trend_down): months, baseline and monitor must be whole numbers",
        ),
        (
            "rules.yaml",
            "{factor: 2.0, months: 3, min_pd: 0.03}",
            "{factor: 2.0}",
            "kind pd_doubling needs params ['months', 'min_pd']",
        ),
        (
            "agencies.yaml",
            "fields: [evidence, needs, suggestions]",
            "fields: [evidence, raw_sales]",
            "agency #6 (env): unknown fields ['raw_sales']",
        ),
        (
            "agencies.yaml",
            "rules: [new_env_penalty]",
            "rules: []",
            "rule new_env_penalty is routed to env but agencies.yaml does not list it",
        ),
        (
            "silences.yaml",
            "silences: []",
            "silences:\n  - {firm_id: X, owner: me, reason: r, expires: someday}",
            "silence #1: expires must be a date",
        ),
    ],
)
def test_a_bad_configuration_is_refused_with_a_located_message(tmp_path, file, old, new, message):
    folder = _copy_config(tmp_path)
    text = (folder / file).read_text("utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(AlertConfigError, match=None) as err:
        load_config(folder)
    assert message in str(err.value) and file in str(err.value)


# --- extract files ----------------------------------------------------------------------------


def _rows(n: int = 3) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "alert_id": [f"tax-202609-F{i}" for i in range(n)],
            "period_month": [M] * n,
            "firm_id": [f"F{i}" for i in range(n)],
            "firm_name": ["甲公司", "乙公司", "丙公司"][:n],
            "city_name": "杭州市",
            "county_name": "西湖区",
            "industry_division_name": "零售业",
            "state_zh": ["新增", "解除", "升级"][:n],
            "severity_zh": "高",
            "rules_zh": "新增欠税（新增）",
            "evidence_zh": "欠税余额占月均销售额比由 0.00 升至 0.40",
            "needs_zh": "融资",
            "suggestions_zh": "税费辅导",
            "rank": [3, 1, 2][:n],
            "grade": "不健康",
            "overall_score": 31.234,
            "score_operations": 1.0,
            "score_innovation": 2.0,
            "score_structure": 3.0,
            "score_efficiency": 4.0,
            "score_risk": 5.0,
            "pd": 0.123456,
            "bank_points": 512.4,
            "reasons_zh": "欠税",
        }
    )


def test_an_agency_file_holds_only_its_fields_and_rewrites_identically(tmp_path):
    fields = ("rank", "evidence", "needs")
    kwargs = dict(
        agency_code="tax",
        agency_name_zh="税务局",
        fields=fields,
        month=M,
        target_dir=tmp_path,
        rules=[{"code": "new_tax_arrears"}],
        model_versions=["fitted-20260630"],
    )
    manifest = write_agency_month(_rows(), **kwargs)
    folder = tmp_path / "tax" / "202609"
    headers = list(agency_columns(fields).values())
    csv_bytes = (folder / "alert_list_tax_202609.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    csv = pl.read_csv(folder / "alert_list_tax_202609.csv", infer_schema=False)
    xlsx = pl.read_excel(folder / "alert_list_tax_202609.xlsx", sheet_name="预警清单")
    parquet = pl.read_parquet(folder / "alert_list_tax_202609.parquet")
    for frame in (csv, xlsx, parquet):
        assert frame.columns == headers
        assert "12个月违约概率" not in frame.columns and "健康等级" not in frame.columns
    # new and escalated first, by rank; the resolved notice last
    assert csv["预警状态"].to_list() == ["升级", "新增", "解除"]
    with zipfile.ZipFile(folder / "alert_list_tax_202609.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert 'state="frozen"' in sheet and "<col " in sheet
        assert "预警清单" in z.read("xl/workbook.xml").decode()
    for name, meta in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == meta["sha256"]
    assert manifest["rows"] == 3 and manifest["rows_by_state"] == {"新增": 1, "升级": 1, "解除": 1}
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_agency_month(_rows(), **kwargs)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_month_with_nothing_to_send_still_gets_its_files(tmp_path):
    manifest = write_agency_month(
        _rows().head(0),
        agency_code="env",
        agency_name_zh="生态环境局",
        fields=("evidence",),
        month=M,
        target_dir=tmp_path,
        rules=[],
        model_versions=[],
    )
    assert manifest["rows"] == 0
    assert len(list((tmp_path / "env" / "202609").iterdir())) == 4


def test_the_row_median_equals_numpys_nanmedian_value_for_value():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(2_000, 66))
    x[rng.random(x.shape) < 0.45] = np.nan
    x[:5] = np.nan  # rows with nothing observed
    x[5:10, :] = 2.0  # ties
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(x, axis=1)
    assert np.array_equal(trend.nanmedian_rows(x), expected, equal_nan=True)
