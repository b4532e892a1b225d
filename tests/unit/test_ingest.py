"""Contracts, readers and validation on hand-made landing files."""

import json

import duckdb
import polars as pl
import pytest

from ingest.contracts import CONTRACTS, CREDIT_DISHONEST, STATS_INDUSTRY_MONTHLY, TAX_DECLARATION
from ingest.load import FeedError, ingest_feed
from ingest.read import BrokenFileError, read_raw
from ingest.validate import uscc_is_valid, validate

GOOD = "914403001922038216"
GOOD2 = "9144030071526726XG"
BAD_CHECK = "914403001922038217"

TAX_HEADER = ",".join(TAX_DECLARATION.headers)


def tax_line(code=GOOD, sales='"1,234,567.89"', name="深圳某某科技有限公司"):
    return f'{code},{name},20240301,20240331,20240415,{sales},"12,000.00",0.00,0.00'


def write_tax(root, lines, period="202403", encoding="gbk", delivery=None):
    folder = root / "tax" / (delivery or period)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"declaration_{period}.csv"
    path.write_bytes(("\n".join([TAX_HEADER, *lines]) + "\n").encode(encoding))
    return path


def test_every_contract_matches_its_file_names():
    assert CONTRACTS["tax_declaration"].match("declaration_202403.csv") == "202403"
    assert CONTRACTS["amr_annual_report"].match("annual_report_2024_part2.xlsx") == "2024"
    assert CONTRACTS["tax_declaration"].match("declaration_2024.csv") is None
    assert CONTRACTS["stats_industry_monthly"].match("declaration_202403.csv") is None


def test_uscc_expression_agrees_with_the_scalar_check():
    codes = [GOOD, GOOD2, BAD_CHECK, "91330100716105852F", "short", None, "91440300I922038216"]
    got = pl.DataFrame({"c": codes}).select(uscc_is_valid(pl.col("c"))).to_series().to_list()
    assert got == [True, True, False, True, False, False, False]


def test_gbk_tax_file_is_typed(tmp_path):
    path = write_tax(tmp_path, [tax_line()])
    raw = read_raw(path, TAX_DECLARATION)
    accepted, quarantined = validate(raw, TAX_DECLARATION)
    assert quarantined.height == 0
    row = accepted.row(0, named=True)
    assert row["sales"] == pytest.approx(1234567.89)
    assert row["vat_payable"] == pytest.approx(12000.0)
    assert str(row["period_start_date"]) == "2024-03-01"
    assert row["firm_name"] == "深圳某某科技有限公司"
    assert row["_line"] == 2


def test_bad_rows_are_quarantined_with_line_and_reason(tmp_path):
    lines = [tax_line(), tax_line(BAD_CHECK), tax_line(GOOD2, sales='"12,3a4.00"'), tax_line()]
    raw = read_raw(write_tax(tmp_path, lines), TAX_DECLARATION)
    accepted, quarantined = validate(raw, TAX_DECLARATION)
    assert accepted.height == 1
    got = {r["_line"]: (r["reason_code"], r["reason"]) for r in quarantined.to_dicts()}
    assert got[3][0] == "bad_uscc" and BAD_CHECK in got[3][1]
    assert got[4][0] == "unparseable_number"
    assert got[4][1].endswith("line 4: 销售额(元) '12,3a4.00' is not a number")
    assert got[5] == ("duplicate_row", "line 5: exact repeat of line 2")
    raw_row = json.loads(quarantined.filter(pl.col("_line") == 3)["raw_row"][0])
    assert raw_row["纳税人识别号"] == BAD_CHECK  # the original row, under its Chinese headers


def test_stats_period_and_year_to_date_columns(tmp_path):
    folder = tmp_path / "stats" / "202402"
    folder.mkdir(parents=True)
    path = folder / "industry_monthly_202402.csv"
    header = ",".join(STATS_INDUSTRY_MONTHLY.headers)
    path.write_text(f"{header}\n{GOOD},某公司,2024年1-2月,12345.6,13000,800.5,300,120,,\n")
    accepted, quarantined = validate(read_raw(path, STATS_INDUSTRY_MONTHLY), STATS_INDUSTRY_MONTHLY)
    assert quarantined.height == 0
    row = accepted.row(0, named=True)
    assert str(row["report_month"]) == "2024-02-01"
    assert row["employees"] == 120


