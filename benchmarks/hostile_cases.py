"""The hostile deliveries that benchmarks/hostile_deliveries.py replays: each puts one fault into
one realistic simulated file (or adds one file) and says what outcome is right
(docs/bad_input.md)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.contracts import CONTRACTS


@dataclass
class Case:
    name: str
    feed: str  # the feed the fault touches (the others must be untouched)
    inject: Callable[[Path], str]  # returns the landing-relative file it touched
    expect: Callable[[duckdb.DuckDBPyConnection, str, dict], str | None]  # None = as expected


# ------------------------------------------------------------------------------ helpers


def first_file(landing: Path, feed: str, last: bool = False) -> Path:
    c = CONTRACTS[feed]
    files = sorted(p for p in (landing / c.department).glob("*/*") if c.match(p.name))
    return files[-1 if last else 0]


def rel(landing: Path, p: Path) -> str:
    return p.relative_to(landing).as_posix()


def csv_lines(p: Path, enc: str) -> list[str]:
    return p.read_bytes().decode(enc).removeprefix("\ufeff").split("\n")


def put_lines(p: Path, lines: list[str], enc: str, bom: bool = False) -> None:
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode(enc))


def latest_status(con, file: str) -> tuple[str, str] | None:
    row = con.execute(
        "select status, message from raw.ingest_log where file = ? order by log_id desc limit 1",
        [file],
    ).fetchall()
    return row[0] if row else None


def expect_status(status: str, says: str = ""):
    def check(con, file, _results):
        got = latest_status(con, file)
        if got is None:
            return "not in the log"
        if got[0] != status or says not in (got[1] or ""):
            return f"{got[0]}: {got[1]}"
        return None

    return check


def expect_row(code: str, line: int | None = None, column: str | None = None):
    def check(con, file, _results):
        rows = con.execute(
            "select line, reason_code, column_name, reason from raw.quarantine "
            "where file = ? and reason_code = ?",
            [file, code],
        ).fetchall()
        if not rows:
            found = con.execute(
                "select reason_code, count(*) from raw.quarantine where file = ? group by 1",
                [file],
            ).fetchall()
            status = latest_status(con, file)
            return f"no {code}; quarantine {found}; file {status}"
        if line is not None and all(r[0] != line for r in rows):
            return f"{code} at lines {[r[0] for r in rows]}, expected {line}"
        if column is not None and all(r[2] != column for r in rows):
            return f"{code} in {[r[2] for r in rows]}, expected {column}"
        if file not in rows[0][3]:
            return f"message does not name the file: {rows[0][3]}"
        return None

    return check


def replace_field(p: Path, enc: str, line: int, header: str, value: str, bom=False) -> None:
    import csv
    import io

    lines = csv_lines(p, enc)
    head = next(csv.reader([lines[0]]))
    fields = next(csv.reader([lines[line - 1]]))
    fields[head.index(header)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    lines[line - 1] = buf.getvalue()
    put_lines(p, lines, enc, bom)


# ------------------------------------------------------------------------------ cases


def cases() -> list[Case]:
    tax, power, insured = "tax_declaration", "power_usage", "hrss_insured"
    out: list[Case] = []

    def add(name, feed, inject, expect):
        out.append(Case(name, feed, inject, expect))

    def copy_as(feed, name_of):
        def inject(landing):
            src = first_file(landing, feed)
            dst = src.parent / name_of(src)
            shutil.copy(src, dst)
            return rel(landing, dst)

        return inject

    add(
        "name with a copy suffix",
        tax,
        copy_as(tax, lambda p: p.stem + " (1)" + p.suffix),
        expect_status("unrecognised", "did you mean"),
    )

    def unknown_folder(landing):
        p = landing / "customs2" / "202509" / "trade_202509.xlsx"
        p.parent.mkdir(parents=True)
        shutil.copy(first_file(landing, "customs_trade"), p)
        return rel(landing, p)

    add("unknown department folder", tax, unknown_folder, expect_status("unrecognised"))

    def no_folder(landing):
        src = first_file(landing, tax)
        dst = landing / "tax" / src.name.replace(src.name[12:18], "209901")
        shutil.copy(src, dst)
        return rel(landing, dst)

    add("file outside a delivery folder", tax, no_folder, expect_status("unrecognised"))

    def second_sheet(landing):
        import xlsxwriter

        p = first_file(landing, "court_enforcement", last=True)
        import fastexcel

        frame = fastexcel.read_excel(str(p)).load_sheet(0, dtypes="string").to_polars()
        wb = xlsxwriter.Workbook(str(p))
        half = frame.height // 2
        for name, part in (("执行案件", frame.head(half)), ("执行案件(续)", frame.slice(half))):
            ws = wb.add_worksheet(name)
            ws.write_row(0, 0, frame.columns)
            for i, r in enumerate(part.rows(), start=1):
                ws.write_row(i, 0, r)
        wb.close()
        return rel(landing, p)

    def both_sheets(con, file, _r):
        got = latest_status(con, file)
        # the first version (one sheet) and the second (two sheets) hold the same rows
        n = con.execute(
            "select received from raw.ingest_log where file = ? and status = 'loaded' "
            "order by log_id", [file]
        ).fetchall()  # fmt: skip
        if not got or got[0] != "loaded" or len(n) != 2 or n[0] != n[1]:
            return f"{got}; received by version {n}"
        return None

    add("workbook continued on a second sheet", "court_enforcement", second_sheet, both_sheets)

    def header_only(landing):
        p = first_file(landing, tax)
        put_lines(p, csv_lines(p, "gbk")[:1] + [""], "gbk")
        return rel(landing, p)

    add("header-only re-delivery of a month", tax, header_only, expect_status("held"))

    def shrunk(landing):
        p = first_file(landing, power)
        lines = csv_lines(p, "utf-8")
        put_lines(p, lines[: max(2, len(lines) // 5)] + [""], "utf-8")
        return rel(landing, p)

    add("re-delivery with a fifth of the rows", power, shrunk, expect_status("held"))

    def correction_later(landing):
        p = first_file(landing, tax)
        lines = csv_lines(p, "gbk")
        dst = p.parent.parent / "209912" / p.name
        dst.parent.mkdir()
        put_lines(dst, lines[:-3] + [""], "gbk")  # two firms fewer
        return rel(landing, dst)

    def correction_applied(con, file, _r):
        got = latest_status(con, file)
        if not got or got[0] != "loaded":
            return f"{got}"
        period = file.rsplit("_", 1)[1][:6]
        stale = con.execute(
            "select count(*) from raw.tax_declaration where _period = ? and _file <> ?",
            [period, file],
        ).fetchone()[0]
        return f"{stale} rows of the earlier version still current" if stale else None

    add("correction delivered in a later folder", tax, correction_later, correction_applied)

    def dup_part(landing):
        src = first_file(landing, "amr_annual_report")
        dst = src.parent / src.name.replace(".xlsx", "_part2.xlsx")
        shutil.copy(src, dst)
        return rel(landing, dst)

    add(
        "same bytes under a second part name",
        "amr_annual_report",
        dup_part,
        expect_status("duplicate", "same content as"),
    )

    def wrong_period(landing):
        # last month exported again under a new month's name (re-exported: not the same bytes)
        p = first_file(landing, tax, last=True)
        dst = p.parent / p.name.replace(p.name[12:18], "209901")
        put_lines(dst, csv_lines(p, "gbk") + [""], "gbk")
        return rel(landing, dst)

    add(
        "file named for one month holding another",
        tax,
        wrong_period,
        expect_status("rejected", "rows are for other periods"),
    )

    def truncated(landing):
        p = first_file(landing, tax)
        p.write_bytes(p.read_bytes()[:-40])
        return rel(landing, p)

    def truncated_ok(con, file, _r):
        got = latest_status(con, file)
        if not got or got[0] != "rejected" or "cut off" not in got[1]:
            return f"{got}"
        kept = con.execute(
            "select accepted from raw.ingest_files where file = ? and status = 'loaded'", [file]
        ).fetchall()
        rows = con.execute(
            "select count(*) from raw.tax_declaration where _file = ?", [file]
        ).fetchone()[0]
        return None if kept and kept[0][0] == rows > 0 else f"log {kept} vs table {rows}"

    add("truncated re-delivery", tax, truncated, truncated_ok)

    # row faults: one cell or one line of a realistic file
    def cell(feed, header, value, line=3):
        c = CONTRACTS[feed]
        enc = "gbk" if c.encoding == "gbk" else "utf-8"

        def inject(landing):
            p = first_file(landing, feed)
            replace_field(p, enc, line, header, value, bom=c.encoding == "utf-8-sig")
            return rel(landing, p)

        return inject

    add(
        "1e30 in a headcount",
        insured,
        cell(insured, "养老保险参保人数", "1e30"),
        expect_row("out_of_range", 3, "养老保险参保人数"),
    )
    add(
        "a loan balance of 1e30",
        "credit_loans",
        json_field("贷款余额(万元)", "1e30"),
        expect_row("out_of_range", 2, "贷款余额(万元)"),
    )
    add(
        "2025-03-059",
        "amr_penalty",
        cell("amr_penalty", "处罚决定日期", "2025-03-059"),
        expect_row("bad_date", 3),
    )
    add(
        "2026055 as a compact date",
        tax,
        cell(tax, "申报日期", "2026055"),
        expect_row("bad_date", 3, "申报日期"),
    )
    add(
        "a declaration dated 2099",
        tax,
        cell(tax, "申报日期", "20990115"),
        expect_row("date_out_of_range", 3),
    )
    add(
        "a firm founded in 1900",
        "amr_registry",
        cell("amr_registry", "成立日期", "1900-01-01"),
        expect_row("date_out_of_range", 3, "成立日期"),
    )
    add(
        "a 1 MB firm name",
        tax,
        cell(tax, "纳税人名称", "某" * 1_000_000),
        expect_row("too_long", 3),
    )
    add(
        "USCC in lower case",
        power,
        cell(power, "统一社会信用代码", "91440300ma5fuj1c1f"),
        expect_row("bad_uscc", 3),
    )
    add(
        "USCC of 17 characters",
        power,
        cell(power, "统一社会信用代码", "91440300MA5FUJ1C1"),
        expect_row("bad_uscc", 3),
    )
    add(
        "USCC with full-width digits",
        power,
        cell(power, "统一社会信用代码", "９1440300MA5FUJ1C1F"),
        expect_row("bad_uscc", 3),
    )

    def stray_quote(landing):
        p = first_file(landing, power)
        lines = csv_lines(p, "utf-8")
        lines[2] = lines[2].replace(",", ',"', 1)
        put_lines(p, lines, "utf-8")
        return rel(landing, p)

    add("a stray quote", power, stray_quote, expect_row("malformed_row", 3))

    def extra_field(landing):
        p = first_file(landing, power)
        lines = csv_lines(p, "utf-8")
        lines[3] = lines[3] + ",多余"
        put_lines(p, lines, "utf-8")
        return rel(landing, p)

    add("a row with an extra field", power, extra_field, expect_row("malformed_row", 4))

    def embedded_newline(landing):
        p = first_file(landing, power)
        lines = csv_lines(p, "utf-8")
        fields = lines[2].split(",")
        fields[1] = f'"{fields[1]}\n分部"'
        lines[2] = ",".join(fields)
        lines[5] = lines[5].replace(lines[5].split(",")[5], "not-a-number")
        put_lines(p, lines, "utf-8")
        return rel(landing, p)

    add(
        "line numbers after an embedded line break",
        power,
        embedded_newline,
        expect_row("unparseable_number", 7),
    )

    def utf8_in_gbk(landing):
        p = first_file(landing, tax)
        raw = p.read_bytes().split(b"\n")
        raw[2] = raw[2].decode("gbk").encode("utf-8")
        p.write_bytes(b"\n".join(raw))
        return rel(landing, p)

    add("a UTF-8 line in a GBK file", tax, utf8_in_gbk, expect_row("mixed_encoding", 3))

    def conflict(landing):
        p = first_file(landing, tax)
        lines = csv_lines(p, "gbk")
        import csv

        fields = next(csv.reader([lines[1]]))
        fields[5] = "1.00"
        lines.insert(3, ",".join(f'"{f}"' for f in fields))
        put_lines(p, lines, "gbk")
        return rel(landing, p)

    add(
        "the same firm-month twice with different sales",
        tax,
        conflict,
        expect_row("conflicting_duplicate", 2),
    )

    def excel_error(landing):
        import zipfile

        p = first_file(landing, "customs_trade")
        with zipfile.ZipFile(p) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        start = xml.index('<c r="E2"')
        end = xml.index("</c>", start) + 4
        parts["xl/worksheets/sheet1.xml"] = (
            xml[:start] + '<c r="E2" t="e"><v>#DIV/0!</v></c>' + xml[end:]
        ).encode()
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts.items():
                z.writestr(n, b)
        return rel(landing, p)

    add("an Excel #DIV/0! cell", "customs_trade", excel_error, expect_row("excel_error", 2))

    def json_object(landing):
        p = first_file(landing, "credit_loans")
        items = json.loads(p.read_text("utf-8"))
        items[0]["企业名称"] = {"name": items[0]["企业名称"]}
        p.write_text(json.dumps(items, ensure_ascii=False, indent=1), "utf-8")
        return rel(landing, p)

    add("a JSON object in a text field", "credit_loans", json_object, expect_row("non_scalar", 1))

    # whole-file problems, each named for what it is
    def whole(feed, data_of):
        def inject(landing):
            p = first_file(landing, feed, last=True)
            p.write_bytes(data_of(p))
            return rel(landing, p)

        return inject

    add("a BOM-only GBK file", tax, whole(tax, lambda p: b"\xef\xbb\xbf"), expect_status(
        "rejected", "only a byte-order mark"))  # fmt: skip
    add(
        "an unexpected BOM on a UTF-8 file",
        power,
        whole(power, lambda p: b"\xef\xbb\xbf" + p.read_bytes()),
        expect_status("loaded", "byte-order mark"),
    )
    add(
        "a workbook renamed .csv",
        tax,
        whole(tax, lambda p: first_file(p.parents[2], "customs_trade").read_bytes()),
        expect_status("rejected", "Excel workbook (XLSX), not CSV"),
    )
    add(
        "an empty XLSX",
        "customs_trade",
        whole("customs_trade", lambda p: b""),
        expect_status("rejected", "empty"),
    )
    add(
        "a UTF-8 file on a GBK feed",
        tax,
        whole(tax, lambda p: p.read_bytes().decode("gbk").encode("utf-8")),
        expect_status("rejected", "UTF-8-encoded, the contract says GBK"),
    )
    add(
        "a UTF-16 ('Unicode text') export",
        tax,
        whole(tax, lambda p: p.read_bytes().decode("gbk").encode("utf-16")),
        expect_status("rejected", "UTF-16"),
    )
    add(
        "a gzip-compressed file named .csv",
        power,
        whole(power, lambda p: __import__("gzip").compress(p.read_bytes())),
        expect_status("rejected", "gzip-compressed"),
    )
    add(
        "tab-separated instead of commas",
        power,
        whole(power, lambda p: p.read_bytes().replace(b",", b"\t")),
        expect_status("rejected", "separated by tabs"),
    )
    add(
        "a required column renamed",
        power,
        whole(power, lambda p: p.read_bytes().replace("用电量".encode(), "电量".encode(), 1)),
        expect_status("rejected", "missing required column"),
    )
    add(
        "an extra column the contract does not know",
        power,
        whole(power, lambda p: b"\n".join(
            (x + (b",\xe5\xa4\x87\xe6\xb3\xa8" if i == 0 else b",x")) if x else x
            for i, x in enumerate(p.read_bytes().split(b"\n")))),
        expect_status("loaded", "columns not in the contract were not read"),
    )  # fmt: skip
    add(
        "Windows line endings and trailing blank lines",
        power,
        whole(power, lambda p: p.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n"),
        expect_status("loaded"),
    )
    add(
        "a JSON file cut off in transfer",
        "credit_loans",
        whole("credit_loans", lambda p: p.read_bytes()[: len(p.read_bytes()) // 2]),
        expect_status("rejected", "cut off"),
    )
    add(
        "a JSON object instead of an array",
        "credit_loans",
        whole("credit_loans", lambda p: json.dumps(
            json.loads(p.read_text("utf-8"))[0], ensure_ascii=False).encode()),
        expect_status("rejected", "single JSON object"),
    )  # fmt: skip
    add(
        "negative tax arrears",
        tax,
        cell(tax, "欠税余额(元)", "-5.00"),
        expect_row("out_of_range", 3, "欠税余额(元)"),
    )

    def lock_file(landing):
        p = first_file(landing, "customs_trade")
        dst = p.parent / ("~$" + p.name)
        dst.write_bytes(b"\x00" * 162)
        return rel(landing, dst)

    add("an Excel lock file beside the workbook", "customs_trade", lock_file,
        expect_status("unrecognised", "lock file"))  # fmt: skip

    def title_rows(landing):
        import fastexcel
        import xlsxwriter

        p = first_file(landing, "customs_trade", last=True)
        frame = fastexcel.read_excel(str(p)).load_sheet(0, dtypes="string").to_polars()
        wb = xlsxwriter.Workbook(str(p))
        ws = wb.add_worksheet("进出口")
        ws.merge_range(0, 0, 0, 3, "海关进出口企业统计表")
        ws.write(1, 0, "单位：万元")
        ws.write_row(2, 0, frame.columns)
        for i, r in enumerate(frame.rows(), start=3):
            ws.write_row(i, 0, r)
        wb.close()
        return rel(landing, p)

    def same_rows(con, file, _r):
        n = con.execute(
            "select received from raw.ingest_log where file = ? and status = 'loaded' "
            "order by log_id", [file]
        ).fetchall()  # fmt: skip
        return None if len(n) == 2 and n[0] == n[1] else f"received by version {n}"

    add("title rows above a workbook's header", "customs_trade", title_rows, same_rows)
    return out


def json_field(key: str, value: str):
    def inject(landing):
        p = first_file(landing, "credit_loans")
        items = json.loads(p.read_text("utf-8"))
        items[1][key] = value
        p.write_text(json.dumps(items, ensure_ascii=False, indent=1), "utf-8")
        return rel(landing, p)

    return inject
