"""What a department's data clerk reads when a file or a row is refused: one reason code, a
Chinese and an English sentence, both naming the place (file, line or cell), the column, the
value and what was expected. No library internals, no advice meant for programmers.

Every reason the ingestion can give is listed here; ``docs/feeds.md`` and the README's "Bad
input" section describe them for people, and a test checks that each code is documented.
"""

from __future__ import annotations

# code -> (English, Chinese). Placeholders: {where} (line/cell/item), {column}, {value},
# {expected}, {detail}. Row reasons are rendered by polars (ingest.validate), file reasons by
# ingest.read / ingest.load with str.format.
ROW_REASONS: dict[str, tuple[str, str]] = {
    "malformed_row": (
        "{where}: {detail}",
        "{where}：{detail_zh}",
    ),
    "bad_encoding": (
        "{where}: bytes that are not valid {expected} ({detail})",
        "{where}：含有非 {expected} 编码的字节（{detail}）",
    ),
    "mixed_encoding": (
        "{where}: this line is UTF-8 text inside a {expected} file; it would be stored garbled",
        "{where}：该行是 UTF-8 编码，而文件是 {expected} 编码，入库会成为乱码",
    ),
    "excel_error": (
        "{where}: {column} holds the Excel error {value}, not a value",
        "{where}：{column} 是 Excel 错误值 {value}，不是数据",
    ),
    "non_scalar": (
        "{where}: {column} holds a JSON {detail}, expected a single value",
        "{where}：{column} 是 JSON {detail_zh}，应为单个值",
    ),
    "not_an_object": (
        "{where}: a JSON {detail}, expected an object with the contract's fields",
        "{where}：是 JSON {detail_zh}，应为包含约定字段的对象",
    ),
    "missing_value": (
        "{where}: {column} is empty; it is required",
        "{where}：{column} 为空，该项必填",
    ),
    "bad_uscc": (
        "{where}: {column} {value!r} {detail}",
        "{where}：{column}「{value}」{detail_zh}",
    ),
    "unparseable_number": (
        "{where}: {column} {value!r} is not a number",
        "{where}：{column}「{value}」不是数字",
    ),
    "out_of_range": (
        "{where}: {column} {value} is outside the plausible range {expected}",
        "{where}：{column} {value} 超出合理范围 {expected}",
    ),
    "bad_date": (
        "{where}: {column} {value!r} is not a date in the form {expected}",
        "{where}：{column}「{value}」不是 {expected} 格式的日期",
    ),
    "date_out_of_range": (
        "{where}: {column} {value} is outside {expected}",
        "{where}：{column} {value} 不在 {expected} 之内",
    ),
    "not_allowed": (
        "{where}: {column} {value!r} is not one of {expected}",
        "{where}：{column}「{value}」不在可选值 {expected} 之中",
    ),
    "too_long": (
        "{where}: {column} is {detail} characters long; at most {expected} are expected",
        "{where}：{column} 长 {detail} 个字符，最多 {expected} 个",
    ),
    "wrong_period": (
        "{where}: {column} {value} is outside the period {expected} the file is named for",
        "{where}：{column} {value} 不属于文件名所示的期间 {expected}",
    ),
    "duplicate_row": (
        "{where}: exact repeat of {detail}",
        "{where}：与{detail_zh}完全重复",
    ),
    "conflicting_duplicate": (
        "{where}: the same {column} appears {detail} times in this delivery with different "
        "values; all versions are held back until the department says which is right",
        "{where}：同一 {column} 在本次报送中出现 {detail} 次且内容不同，全部暂不入库，待部门确认",
    ),
    "superseded_duplicate": (
        "{where}: replaced by a later filing of the same {column} in this delivery ({detail})",
        "{where}：同一 {column} 在本次报送中有更晚的一条（{detail}），本条不入库",
    ),
}

# File-level reasons: the whole file is refused (status rejected or held); its earlier version,
# if any, stays in effect.
FILE_REASONS: dict[str, tuple[str, str]] = {
    "empty_file": ("the file is empty (0 bytes)", "文件为空（0 字节）"),
    "bom_only": (
        "the file holds only a byte-order mark: no header line and no rows",
        "文件只有字节顺序标记（BOM），没有表头和数据",
    ),
    "wrong_file_type": ("{detail}", "{detail_zh}"),
    "encoding_mismatch": ("{detail}", "{detail_zh}"),
    "truncated": ("the file is cut off: {detail}", "文件不完整（传输中断）：{detail_zh}"),
    "missing_columns": ("{detail}", "{detail_zh}"),
    "no_header": ("{detail}", "{detail_zh}"),
    "invalid_json": ("{detail}", "{detail_zh}"),
    "unreadable_workbook": ("{detail}", "{detail_zh}"),
    "wrong_period_file": ("{detail}", "{detail_zh}"),
    "too_many_bad_lines": ("{detail}", "{detail_zh}"),
    "wrong_separator": ("{detail}", "{detail_zh}"),
}

# Statuses of the file log (raw.ingest_log), in the words of the log's readers.
FILE_STATUSES: dict[str, str] = {
    "loaded": "已入库",
    "replaced": "已被新版本替换",
    "duplicate": "重复文件（内容与已入库文件相同），未重复入库",
    "rejected": "整文件拒收",
    "held": "暂缓入库，待人工复核",
    "superseded": "旧版本，未入库（已有更新的报送）",
    "unrecognised": "无法识别的文件",
}


def file_reason(code: str, **values: object) -> tuple[str, str]:
    """Return (English, Chinese) for a file-level reason."""
    en, zh = FILE_REASONS[code]
    values.setdefault("detail_zh", values.get("detail", ""))
    return en.format(**values), zh.format(**values)