def test_json_dates_in_chinese_format(tmp_path):
    folder = tmp_path / "credit" / "202403"
    folder.mkdir(parents=True)
    path = folder / "dishonest_202403.json"
    records = [
        {
            "案号": "(2024)浙0302执1号",
            "失信被执行人名称": "甲",
            "统一社会信用代码": GOOD,
            "列入日期": "2024年03月15日",
            "移出日期": None,
            "失信行为具体情形": "有履行能力而拒不履行",
        },
        {
            "案号": "(2024)浙0302执2号",
            "失信被执行人名称": "乙",
            "统一社会信用代码": GOOD2,
            "列入日期": "2024年13月15日",
            "移出日期": None,
            "失信行为具体情形": "",
        },
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    accepted, quarantined = validate(read_raw(path, CREDIT_DISHONEST), CREDIT_DISHONEST)
    assert str(accepted["listed_date"][0]) == "2024-03-15"
    assert accepted["removed_date"][0] is None
    assert quarantined.to_dicts()[0]["_line"] == 2
    assert quarantined.to_dicts()[0]["reason_code"] == "bad_date"


# --- broken files: each fails its own feed with a message that says what and where ---------


def test_truncated_file_names_the_line(tmp_path):
    path = write_tax(tmp_path, [tax_line(), tax_line(GOOD2)])
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: len(data) - 30])
    with pytest.raises(BrokenFileError, match=r"cut off: line 3 has \d of 9 fields"):
        read_raw(path, TAX_DECLARATION)


def test_wrong_encoding_is_named(tmp_path):
    path = write_tax(tmp_path, [tax_line()], encoding="utf-8")
    with pytest.raises(BrokenFileError, match="looks UTF-8-encoded, the contract says GBK"):
        read_raw(path, TAX_DECLARATION)


def test_missing_column_is_named(tmp_path):
    path = write_tax(tmp_path, [tax_line()])
    text = path.read_bytes().decode("gbk").replace("欠税余额(元)", "备注")
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(BrokenFileError, match=r"missing required column\(s\) 欠税余额\(元\)"):
        read_raw(path, TAX_DECLARATION)


def test_corrupt_xlsx_is_reported(tmp_path):
    folder = tmp_path / "court" / "202403"
    folder.mkdir(parents=True)
    path = folder / "enforcement_202403.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(BrokenFileError, match="the workbook cannot be opened: it is damaged"):
        read_raw(path, CONTRACTS["court_enforcement"])


# --- loading: accounting, idempotence, isolation ---------------------------------------------


def counts(con):
    return con.execute(
        "select (select count(*) from raw.tax_declaration), (select count(*) from raw.quarantine)"
    ).fetchone()


def test_load_accounts_for_every_row_and_is_idempotent(tmp_path):
    landing = tmp_path / "landing"
    write_tax(landing, [tax_line(), tax_line(BAD_CHECK), tax_line(GOOD2)])
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        first = ingest_feed(con, TAX_DECLARATION, landing)
        f = first.files[0]
        assert (f.received, f.accepted, f.quarantined) == (3, 2, 1)
        assert counts(con) == (2, 1)
        second = ingest_feed(con, TAX_DECLARATION, landing)
        assert not second.files[0].logged  # nothing new: not logged again
        assert second.files[0].status == "loaded"
        assert counts(con) == (2, 1)


def test_same_file_delivered_twice_changes_nothing(tmp_path):
    landing = tmp_path / "landing"
    write_tax(landing, [tax_line(), tax_line(GOOD2)])
    write_tax(landing, [tax_line(), tax_line(GOOD2)], delivery="202404")  # resent next month
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        result = ingest_feed(con, TAX_DECLARATION, landing)
        # both in one run: the later delivery is the version in effect, the earlier superseded
        assert [f.status for f in result.files] == ["superseded", "loaded"]
        assert counts(con) == (2, 0)


def test_corrected_file_replaces_its_rows(tmp_path):
    landing = tmp_path / "landing"
    path = write_tax(landing, [tax_line(), tax_line(BAD_CHECK)])
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_feed(con, TAX_DECLARATION, landing)
        assert counts(con) == (1, 1)
        write_tax(landing, [tax_line(), tax_line(GOOD2)])
        assert path.exists()
        ingest_feed(con, TAX_DECLARATION, landing)
        assert counts(con) == (2, 0)


def test_broken_file_fails_the_feed_but_keeps_good_files(tmp_path):
    landing = tmp_path / "landing"
    write_tax(landing, [tax_line()], period="202403")
    broken = write_tax(landing, [tax_line(GOOD2)], period="202404")
    broken.write_bytes(broken.read_bytes().decode("gbk").encode("utf-8"))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(FeedError, match="1 of 2 file.*tax/202404/declaration_202404.csv"):
            ingest_feed(con, TAX_DECLARATION, landing)
        assert counts(con) == (1, 0)
        status = con.execute("select file, status from raw.ingest_files order by file").fetchall()
        assert status == [
            ("tax/202403/declaration_202403.csv", "loaded"),
            ("tax/202404/declaration_202404.csv", "rejected"),
        ]


