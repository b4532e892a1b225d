"""What every landing-file reader returns, and the error it raises for a file that cannot be
trusted as a whole (a leaf module: the CSV, JSON and XLSX readers all build on it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ingest.contracts import FeedContract
from ingest.messages import file_reason

ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gbk": "GBK"}
BOM = b"\xef\xbb\xbf"
# Above this share of undecodable or malformed lines, the file is refused as a whole: it is the
# wrong kind of file, not a file with a few bad rows.
BAD_LINE_SHARE = 0.5
MAX_RECORD_LINES = 50  # a quoted field may span lines; beyond this a quote is stray

FAULT_COLUMNS = ("_fault", "_fault_column", "_fault_value", "_fault_detail", "_fault_detail_zh")


class BrokenFileError(Exception):
    """A landing file that cannot be read as its contract says; the message says where and why."""

    def __init__(self, file: str, code: str, problem: str, problem_zh: str | None = None):
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.code = code
        self.problem = problem
        self.problem_zh = problem_zh or problem


def broken(name: str, code: str, **values: object) -> BrokenFileError:
    en, zh = file_reason(code, **values)
    return BrokenFileError(name, code, en, zh)


@dataclass
class RawFile:
    """The rows of one file as strings, and what the reader noticed about the file."""

    frame: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    # XLSX: per sheet, the column letter of each contract column (for cell references)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)


def raw_schema(contract: FeedContract) -> dict[str, pl.DataType]:
    """The columns every reader returns: the contract's (as strings) and the row's place."""
    return {
        **{c.name: pl.String for c in contract.columns},
        "_line": pl.Int64,
        "_where": pl.String,
        "_sheet": pl.String,
        **{k: pl.String for k in (*FAULT_COLUMNS, "_raw")},
    }


def raw_frame(
    contract: FeedContract,
    columns: dict[str, list],
    lines: list[int],
    where: list[str],
    faults: dict[str, list],
    sheet: list[str | None] | None = None,
) -> pl.DataFrame:
    """Assemble a reader's output (see :func:`raw_schema`), values stripped, empty as null."""
    data = {
        **columns,
        "_line": lines,
        "_where": where,
        "_sheet": sheet if sheet is not None else [None] * len(lines),
        **faults,
    }
    return finish(pl.DataFrame(data, schema=raw_schema(contract)), contract)


def finish(frame: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    names = [c.name for c in contract.columns]
    stripped = [pl.col(n).str.strip_chars() for n in names]
    return frame.with_columns(
        pl.when(s != "").then(s).alias(n) for s, n in zip(stripped, names, strict=True)
    ).with_columns(pl.col("_line").cast(pl.Int64))


# ------------------------------------------------------------------------------ decoding


def decode_bom(data: bytes, contract: FeedContract, name: str) -> tuple[bytes, list[str]]:
    """Strip a byte-order mark the contract allows (or name the one it does not)."""
    warnings: list[str] = []
    enc = ENCODING_NAMES[contract.encoding]
    if data.startswith(BOM):
        if contract.encoding == "utf-8":
            warnings.append(
                "the file starts with a UTF-8 byte-order mark (BOM) the contract does not "
                "expect; it was read as UTF-8 without it"
            )
        elif contract.encoding == "gbk":
            raise broken(
                name,
                "encoding_mismatch",
                detail="the file starts with a UTF-8 byte-order mark: it is UTF-8 text, the "
                f"contract says {enc}; export it as {enc}",
                detail_zh=f"文件以 UTF-8 字节顺序标记开头，是 UTF-8 编码，约定为 {enc}，请按 "
                f"{enc} 导出",
            )
        data = data[3:]
    return data, warnings


def codec_of(contract: FeedContract) -> str:
    return "utf-8" if contract.encoding in ("utf-8", "utf-8-sig") else contract.encoding


def other_encoding(raw: bytes, codec: str, headers: list[str]) -> str | None:
    """The encoding the text really seems to be in, judged by the contract's headers."""
    for other in ("utf-8", "gbk"):
        if other == codec:
            continue
        try:
            text = raw.decode(other)
        except UnicodeDecodeError:
            continue
        if any(h in text for h in headers):
            return ENCODING_NAMES[other]
    return None


def encoding_mismatch(name: str, found: str, contract: FeedContract) -> BrokenFileError:
    enc = ENCODING_NAMES[contract.encoding]
    return broken(
        name,
        "encoding_mismatch",
        detail=f"the file looks {found}-encoded, the contract says {enc}; export it as {enc}",
        detail_zh=f"文件看起来是 {found} 编码，约定为 {enc}，请按 {enc} 导出",
    )


def check_header(header: list[str], contract: FeedContract, name: str) -> dict[str, int]:
    missing = [h for h in contract.headers if h not in header]
    if missing:
        raise broken(
            name,
            "missing_columns",
            detail=f"missing required column(s) {', '.join(missing)}; the header has "
            f"{', '.join(h or '(empty)' for h in header)}",
            detail_zh=f"缺少约定的列 {'、'.join(missing)}；表头为 {'、'.join(header)}",
        )
    twice = sorted({h for h in contract.headers if header.count(h) > 1})
    if twice:
        raise broken(
            name,
            "missing_columns",
            detail=f"column(s) {', '.join(twice)} appear more than once in the header",
            detail_zh=f"表头中 {'、'.join(twice)} 出现不止一次",
        )
    return {h: header.index(h) for h in contract.headers}
