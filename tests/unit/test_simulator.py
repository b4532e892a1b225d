"""Tests for the department-feed simulator (small worlds: 300 firms x 14 months)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

import simulator.months as M
from ingest.contracts import CONTRACTS, FeedContract
from ingest.uscc import is_valid_uscc
from simulator import simulate
from simulator.departments.amr import REGISTRY_COLS
from simulator.departments.annual_report import MISMATCH_ITEMS, REPORT_COLS
from simulator.departments.court import COURT_COLS, CREDIT_KEYS
from simulator.departments.credit import LOAN_KEYS
from simulator.departments.customs import CUSTOMS_COLS
from simulator.departments.hrss import INSURED_COLS
from simulator.departments.power import POWER_COLS
from simulator.departments.stats import STATS_COLS
from simulator.departments.subsidy import SUBSIDY_COLS
from simulator.departments.tax import GRADE_COLS, TAX_COLS
from simulator.engine import FAULT_STREAMS, FEEDS, MODULES, fault_streams
from simulator.faults import MESSY_NUMBERS, drop_column, reencode_file, truncate_file
from simulator.output import file_key
from simulator.world import Yearly, window

SMALL = {"firms": 300, "months": 14, "end": "2026-09", "seed": 7, "progress": False}


def _feed_files(contract: FeedContract) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """Return what the simulator must write for a feed, read off its contract: the folder under
    landing/ (its files are those of ``landing/<department>/<delivery>/`` whose name the
    contract's file pattern matches), the header, the USCC column and the amount columns."""
    (uscc,) = [c.header for c in contract.columns if c.type == "uscc"]
    amounts = tuple(c.header for c in contract.columns if c.type == "decimal")
    return contract.department, tuple(contract.headers), uscc, amounts


# feed -> (department folder under landing/, header, USCC column, amount columns)
FEED_FILES = {feed: _feed_files(contract) for feed, contract in CONTRACTS.items()}


def landing_files(landing: Path, feed: str) -> list[Path]:
    """Return a feed's files under ``landing`` in path order (its contract's file pattern)."""
    contract = CONTRACTS[feed]
    return sorted(p for p in (landing / contract.department).glob("*/*") if contract.match(p.name))


def read_rows(path: Path) -> tuple[list[str], list[tuple]]:
    """Header and data rows of a landing file, as the department wrote them (all text)."""
    if path.suffix == ".csv":
        (encoding,) = {c.encoding for c in CONTRACTS.values() if c.match(path.name)}
        text = path.read_bytes().decode("gbk" if encoding == "gbk" else "utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return rows[0], [tuple(r) for r in rows[1:]]
    if path.suffix == ".xlsx":
        df = pl.read_excel(path, infer_schema_length=0)
        return df.columns, [tuple("" if v is None else v for v in r) for r in df.iter_rows()]
    objs = json.loads(path.read_text(encoding="utf-8"))
    keys = list(objs[0]) if objs else []
    return keys, [tuple("" if o[k] is None else o[k] for k in keys) for o in objs]


def parses(value: str) -> bool:
    if value == "":
        return True
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


def tree_hash(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean")
    return out, simulate(out, fault_rate=0.0, **SMALL)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("faulty")
    return out, simulate(out, fault_rate=0.05, **SMALL)


def test_deterministic_for_a_seed(tmp_path, faulty):
    out, _ = faulty
    again = tmp_path / "again"
    simulate(again, fault_rate=0.05, **SMALL)
    first, second = tree_hash(out), tree_hash(again)
    assert len(first) > 60
    assert first == second


def test_other_seed_differs(tmp_path, clean):
    out, _ = clean
    other = tmp_path / "other"
    simulate(other, fault_rate=0.0, **{**SMALL, "seed": 8})
    a = (out / "landing/amr/202508/registry_202508.csv").read_bytes()
    b = (other / "landing/amr/202508/registry_202508.csv").read_bytes()
    assert a != b


def test_layout_and_file_names(clean):
    out, summary = clean
    landing = out / "landing"
    months = [
        f"{y}{m:02d}"
        for y, m in [(2025, m) for m in range(8, 13)] + [(2026, m) for m in range(1, 10)]
    ]
    for ym in months:
        assert (landing / f"amr/{ym}/registry_{ym}.csv").is_file()
        assert (landing / f"tax/{ym}/declaration_{ym}.csv").is_file()
        assert (landing / f"court/{ym}/enforcement_{ym}.xlsx").is_file()
        assert (landing / f"court/{ym}/dishonest_{ym}.json").is_file()
        for rel in (
            "amr/{0}/penalty_{0}.csv",
            "amr/{0}/abnormal_{0}.csv",
            "hrss/{0}/insured_{0}.csv",
            "hrss/{0}/wage_dispute_{0}.xlsx",
            "power/{0}/usage_{0}.csv",
            "customs/{0}/trade_{0}.xlsx",
            "credit/{0}/loans_{0}.json",
            "ip/{0}/ip_rights_{0}.csv",
            "sci/{0}/certification_{0}.xlsx",
            "subsidy/{0}/subsidy_{0}.csv",
            "env/{0}/env_penalty_{0}.json",
        ):
            assert (landing / rel.format(ym)).is_file(), rel.format(ym)
        stats = landing / f"stats/{ym}/industry_monthly_{ym}.csv"
        assert stats.is_file() == (not ym.endswith("01")), ym
    # tax credit grades for 2025 are published in April 2026
    assert (landing / "tax/202604/credit_grade_2025.csv").is_file()
    # the 2025 annual reports were filed Jan-Jun 2026 and land in amr/2026/
    assert (landing / "amr/2026/annual_report_2025.xlsx").is_file()
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == set(summary["files"])
    assert summary["files_written"] == len(written)


def test_truth_is_separate_from_landing(clean):
    out, _ = clean
    truth = {p.name for p in (out / "truth").iterdir()}
    assert {
        "firms.parquet",
        "latent_health.parquet",
        "distress_events.csv",
        "injected_faults.csv",
        "report_mismatches.csv",
    } <= truth
    landing_files = [p for p in (out / "landing").rglob("*") if p.is_file()]
    assert all(p.parent.parent.parent == out / "landing" for p in landing_files)
    assert not any(p.suffix == ".parquet" or "truth" in p.parts for p in landing_files)


def test_encodings_and_headers(clean):
    out, _ = clean
    landing = out / "landing"
    reg = (landing / "amr/202508/registry_202508.csv").read_bytes()
    assert reg.startswith(b"\xef\xbb\xbf")
    assert reg[3:].decode("utf-8").splitlines()[0].split(",") == list(REGISTRY_COLS)

    tax = (landing / "tax/202603/declaration_202603.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tax.decode("utf-8")
    text = tax.decode("gbk")
    assert text.splitlines()[0].split(",") == list(TAX_COLS)
    # amounts are quoted with thousands separators; dates are YYYYMMDD
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[2] == "20260301" and row[3] == "20260331"
    assert all(parses(v) and v.count(".") == 1 for v in row[5:])
    big = [line for line in text.splitlines()[1:] if '",' in line and ',"' in line]
    assert any(',"' in b and "," in b.split('"')[1] for b in big)

    stats = (landing / "stats/202602/industry_monthly_202602.csv").read_text(encoding="utf-8")
    assert not stats.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(stats)))
    assert header == list(STATS_COLS)
    assert {r[2] for r in rows} == {"2026年1-2月"}
    march = (landing / "stats/202603/industry_monthly_202603.csv").read_text(encoding="utf-8")
    assert {r[2] for r in list(csv.reader(io.StringIO(march)))[1:]} == {"2026年3月"}

    report = pl.read_excel(landing / "amr/2026/annual_report_2025.xlsx", sheet_name="年报")
    assert report.columns == list(REPORT_COLS)
    assert report["年报年度"].unique().to_list() == [2025]
    assert report["资产总额(万元)"].dtype == pl.Float64
    court_cols = pl.read_excel(
        next(landing.glob("court/*/enforcement_*.xlsx")), sheet_name="执行案件"
    ).columns
    assert court_cols == list(COURT_COLS)
    dishonest = landing.glob("court/*/dishonest_*.json")
    credit = [json.loads(p.read_text(encoding="utf-8")) for p in dishonest]
    objs = [o for arr in credit for o in arr]
    assert objs, "expected some dishonest-debtor records"
    assert all(list(o) == list(CREDIT_KEYS) for o in objs)
    assert all(o["列入日期"][4] == "年" and o["列入日期"].endswith("日") for o in objs)


def test_stats_are_year_to_date(clean):
    out, _ = clean

    def revenue(ym: str) -> dict[str, float]:
        path = out / f"landing/stats/{ym}/industry_monthly_{ym}.csv"
        df = pl.read_csv(path, infer_schema=False)
        return dict(
            zip(df["统一社会信用代码"], df["营业收入本年累计(千元)"].cast(pl.Float64), strict=True)
        )

    feb, mar, dec = revenue("202602"), revenue("202603"), revenue("202512")
    common = set(feb) & set(mar)
    assert len(common) > 10
    assert all(mar[c] >= feb[c] for c in common)  # cumulative within the year
    # a new year restarts the sum: February is below the previous December for most firms
    restart = [c for c in set(feb) & set(dec) if feb[c] < dec[c]]
    assert len(restart) > 0.9 * len(set(feb) & set(dec))


def test_clean_output_is_clean(clean):
    out, summary = clean
    assert all(v == 0 for v in summary["faults"].values())
    faults = pl.read_csv(out / "truth/injected_faults.csv")
    assert faults.height == 0
    assert pl.read_csv(out / "truth/report_mismatches.csv").height == 0
    for feed, (_folder, header, uscc_col, amounts) in FEED_FILES.items():
        files = landing_files(out / "landing", feed)
        assert files, feed
        for path in files:
            cols, rows = read_rows(path)
            if path.suffix == ".json" and not rows:
                continue
            assert cols == list(header), path
            k = cols.index(uscc_col)
            assert all(is_valid_uscc(r[k]) for r in rows), path
            assert len(set(rows)) == len(rows), path
            for a in amounts:
                j = cols.index(a)
                assert all(parses(r[j]) for r in rows), (path, a)
    # no late files: every monthly file sits in its own period's folder
    for path in (out / "landing").rglob("*_??????.*"):
        assert path.stem[-6:] == path.parent.name


def test_every_firm_code_is_valid_and_unique(clean):
    out, _ = clean
    firms = pl.read_parquet(out / "truth/firms.parquet")
    assert firms.height == 300
    assert firms["uscc"].n_unique() == 300
    assert all(is_valid_uscc(c) for c in firms["uscc"])
    assert firms["firm_name"].n_unique() == 300
    counties = set(
        pl.read_csv(
            Path(__file__).resolve().parents[2] / "dbt_project/seeds/reference/ref_counties.csv",
            infer_schema=False,
        )["county_code"]
    )
    assert set(firms["county_code"]) <= counties
    assert all(
        c[2:8] == county for c, county in zip(firms["uscc"], firms["county_code"], strict=True)
    )


def test_faults_are_recorded_where_they_are(faulty):
    out, summary = faulty
    faults = pl.read_csv(out / "truth/injected_faults.csv")
    assert set(faults["fault"]) == {"bad_check_char", "duplicate_row", "unparseable_number"}
    assert faults.select("file", "line").is_unique().all()  # at most one fault per row
    recorded = {(f, ln): kind for f, ln, kind in faults.select("file", "line", "fault").iter_rows()}
    feed_of = {f: feed for feed, f in faults.select("feed", "file").iter_rows()}
    checked = 0
    for feed, (_folder, _header, uscc_col, amounts) in FEED_FILES.items():
        for path in landing_files(out / "landing", feed):
            rel = path.relative_to(out / "landing").as_posix()
            cols, rows = read_rows(path)
            if not rows:
                continue
            k = cols.index(uscc_col)
            first = 1 if path.suffix == ".json" else 2
            seen: set[tuple] = set()
            for i, row in enumerate(rows):
                line = i + first
                kind = recorded.get((rel, line))
                messy = [a for a in amounts if not parses(row[cols.index(a)])]
                if kind == "bad_check_char":
                    assert not is_valid_uscc(row[k]), (rel, line)
                elif kind == "duplicate_row":
                    assert row in seen, (rel, line)
                elif kind == "unparseable_number":
                    assert len(messy) == 1 and row[cols.index(messy[0])] in MESSY_NUMBERS
                else:  # an unrecorded row carries no fault
                    assert is_valid_uscc(row[k]) and row not in seen and not messy, (rel, line)
                if kind is not None:
                    assert feed_of[rel] == feed
                    checked += 1
                seen.add(row)
    assert checked == faults.height
    assert (
        summary["faults"]["duplicate_row"]
        == faults.filter(pl.col("fault") == "duplicate_row").height
    )


def test_missing_rows_and_mismatches_are_listed(faulty, clean):
    out, summary = faulty
    missing = pl.read_csv(out / "truth/missing_rows.csv", infer_schema=False)
    assert missing.height == summary["faults"]["missing_row"] > 0
    # a dropped row is really absent from its period's file (wherever that file was delivered)
    row = missing.row(0, named=True)
    feed_dir = {"tax_declaration": "tax", "stats_industry_monthly": "stats"}[row["feed"]]
    name = "declaration" if feed_dir == "tax" else "industry_monthly"
    (path,) = (out / "landing" / feed_dir).glob(f"*/{name}_{row['period']}.csv")
    _, rows = read_rows(path)
    assert all(row["uscc"] not in r for r in rows)
    clean_out, _ = clean
    clean_path = clean_out / "landing" / feed_dir / row["period"] / path.name
    _, clean_rows = read_rows(clean_path)
    assert any(row["uscc"] in r for r in clean_rows)

    mism = pl.read_csv(out / "truth/report_mismatches.csv")
    assert mism.columns == ["uscc", "report_year", "item", "declared_value", "true_value"]
    assert mism.height > 0
    assert set(mism["item"]) <= set(MISMATCH_ITEMS)
    report = pl.read_excel(out / "landing/amr/2026/annual_report_2025.xlsx", infer_schema_length=0)
    for uscc, year, item, declared, true_value in mism.iter_rows():
        assert declared != true_value
        match = report.filter(pl.col("统一社会信用代码") == uscc)
        assert match.height >= 1 and year == 2025
        header = MISMATCH_ITEMS[item]
        unit = 1e4 if "万元" in header else 1.0  # truth is in CNY and heads, the report in 万元
        assert float(match[header][0]) * unit == pytest.approx(declared)


def test_late_files_keep_their_period(tmp_path):
    out = tmp_path / "late"
    summary = simulate(out, fault_rate=0.2, **SMALL)
    late = pl.read_csv(out / "truth/late_files.csv", infer_schema=False)
    assert late.height == summary["faults"]["late_file"] > 0
    for _feed, file, period, delivery in late.iter_rows():
        assert delivery > period
        assert file.split("/")[1] == delivery and file.endswith(f"_{period}.csv")
        assert (out / "landing" / file).is_file()


def test_world_model_has_distress_with_chance(clean):
    out, summary = clean
    events = pl.read_csv(out / "truth/distress_events.csv", try_parse_dates=True)
    kinds = {"dormancy", "enforcement", "dishonest", "revocation", "closure"}
    assert set(events["event_type"]) <= kinds
    assert events.height > 0
    # dormancy is dated when it began, which may be before the window
    events = events.filter(pl.col("event_type") != "dormancy")
    first, last = events["event_date"].min(), events["event_date"].max()
    assert str(first) >= "2025-08-01" and str(last) <= "2026-09-30"
    health = pl.read_parquet(out / "truth/latent_health.parquet")
    assert health["month"].n_unique() == 14
    assert health.filter(pl.col("month") == health["month"].min()).height <= 300
    # revoked / closed firms leave the tax feed after the event; enforcement does not stop filing
    filed: set[tuple[str, str]] = set()
    for path in (out / "landing/tax").glob("*/declaration_*.csv"):
        _, rows = read_rows(path)
        filed |= {(r[0], path.stem[-6:]) for r in rows}
    ends = events.filter(pl.col("event_type").is_in(["revocation", "closure"]))
    assert ends.height > 0
    for uscc, _, day in ends.iter_rows():
        event_month = f"{day.year}{day.month:02d}"
        assert not any(u == uscc and per >= event_month for u, per in filed), uscc
    enforced = events.filter(pl.col("event_type") == "enforcement")
    later = [
        (u, d)
        for u, _, d in enforced.iter_rows()
        if any(x == u and p > f"{d.year}{d.month:02d}" for x, p in filed)
    ]
    assert later, "firms with an enforcement case keep filing tax"


def test_registry_stock_then_deltas(clean):
    out, _ = clean
    firms = pl.read_parquet(out / "truth/firms.parquet")
    _, first = read_rows(out / "landing/amr/202508/registry_202508.csv")
    stock = {r[0] for r in first}
    founded_before = set(firms.filter(pl.col("founding_date") < pl.date(2025, 9, 1))["uscc"])
    assert stock == founded_before
    assert all(r[9].startswith("2025-08") for r in first)
    # a firm founded later shows up in the delta of its founding month, dated that day
    new = firms.filter(pl.col("founding_date") >= pl.date(2025, 9, 1)).row(0, named=True)
    ym = new["founding_date"].strftime("%Y%m")
    _, rows = read_rows(out / f"landing/amr/{ym}/registry_{ym}.csv")
    (mine,) = [r for r in rows if r[0] == new["uscc"]]
    assert mine[6] == mine[9] == new["founding_date"].isoformat() and mine[7] == "存续"


def test_broken_file_helpers(tmp_path, clean):
    out, _ = clean
    src = out / "landing/tax/202603/declaration_202603.csv"
    # wrong encoding: a GBK file delivered as UTF-8
    p = tmp_path / "tax.csv"
    p.write_bytes(src.read_bytes())
    reencode_file(p, "gbk", "utf-8")
    assert p.read_bytes().decode("utf-8") == src.read_bytes().decode("gbk")
    # truncated: cut mid-row, no trailing newline
    truncate_file(p)
    data = p.read_bytes()
    assert not data.endswith(b"\n") and len(data) < len(src.read_bytes())
    # a truncated UTF-8 file still decodes: it is cut short, not mangled
    reg_cut = tmp_path / "reg_cut.csv"
    reg_cut.write_bytes((out / "landing/amr/202508/registry_202508.csv").read_bytes())
    truncate_file(reg_cut)
    text = reg_cut.read_bytes().decode("utf-8-sig")
    last = next(csv.reader([text.rsplit("\n", 1)[-1]]))
    assert not text.endswith("\n") and 0 < len(last) < len(REGISTRY_COLS)
    # missing column, CSV with BOM and XLSX
    reg = tmp_path / "reg.csv"
    reg.write_bytes((out / "landing/amr/202508/registry_202508.csv").read_bytes())
    drop_column(reg, "行业代码")
    head = reg.read_bytes()
    assert head.startswith(b"\xef\xbb\xbf")
    assert "行业代码" not in head.decode("utf-8-sig").splitlines()[0]
    assert len(head.decode("utf-8-sig").splitlines()[0].split(",")) == len(REGISTRY_COLS) - 1
    xl = tmp_path / "report.xlsx"
    xl.write_bytes((out / "landing/amr/2026/annual_report_2025.xlsx").read_bytes())
    drop_column(xl, "纳税总额(万元)")
    cols = pl.read_excel(xl, sheet_name="年报").columns
    assert "纳税总额(万元)" not in cols and len(cols) == len(REPORT_COLS) - 1


def test_new_departments_export_in_their_own_shapes(clean):
    out, _ = clean
    landing = out / "landing"
    subsidy = (landing / "subsidy/202512/subsidy_202512.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        subsidy.decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(subsidy.decode("gbk"))))
    assert header == list(SUBSIDY_COLS)
    assert rows and all(r[6][4] == "年" and r[6].endswith("日") for r in rows)
    insured = (landing / "hrss/202603/insured_202603.csv").read_bytes()
    assert insured.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(insured[3:].decode("utf-8"))))
    assert header == list(INSURED_COLS) and {r[2] for r in rows} == {"202603"}
    power = (landing / "power/202603/usage_202603.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(power)))
    assert header == list(POWER_COLS) and {r[3] for r in rows} == {"202603"}
    # some firms have several meter accounts, and every account number is its own
    per_firm = pl.DataFrame(rows, schema=list(POWER_COLS), orient="row").group_by(
        "统一社会信用代码"
    )
    assert per_firm.len()["len"].max() >= 2
    assert len({r[0] for r in rows}) == len(rows)
    customs = pl.read_excel(landing / "customs/202603/trade_202603.xlsx", sheet_name="进出口")
    assert customs.columns == list(CUSTOMS_COLS)
    loans = json.loads((landing / "credit/202603/loans_202603.json").read_text(encoding="utf-8"))
    assert loans and list(loans[0]) == list(LOAN_KEYS)
    assert all(o["统计日期"] == "2026-03-31" for o in loans)
    grades = (landing / "tax/202604/credit_grade_2025.csv").read_bytes().decode("gbk")
    header, *rows = list(csv.reader(io.StringIO(grades)))
    assert header == list(GRADE_COLS)
    assert {r[3] for r in rows} <= set("ABMCD") and {r[4][:6] for r in rows} == {"202604"}


def test_dormant_and_shell_truth_matches_the_files(clean):
    out, _ = clean
    landing = out / "landing"
    dormant = pl.read_csv(out / "truth/dormant_firms.csv", try_parse_dates=True)
    shells = pl.read_csv(out / "truth/shell_firms.csv", try_parse_dates=True)
    assert dormant.height > 0 and shells.height > 0

    def rows_by_month(pattern: str, uscc_col: str) -> dict[str, set[str]]:
        seen: dict[str, set[str]] = {}
        for path in landing.glob(pattern):
            cols, rows = read_rows(path)
            k = cols.index(uscc_col) if rows else 0
            seen.setdefault(path.stem[-6:], set()).update(r[k] for r in rows)
        return seen

    tax = rows_by_month("tax/*/declaration_*.csv", "纳税人识别号")
    for uscc, start in dormant.iter_rows():
        # a dormant firm files no tax declarations and no annual reports while dormant
        assert not any(uscc in firms for ym, firms in tax.items() if ym >= start.strftime("%Y%m"))
    report = pl.read_excel(landing / "amr/2026/annual_report_2025.xlsx", infer_schema_length=0)
    filed = dict(zip(report["统一社会信用代码"], report["报送日期"], strict=True))
    assert all(filed.get(u, "9999") < s.isoformat() for u, s in dormant.iter_rows() if u in filed)
    # revocations come after two to three years of dormancy
    events = pl.read_csv(out / "truth/distress_events.csv", try_parse_dates=True)
    began = dict(dormant.iter_rows())
    for uscc, _, day in events.filter(pl.col("event_type") == "revocation").iter_rows():
        assert 24 * 28 <= (day - began[uscc]).days <= 37 * 31
    # a shell has no staff, no power, no trade and no tax sales once it is a shell
    hrss = rows_by_month("hrss/*/insured_*.csv", "统一社会信用代码")
    power = rows_by_month("power/*/usage_*.csv", "统一社会信用代码")
    customs = rows_by_month("customs/*/trade_*.xlsx", "统一社会信用代码")
    for uscc, start in shells.iter_rows():
        for seen in (hrss, power, customs):
            assert not any(uscc in f for ym, f in seen.items() if ym >= start.strftime("%Y%m"))
    sales = {}
    for path in landing.glob("tax/*/declaration_*.csv"):
        _, rows = read_rows(path)
        sales.update({(r[0], path.stem[-6:]): float(r[5].replace(",", "")) for r in rows})
    shell_from = dict(shells.iter_rows())
    shell_sales = [v for (u, ym), v in sales.items() if u in shell_from
                   and ym >= shell_from[u].strftime("%Y%m")]  # fmt: skip
    assert shell_sales and all(v == 0 for v in shell_sales)


def test_proxies_follow_health_by_chance(clean):
    """Weaker firms carry more arrears and penalties, but not as a rule."""
    out, _ = clean
    health = pl.read_parquet(out / "truth/latent_health.parquet")
    h = health.group_by("uscc").agg(pl.col("h").mean())
    weak = set(h.filter(pl.col("h") < pl.col("h").quantile(0.2))["uscc"])
    strong = set(h.filter(pl.col("h") > pl.col("h").quantile(0.8))["uscc"])
    owing: set[str] = set()
    for path in (out / "landing/hrss").glob("*/insured_*.csv"):
        _, rows = read_rows(path)
        owing |= {r[0] for r in rows if float(r[11].replace(",", "")) > 0}
    assert len(owing & weak) > len(owing & strong)
    assert owing & strong or len(owing & weak) < len(weak)  # chance, not a rule


def test_every_feed_has_its_own_fault_stream_by_name():
    """Faults are drawn per feed name: every feed written has one stream number of its own,
    and the numbers do not move when department modules are reordered, dropped or added."""
    assert set(FAULT_STREAMS) == set(FEED_FILES)
    assert len(set(FAULT_STREAMS.values())) == len(FAULT_STREAMS)
    assert fault_streams(reversed(MODULES)) == FAULT_STREAMS
    without_tax = fault_streams(m for m in MODULES if m.__name__ != "simulator.departments.tax")
    assert without_tax == {f: k for f, k in FAULT_STREAMS.items() if not f.startswith("tax_")}
    clash = SimpleNamespace(FEEDS={"new_feed": FAULT_STREAMS["env_penalty"]})
    with pytest.raises(ValueError, match="declared twice"):
        fault_streams([*MODULES, clash])


def test_summary_counts_rows_of_every_feed(clean):
    _, summary = clean
    assert list(summary["rows"]) == list(FEEDS)
    assert all(summary["rows"][feed] > 0 for feed in FEED_FILES)


def test_window_burn_in():
    """At least a year of burn-in; a window opening in the first half reaches back to January
    of the year before, so the first annual report in the window has a full year behind it."""
    assert [M.label(m) for m in window(36, "2026-09")] == ["2022-10", "2023-10", "2026-09"]
    assert [M.label(m) for m in window(31, "2026-09")] == ["2023-01", "2024-03", "2026-09"]


def test_yearly_keeps_last_year_and_starts_again():
    yr = Yearly(2, "sales")
    yr["sales"] += np.array([1.0, 2.0])
    yr["sales"] += np.array([3.0, 0.0])
    yr.close(2024, headcount=np.array([5, 6]))
    yr["sales"] += np.array([1.0, 1.0])
    assert yr.year == 2024
    assert yr.prev["sales"].tolist() == [4.0, 2.0]
    assert yr.prev["headcount"].tolist() == [5, 6]
    assert yr["sales"].tolist() == [1.0, 1.0]


def test_month_dates_and_file_keys():
    march = M.parse_month("2025-03")
    days = M.when(np.array([march, M.NEVER]), np.array([15, 1]))
    assert str(days[0]) == "2025-03-15" and np.isnat(days[1])
    assert str(M.days(march, np.array([31]))[0]) == "2025-03-31"
    assert file_key("amr/202504/penalty_202504.csv") == 202504
    assert file_key("amr/2025/annual_report_2024") == 2024


def test_a_new_department_module_is_written_without_moving_any_other_file(
    tmp_path, clean, monkeypatch
):
    """A self-contained department (``FEEDS`` + ``DEPARTMENT``) needs no engine edit: its file
    is written and every other landing file stays byte for byte as it was."""
    import simulator.engine as engine

    class Counter:
        def __init__(self, world, out, rng):
            self.world, self.out, self.k = world, out, int(rng.integers(1, 5))

        def step(self, month):
            self.alive = np.flatnonzero(month.alive)[: self.k]

        def write(self, ym):
            df = pl.DataFrame({"统一社会信用代码": self.world.uscc(self.alive), "n": "1"})
            self.out.emit_csv("new_feed", f"new/{M.yyyymm(ym)}/new_{M.yyyymm(ym)}.csv", df,
                              "统一社会信用代码")  # fmt: skip

    new = SimpleNamespace(FEEDS={"new_feed": 99}, DEPARTMENT=Counter)
    streams = fault_streams([*MODULES, new])
    monkeypatch.setattr(engine, "MODULES", (*MODULES, new))
    monkeypatch.setattr(engine, "FAULT_STREAMS", streams)
    monkeypatch.setattr(engine, "FEEDS", tuple(streams))
    out = tmp_path / "with_new"
    simulate(out, fault_rate=0.0, **SMALL)
    after = tree_hash(out / "landing")
    assert len([k for k in after if k.startswith("new/")]) == SMALL["months"]
    assert {k: v for k, v in after.items() if not k.startswith("new/")} == tree_hash(
        clean[0] / "landing"
    )
