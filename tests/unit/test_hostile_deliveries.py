"""Hostile deliveries: one test per kind of mess a department sends (issue 11).

Each test starts from a landing zone with a good delivery of two feeds, loads it, injects one
fault, loads again and checks what a data clerk and a data team would: the accounting
(received = accepted + quarantined for every file, every landing file in the log), the reason
code, the located message (file, line or cell, column, value, expectation; in Chinese too), and
that the other feed and the earlier good rows are untouched.
"""

import json
import os

import duckdb
import polars as pl
import pytest
import xlsxwriter

from ingest.contracts import (
    AMR_ANNUAL_REPORT,
    CONTRACTS,
    COURT_ENFORCEMENT,
    CREDIT_DISHONEST,
    CREDIT_LOANS,
    FEEDBACK_CONTRACTS,
    HRSS_INSURED,
    POWER_USAGE,
    TAX_DECLARATION,
)
from ingest.landing import survey
from ingest.load import FeedError, ingest_feed, log_unrecognised
from ingest.read import BrokenFileError, read_file
from ingest.validate import validate

GOOD = "914403001922038216"
GOOD2 = "9144030071526726XG"
GOOD3 = "91330100716105852F"
GOOD4 = "91440300MA5FUJ1C1F"
TAX_HEADER = ",".join(TAX_DECLARATION.headers)
POWER_HEADER = ",".join(POWER_USAGE.headers)


def tax_line(code=GOOD, sales='"1,234,567.89"', name="深圳某某科技有限公司", month="202403"):
    return f'{code},{name},{month}01,{month}28,20240415,{sales},"12,000.00",0.00,0.00'