def test_file_cut_mid_character_is_truncated_not_misencoded(tmp_path):
    path = write_tax(tmp_path, [tax_line(), tax_line(GOOD2)])
    data = path.read_bytes().rstrip(b"\n")
    cut = data.rindex("某".encode("gbk")) + 1  # inside the last line's firm name
    path.write_bytes(data[:cut])
    with pytest.raises(BrokenFileError, match="cut off: line 3 ends in the middle of a character"):
        read_raw(path, TAX_DECLARATION)


# --- every feed the simulator writes round-trips through ingestion ---------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from simulator import simulate

    out = tmp_path_factory.mktemp("sim")
    simulate(out, firms=300, months=14, end="2026-09", seed=11, fault_rate=0.05, progress=False)
    with duckdb.connect(str(out / "w.duckdb")) as con:
        results = {c.feed_id: ingest_feed(con, c, out / "landing") for c in CONTRACTS.values()}
        quarantined = con.execute("select feed_id, file, line, reason_code from raw.quarantine")
        yield out, results, set(quarantined.fetchall()), con


@pytest.mark.parametrize("feed_id", sorted(CONTRACTS))
def test_simulated_feed_round_trips(simulated, feed_id):
    out, results, quarantined, con = simulated
    result = results[feed_id]
    totals = result.totals()
    assert totals["files_loaded"] > 0 and totals["files_rejected"] == 0
    assert totals["rows_received"] == totals["rows_accepted"] + totals["rows_quarantined"]
    assert (
        con.execute(f"select count(*) from raw.{feed_id}").fetchone()[0]
        == (totals["rows_accepted"])
    )
    injected = pl.read_csv(out / "truth/injected_faults.csv").filter(pl.col("feed") == feed_id)
    reason = {
        "bad_check_char": "bad_uscc",
        "unparseable_number": "unparseable_number",
        "duplicate_row": "duplicate_row",
    }
    expected = {(feed_id, f, ln, reason[k]) for _, f, ln, k in injected.iter_rows()}
    assert {q for q in quarantined if q[0] == feed_id} == expected
    if totals["rows_received"] >= 200:  # 5% of 200 rows: faults are all but certain
        assert expected, f"the fault rate should inject faults into {feed_id}"


def test_feeds_without_files_still_have_typed_tables(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for contract in CONTRACTS.values():
            ingest_feed(con, contract, tmp_path / "landing")
        cols = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'hrss_insured'"
            ).fetchall()
        )
        assert cols["period_month"] == "DATE" and cols["contributions_paid"] == "DOUBLE"
        assert con.execute("select count(*) from raw.power_usage").fetchone()[0] == 0


def test_month_compact_periods(tmp_path):
    from ingest.contracts import POWER_USAGE

    folder = tmp_path / "power" / "202403"
    folder.mkdir(parents=True)
    path = folder / "usage_202403.csv"
    header = ",".join(POWER_USAGE.headers)
    path.write_text(
        f"{header}\n3300000001,甲,{GOOD},202403,大工业,12345\n"
        f"3300000002,乙,{GOOD2},2024031,一般工商业,10\n",
        encoding="utf-8",
    )
    accepted, quarantined = validate(read_raw(path, POWER_USAGE), POWER_USAGE)
    assert str(accepted["bill_month"][0]) == "2024-03-01" and accepted["kwh"][0] == 12345
    assert quarantined["reason_code"].to_list() == ["bad_date"]


@pytest.mark.parametrize(
    "lines",
    [
        # every text field quoted, as the tax bureau exports
        ['"a","b,c",1', '"x""y",z,2', "plain,line,3", '"q","",4'],
        # a quote left open that a later line closes (an embedded line break)
        ['"a","multi', 'line",1', '"b","c",2'],
        # a stray quote: that line alone is refused
        ['"a","b",1', 'x,"y"z",2', '"c","d",3'],
        ['"a","b",1', 'x,"y" "z",2', '"c","d",3'],
        # a carriage return inside a line, and a line that leaves a quote open for good
        ['"a","b\rc",1', '"d","e",2', '"f,g,3'],
    ],
)
def test_reading_quoted_lines_in_one_pass_gives_what_line_by_line_gives(lines, monkeypatch):
    from ingest import read

    one_pass = read._split_records(list(lines), 3, {})
    monkeypatch.setattr(read, "_parse_quoted_lines", lambda texts: {})
    assert one_pass == read._split_records(list(lines), 3, {})
    assert any(fields for _, fields, fault, _ in one_pass if fault is None)


def test_the_one_pass_reads_every_balanced_quoted_line_and_gives_up_on_a_broken_one():
    from ingest import read

    good = ['"a","b,c",1', "plain,line,3", '"x""y",z,2']
    assert read._parse_quoted_lines(good) == {0: ["a", "b,c", "1"], 2: ['x"y', "z", "2"]}
    assert read._parse_quoted_lines([*good, 'x,"y" "z",2']) == {}  # strict: line by line