def write(path, text: str | bytes, encoding="gbk"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def tax_file(landing, lines, period="202403", delivery=None, name=None, encoding="gbk"):
    folder = landing / "tax" / (delivery or period)
    return write(
        folder / (name or f"declaration_{period}.csv"),
        "\n".join([TAX_HEADER, *lines]) + "\n",
        encoding,
    )


def power_file(landing, period="202403"):
    rows = [f"33000000{i:02d},甲{i},{code},{period},大工业,{100 + i}" for i, code in
            enumerate([GOOD, GOOD2, GOOD3])]  # fmt: skip
    return write(
        landing / "power" / period / f"usage_{period}.csv",
        "\n".join([POWER_HEADER, *rows]) + "\n",
        "utf-8",
    )


GOOD_TAX = [tax_line(GOOD), tax_line(GOOD2), tax_line(GOOD3)]


@pytest.fixture
def region(tmp_path):
    """A landing zone with a good tax month and a good power month, loaded once."""
    landing = tmp_path / "landing"
    tax_file(landing, GOOD_TAX)
    power_file(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_feed(con, TAX_DECLARATION, landing)
    ingest_feed(con, POWER_USAGE, landing)
    before = snapshot(con)
    yield landing, con, before
    con.close()


def snapshot(con):
    return {
        t: sorted(con.execute(f"select * exclude (_line) from raw.{t}").fetchall(), key=str)
        for t in ("tax_declaration", "power_usage")
    }


def run(con, landing, contract=TAX_DECLARATION, **kw):
    """Ingest one feed; return (result, error message or None)."""
    try:
        return ingest_feed(con, contract, landing, **kw), None
    except FeedError as exc:
        return exc.result, str(exc)


def quarantine(con, feed="tax_declaration"):
    return con.execute(
        "select file, line, location, column_name, value, reason_code, reason, reason_zh "
        "from raw.quarantine where feed_id = ? order by file, line",
        [feed],
    ).fetchall()


def assert_accounted(con):
    """Every loaded file: received = accepted + quarantined, matching the tables."""
    for feed, file, received, accepted, quarantined in con.execute(
        "select feed_id, file, received, accepted, quarantined from raw.ingest_files "
        "where status = 'loaded'"
    ).fetchall():
        assert received == accepted + quarantined, file
        rows = con.execute(f"select count(*) from raw.{feed} where _file = ?", [file]).fetchone()
        q = con.execute(
            "select count(*) from raw.quarantine where feed_id = ? and file = ?", [feed, file]
        ).fetchone()
        assert (rows[0], q[0]) == (accepted, quarantined), file


def row_fault(con, landing, lines, *, period="202403"):
    """Deliver a tax month with the given data lines as a correction; return quarantine."""
    tax_file(landing, lines, period=period)
    result, error = run(con, landing)
    assert error is None, error
    assert_accounted(con)
    return quarantine(con)


# --- 1. every file in the landing zone is accounted for ---------------------------------------


def test_files_no_feed_reads_are_listed_with_why(region):
    landing, con, before = region
    write(landing / "tax" / "202403" / "declaration_202403 (1).csv", "x\n")
    write(landing / "customs2" / "202403" / "trade_202403.xlsx", b"PK\x03\x04")
    write(landing / "tax" / "declaration_202404.csv", TAX_HEADER + "\n")
    write(landing / "readme.txt", "hello", "utf-8")
    items = {u.rel: u for u in survey(landing, [*CONTRACTS.values()])}
    assert set(items) == {
        "tax/202403/declaration_202403 (1).csv",
        "customs2/202403/trade_202403.xlsx",
        "tax/declaration_202404.csv",
        "readme.txt",
    }
    assert (
        "did you mean declaration_202509.csv"
        in items["tax/202403/declaration_202403 (1).csv"].reason
    )
    assert (
        "no feed is delivered under the folder 'customs2'"
        in items["customs2/202403/trade_202403.xlsx"].reason
    )
    assert "not in a delivery folder" in items["tax/declaration_202404.csv"].reason
    assert items["readme.txt"].reason_zh.startswith("文件直接放在落地区根目录")
    assert log_unrecognised(con, list(items.values()), landing) == 4
    assert log_unrecognised(con, list(items.values()), landing) == 0  # logged once
    # every file under landing/ is in the log, whatever became of it
    on_disk = {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}
    logged = {f for (f,) in con.execute("select file from raw.ingest_files").fetchall()}
    assert on_disk == logged
    assert snapshot(con) == before


# --- 2. deliveries are versions of a (feed, period) --------------------------------------------


def test_correction_in_a_later_folder_replaces_the_period(region):
    landing, con, before = region
    # the department resends March in the April folder without GOOD3 (it was filed in error)
    tax_file(landing, GOOD_TAX[:2], delivery="202404")
    result, error = run(con, landing)
    assert error is None
    statuses = {f.file: f.status for f in result.files}
    assert statuses == {
        "tax/202403/declaration_202403.csv": "replaced",
        "tax/202404/declaration_202403.csv": "loaded",
    }
    firms = sorted(u for (u,) in con.execute("select uscc from raw.tax_declaration").fetchall())
    assert firms == sorted([GOOD, GOOD2])  # GOOD3's row is no longer current anywhere
    assert_accounted(con)
    assert snapshot(con)["power_usage"] == before["power_usage"]
    # the log is append-only: the first version's load is still on record
    history = con.execute(
        "select status, accepted from raw.ingest_log where file = ? order by log_id",
        ["tax/202403/declaration_202403.csv"],
    ).fetchall()
    assert history == [("loaded", 3), ("replaced", 0)]


def test_header_only_redelivery_is_held_not_applied_then_released(region, monkeypatch):
    landing, con, before = region
    tax_file(landing, [])  # same path, header only
    result, error = run(con, landing)
    assert error is None
    (held,) = result.held
    assert held.file == "tax/202403/declaration_202403.csv"
    assert "held for review: this delivery has 0 row(s) for period 202403" in held.message
    assert "暂缓入库待复核" in held.message_zh
    assert snapshot(con) == before  # the month is not wiped
    assert_accounted(con)
    # a reviewer releases it; the next run applies it
    from ingest.__main__ import main

    db = con.execute("select path from duckdb_databases() where database_name = current_database()")
    monkeypatch.setenv("EH_DUCKDB_PATH", db.fetchone()[0])
    con.close()
    assert main(["release", held.file, "--by", "王审核", "--reason", "企业已注销"]) == 0
    assert main(["release", "tax/202403/nothing.csv", "--by", "王审核", "--reason", "x"]) == 1
    with duckdb.connect(os.environ["EH_DUCKDB_PATH"]) as con2:
        result, error = run(con2, landing)
        assert error is None
        (f,) = [f for f in result.files if f.logged and f.status == "loaded"]
        assert (f.status, f.received) == ("loaded", 0)
        assert f.message == "released after review"
        assert con2.execute("select count(*) from raw.tax_declaration").fetchone()[0] == 0
        assert_accounted(con2)


def test_same_bytes_under_another_name_load_once(tmp_path):
    landing = tmp_path / "landing"
    rows = [[GOOD, "甲", 2024, "2025-03-01"], [GOOD2, "乙", 2024, "2025-03-02"]]
    part1 = annual_report(landing / "amr" / "2025" / "annual_report_2024_part1.xlsx", rows)
    (landing / "amr" / "2025" / "annual_report_2024_part2.xlsx").write_bytes(part1.read_bytes())
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        result, error = run(con, landing, AMR_ANNUAL_REPORT)
        assert error is None
        statuses = {f.file.rsplit("/", 1)[1]: f.status for f in result.files}
        assert statuses == {
            "annual_report_2024_part1.xlsx": "loaded",
            "annual_report_2024_part2.xlsx": "duplicate",
        }
        dup = next(f for f in result.files if f.status == "duplicate")
        assert "same content as amr/2025/annual_report_2024_part1.xlsx" in dup.message
        assert con.execute("select count(*) from raw.amr_annual_report").fetchone()[0] == 2


def test_file_named_for_one_month_holding_another_is_rejected(region):
    landing, con, before = region
    tax_file(landing, [tax_line(c, month="202402") for c in (GOOD, GOOD2)], period="202404")
    result, error = run(con, landing)
    assert "tax/202404/declaration_202404.csv" in error
    (bad,) = result.broken
    assert "named for period 202404, but 2 of 2 rows are for other periods" in bad.message
    assert "税款所属期起 is 20240201" in bad.message
    assert snapshot(con) == before
    (landing / "tax" / "202404" / "declaration_202404.csv").unlink()
    # one stray row of another month is quarantined on its own
    q = row_fault(con, landing, [*GOOD_TAX, tax_line(GOOD4, month="202402")])
    assert [(r[1], r[5]) for r in q] == [(5, "wrong_period")]


def test_truncated_redelivery_keeps_the_old_rows_and_an_honest_log(region):
    landing, con, before = region
    path = landing / "tax" / "202403" / "declaration_202403.csv"
    path.write_bytes(path.read_bytes()[:-25])
    result, error = run(con, landing)
    assert "cut off: line 4 has" in error
    assert snapshot(con) == before
    # the version in effect is still on record with its counts; the rejected one beside it
    rows = con.execute(
        "select status, received, accepted from raw.ingest_files where file = ? order by log_id",
        [str(path.relative_to(landing))],
    ).fetchall()
    assert rows == [("loaded", 3, 3), ("rejected", 0, 0)]
    assert_accounted(con)


# --- 3. row-level faults are quarantined row by row --------------------------------------------


def test_out_of_range_integer_quarantines_one_row_not_the_feed(tmp_path):
    landing = tmp_path / "landing"
    header = ",".join(HRSS_INSURED.headers)
    row = f"{GOOD},甲,202403,{{n}},1,1,1,1,1000.00,100.00,100.00,0.00"
    write(
        landing / "hrss" / "202403" / "insured_202403.csv",
        "\n".join([header, row.format(n=12), row.replace(GOOD, GOOD2).format(n="1e30")]) + "\n",
        "utf-8",
    )
    write(
        landing / "hrss" / "202404" / "insured_202404.csv",
        "\n".join([header, row.replace("202403", "202404").format(n=13)]) + "\n",
        "utf-8",
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        result, error = run(con, landing, HRSS_INSURED)
        assert error is None
        assert [f.status for f in result.files] == ["loaded", "loaded"]
        (q,) = quarantine(con, "hrss_insured")
        assert q[1:6] == (
            3,
            "line 3, column 养老保险参保人数",
            "养老保险参保人数",
            "1e30",
            "out_of_range",
        )
        assert (
            "insured_202403.csv line 3: 养老保险参保人数 1e30 is outside the plausible range"
            in q[6]
        )
        assert "超出合理范围" in q[7]
        assert_accounted(con)


def test_stray_quote_and_extra_field_cost_one_line_each(region):
    landing, con, before = region
    lines = [
        tax_line(GOOD),
        tax_line(GOOD2, name='深圳"某某科技有限公司'),  # a stray quote
        tax_line(GOOD3, name="深圳某某,分公司"),  # an unquoted comma: one field too many
        tax_line(GOOD4),
    ]
    q = row_fault(con, landing, lines)
    assert [(r[1], r[5]) for r in q] == [(3, "malformed_row"), (4, "malformed_row")]
    assert "line 3: a quotation mark is not closed" in q[0][6]
    assert "line 4: the line has 10 fields, the header has 9" in q[1][6]
    assert "第4行" in q[1][7]
    accepted = con.execute("select _line from raw.tax_declaration order by 1").fetchall()
    assert accepted == [(2,), (5,)]


def test_line_numbers_stay_physical_after_an_embedded_line_break(region):
    landing, con, before = region
    lines = [
        tax_line(GOOD, name='"深圳某某\n科技有限公司"'),  # lines 2-3
        tax_line(GOOD2, sales='"12,3a4.00"'),  # line 4
    ]
    q = row_fault(con, landing, lines)
    assert [(r[1], r[5]) for r in q] == [(4, "unparseable_number")]
    name = con.execute("select firm_name from raw.tax_declaration").fetchone()[0]
    assert name == "深圳某某\n科技有限公司"


def test_utf8_text_in_a_gbk_file_is_not_stored_garbled(region):
    landing, con, before = region
    path = landing / "tax" / "202403" / "declaration_202403.csv"
    data = path.read_bytes().split(b"\n")
    data[2] = tax_line(GOOD2).encode("utf-8")
    path.write_bytes(b"\n".join(data))
    run(con, landing)
    q = quarantine(con)
    assert [(r[1], r[5]) for r in q] == [(3, "mixed_encoding")]
    assert "UTF-8 text inside a GBK file" in q[0][6]
    names = {n for (n,) in con.execute("select firm_name from raw.tax_declaration").fetchall()}
    assert names == {"深圳某某科技有限公司"}


@pytest.mark.parametrize(
    ("contract", "column", "value", "code"),
    [
        (COURT_ENFORCEMENT, "立案日期", "2025-03-059", "bad_date"),
        (TAX_DECLARATION, "申报日期", "2026055", "bad_date"),
        (TAX_DECLARATION, "申报日期", "20990101", "date_out_of_range"),
        (CONTRACTS["amr_registry"], "成立日期", "1900-05-01", "date_out_of_range"),
        (CREDIT_LOANS, "贷款余额(万元)", "1e30", "out_of_range"),
        (TAX_DECLARATION, "纳税人名称", "某" * 1_000_000, "too_long"),
    ],
)
def test_implausible_values_are_quarantined(contract, column, value, code):
    row = _valid_row(contract)
    row[column] = value
    raw = pl.DataFrame({c.name: [row[c.header]] for c in contract.columns}).with_columns(
        pl.lit(2, pl.Int64).alias("_line")
    )
    accepted, quarantined = validate(raw, contract, file="f", period="202403", delivery="202403")
    assert accepted.height == 0
    assert quarantined["reason_code"].to_list() == [code]
    assert quarantined["column_name"].to_list() == [column]
    shown = value if len(value) <= 60 else value[:60] + "…"
    assert quarantined["value"].to_list() == [shown]


def _valid_row(contract):
    values = {
        "uscc": GOOD,
        "text": "甲",
        "int": "1",
        "decimal": "1.00",
        "date_iso": "2024-03-05",
        "date_compact": "20240305",
        "date_cn": "2024年3月5日",
        "period_cn": "2024年3月",
        "year": "2024",
        "month_compact": "202403",
    }
    row = {c.header: (c.allowed[0] if c.allowed else values[c.type]) for c in contract.columns}
    if contract.feed_id == "credit_loans":
        row["统计日期"] = "2024-03-31"
    return row


def test_conflicting_duplicates_are_all_held_back(region):
    landing, con, before = region
    lines = [tax_line(GOOD), tax_line(GOOD2), tax_line(GOOD2, sales='"9,999.00"'), tax_line(GOOD)]
    q = row_fault(con, landing, lines)
    assert [(r[1], r[5]) for r in q] == [
        (3, "conflicting_duplicate"),
        (4, "conflicting_duplicate"),
        (5, "duplicate_row"),
    ]
    assert "appears 2 times in this delivery with different values" in q[0][6]
    assert "line 5: exact repeat of line 2" in q[2][6]
    firms = [u for (u,) in con.execute("select uscc from raw.tax_declaration").fetchall()]
    assert firms == [GOOD]


def test_excel_error_cells_are_located(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "court" / "202403" / "enforcement_202403.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("执行案件")
    ws.write_row(0, 0, COURT_ENFORCEMENT.headers)
    ws.write_row(1, 0, ["(2024)浙0302执1号", "甲", GOOD, "2024-03-01", 100.0, "执行中", None])
    ws.write_row(2, 0, ["(2024)浙0302执2号", "乙", GOOD2, "2024-03-02"])
    ws.write_formula(2, 4, "=1/0", None, "#DIV/0!")
    ws.write(2, 5, "执行中")
    wb.close()
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        run(con, landing, COURT_ENFORCEMENT)
        (q,) = quarantine(con, "court_enforcement")
        assert q[1:6] == (3, "sheet 执行案件 cell E3", "执行标的(元)", "#DIV/0!", "excel_error")
        assert "holds the Excel error #DIV/0!" in q[6]
        assert_accounted(con)


def test_json_values_that_are_not_scalars_are_located(tmp_path):
    landing = tmp_path / "landing"
    items = [
        {
            "案号": "1",
            "失信被执行人名称": "甲",
            "统一社会信用代码": GOOD,
            "列入日期": "2024年3月1日",
        },
        {
            "案号": "2",
            "失信被执行人名称": {"name": "乙"},
            "统一社会信用代码": GOOD2,
            "列入日期": "2024年3月2日",
        },
    ]
    text = "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"
    write(landing / "court" / "202403" / "dishonest_202403.json", text, "utf-8")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        run(con, landing, CREDIT_DISHONEST)
        (q,) = quarantine(con, "credit_dishonest")
        assert q[1:6] == (
            2,
            "item 2 (line 3), field 失信被执行人名称",
            "失信被执行人名称",
            '{"name": "乙"}',
            "non_scalar",
        )
        assert "holds a JSON object, expected a single value" in q[6]
        assert "第2条（第3行）" in q[7]


# --- 4. messages a data clerk can act on -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"", "empty_file", "the file is empty (0 bytes)"),
        (b"\xef\xbb\xbf", "bom_only", "only a byte-order mark"),
        (b"PK\x03\x04" + b"\x00" * 40, "wrong_file_type", "an Excel workbook (XLSX), not CSV"),
        (
            (TAX_HEADER + "\n" + tax_line() + "\n").encode("utf-8"),
            "encoding_mismatch",
            "looks UTF-8-encoded, the contract says GBK",
        ),
        (
            b"\xef\xbb\xbf" + (TAX_HEADER + "\n").encode("utf-8"),
            "encoding_mismatch",
            "starts with a UTF-8 byte-order mark",
        ),
        ((TAX_HEADER + "\n").encode("utf-16"), "encoding_mismatch", "UTF-16 text"),
        (b"\x1f\x8b\x08\x00rest", "wrong_file_type", "a gzip-compressed file"),
        (b"<!DOCTYPE html><html>", "wrong_file_type", "an HTML or XML page"),
        (
            "\n".join(
                [TAX_HEADER.replace(",", "\t"), *(x.replace(",", "\t") for x in GOOD_TAX)]
            ).encode("gbk"),
            "wrong_separator",
            "separated by tabs; the contract says commas",
        ),
    ],
)
def test_whole_file_problems_are_named_for_what_they_are(tmp_path, data, code, says):
    path = write(tmp_path / "tax" / "202403" / "declaration_202403.csv", data)
    with pytest.raises(BrokenFileError) as info:
        read_file(path, TAX_DECLARATION, "tax/202403/declaration_202403.csv")
    assert info.value.code == code
    assert says in info.value.problem
    assert "polars" not in info.value.problem and "infer_schema" not in info.value.problem


def test_unexpected_bom_on_a_utf8_file_is_read_and_noted(tmp_path):
    header = ",".join(POWER_USAGE.headers)
    text = f"\ufeff{header}\n3300000001,甲,{GOOD},202403,大工业,12345\n"
    path = write(tmp_path / "power" / "202403" / "usage_202403.csv", text, "utf-8")
    raw = read_file(path, POWER_USAGE)
    assert raw.frame.height == 1
    assert "byte-order mark (BOM) the contract does not expect" in raw.warnings[0]


def test_empty_or_fake_workbooks_are_named(tmp_path):
    path = write(tmp_path / "court" / "202403" / "enforcement_202403.xlsx", b"")
    with pytest.raises(BrokenFileError, match="empty"):
        read_file(path, COURT_ENFORCEMENT)
    path.write_bytes(b"case,name\n1,2\n")
    with pytest.raises(BrokenFileError, match="text \\(CSV or similar\\), not an XLSX"):
        read_file(path, COURT_ENFORCEMENT)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (GOOD.lower().replace("9144", "9144"), None),
        ("91440300MA5fuj1c1k", "lower-case letters"),
        (GOOD[:17], "has 17 characters; the code has 18"),
        ("９1440300192203821６", "full-width characters"),
        ("91440300I922038216", "characters a USCC never has"),
        ("914403001922038217", "fails the GB 32100 check character (expected 6)"),
    ],
)
def test_each_uscc_problem_is_named(code, says):
    raw = pl.DataFrame(
        {c.name: [_valid_row(TAX_DECLARATION)[c.header]] for c in TAX_DECLARATION.columns}
    ).with_columns(pl.lit(code).alias("uscc"), pl.lit(2, pl.Int64).alias("_line"))
    accepted, quarantined = validate(raw, TAX_DECLARATION, period="202403")
    if says is None:
        assert accepted.height == 1
        return
    assert quarantined["reason_code"].to_list() == ["bad_uscc"]
    assert says in quarantined["reason"][0]


# --- 5. workbooks ------------------------------------------------------------------------------


def annual_report(path, rows, sheets=None, title=False):
    """A 年报 workbook; ``rows`` are [uscc, name, year, filed]; ``sheets`` more sheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, sheet_rows in [("年报", rows), *(sheets or [])]:
        ws = wb.add_worksheet(name)
        top = 0
        if title:
            ws.merge_range(0, 0, 0, 3, "2024年度企业年报汇总")
            top = 1
        ws.write_row(top, 0, AMR_ANNUAL_REPORT.headers)
        for i, r in enumerate(sheet_rows, start=top + 1):
            ws.write_row(i, 0, r)
    wb.close()
    return path


def test_every_sheet_with_data_is_read_or_reported(tmp_path):
    landing = tmp_path / "landing"
    path = annual_report(
        landing / "amr" / "2025" / "annual_report_2024.xlsx",
        [[GOOD, "甲", 2024, "2025-03-01"]],
        sheets=[("年报(2)", [[GOOD2, "乙", 2024, "2025-03-02"]])],
        title=True,
    )
    raw = read_file(path, AMR_ANNUAL_REPORT)
    assert raw.frame.select("uscc", "_line", "_sheet").rows() == [
        (GOOD, 3, "年报"),
        (GOOD2, 3, "年报(2)"),
    ]
    assert any("the header is on row 2" in w for w in raw.warnings)
    # a sheet with data but no header is reported, not silently dropped
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("年报")
    ws.write_row(0, 0, AMR_ANNUAL_REPORT.headers)
    ws.write_row(1, 0, [GOOD, "甲", 2024, "2025-03-01"])
    wb.add_worksheet("备注").write_row(0, 0, ["说明", "本表含 2 户迟报企业"])
    wb.close()
    raw = read_file(path, AMR_ANNUAL_REPORT)
    assert raw.frame.height == 1
    assert "sheet '备注' holds 1 non-empty row(s) without the contract's header" in raw.warnings[0]


def test_date_cells_of_a_workbook_are_dates(tmp_path):
    import datetime as dt

    path = tmp_path / "amr" / "2025" / "annual_report_2024.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("年报")
    ws.write_row(0, 0, AMR_ANNUAL_REPORT.headers)
    ws.write_row(1, 0, [GOOD, "甲", 2024])
    ws.write_datetime(
        1, 3, dt.datetime(2025, 3, 5, 14, 30), wb.add_format({"num_format": "yyyy/m/d"})
    )
    wb.close()
    accepted, quarantined = validate(
        read_file(path, AMR_ANNUAL_REPORT), AMR_ANNUAL_REPORT, period="2024", delivery="2025"
    )
    assert quarantined.height == 0 and str(accepted["filed_date"][0]) == "2025-03-05"


def test_header_split_over_merged_rows_is_read(tmp_path):
    path = tmp_path / "amr" / "2025" / "annual_report_2024.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("年报")
    headers = AMR_ANNUAL_REPORT.headers
    ws.merge_range(0, 0, 1, 0, headers[0])  # merged down over both header rows
    ws.merge_range(0, 1, 0, len(headers) - 1, "年报内容")  # a group label across the rest
    ws.write_row(1, 1, headers[1:])
    ws.write_row(2, 0, [GOOD, "甲", 2024, "2025-03-01"])
    wb.close()
    raw = read_file(path, AMR_ANNUAL_REPORT)
    assert raw.frame.select("uscc", "_line").rows() == [(GOOD, 3)]


def test_feedback_and_feed_contracts_have_located_messages_in_both_languages(region):
    landing, con, before = region
    q = row_fault(con, landing, [tax_line(GOOD), tax_line("914403001922038217")])
    (r,) = q
    assert r[6].startswith("tax/202403/declaration_202403.csv line 3: 纳税人识别号")
    assert r[7].startswith("tax/202403/declaration_202403.csv 第3行：纳税人识别号")
    assert set(FEEDBACK_CONTRACTS)  # the agencies' feedback uses the same readers


def test_amended_annual_report_in_one_delivery_keeps_the_latest_filing(tmp_path):
    path = annual_report(
        tmp_path / "amr" / "2025" / "annual_report_2024.xlsx",
        [[GOOD, "甲", 2024, "2025-03-01"], [GOOD2, "乙", 2024, "2025-03-02"],
         [GOOD, "甲", 2024, "2025-05-20"]],
    )  # fmt: skip
    accepted, quarantined = validate(
        read_file(path, AMR_ANNUAL_REPORT), AMR_ANNUAL_REPORT, period="2024", delivery="2025"
    )
    assert sorted(map(str, accepted["filed_date"])) == ["2025-03-02", "2025-05-20"]
    (reason,) = quarantined["reason"].to_list()
    assert quarantined["reason_code"].to_list() == ["superseded_duplicate"]
    assert "sheet 年报 row 2" in reason and "sheet 年报 row 4 has a later 报送日期" in reason


def test_every_reason_and_status_is_explained_for_people():
    from pathlib import Path

    from ingest.messages import FILE_REASONS, FILE_STATUSES, ROW_REASONS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "bad_input.md").read_text()
    missing = [c for c in [*ROW_REASONS, *FILE_REASONS, *FILE_STATUSES] if f"`{c}`" not in doc]
    assert not missing, f"docs/bad_input.md does not explain {missing}"


def test_a_warehouse_with_the_old_file_log_keeps_its_history_and_versions(tmp_path):
    """A warehouse built before the log was append-only: its file log becomes the first entries
    of raw.ingest_log, and a later correction still replaces the migrated version."""
    landing = tmp_path / "landing"
    tax_file(landing, GOOD_TAX)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_feed(con, TAX_DECLARATION, landing)
        # turn the log back into the old shape: one row per file, keyed (feed_id, file)
        con.execute(
            """create table raw.old_files as select feed_id, file, period, delivery, sha256,
                   status, received, accepted, quarantined, message, logged_at as loaded_at
               from raw.ingest_files"""
        )
        con.execute("drop view raw.ingest_files")
        con.execute("drop table raw.ingest_log")
        con.execute("alter table raw.old_files rename to ingest_files")
        tax_file(landing, GOOD_TAX[:2], delivery="202404")
        result, error = run(con, landing)
        assert error is None
        assert {f.file: f.status for f in result.files if f.logged} == {
            "tax/202403/declaration_202403.csv": "replaced",
            "tax/202404/declaration_202403.csv": "loaded",
        }
        assert con.execute("select count(*) from raw.tax_declaration").fetchone()[0] == 2
        history = con.execute(
            "select status from raw.ingest_log where file = ? order by log_id",
            ["tax/202403/declaration_202403.csv"],
        ).fetchall()
        assert history == [("loaded",), ("replaced",)]
