"""Read a JSON landing file: an array of objects, parsed item by item so every item keeps the
line it starts on; a value that is an object or an array is located, not stored as text."""

from __future__ import annotations

import json

from ingest.contracts import FeedContract
from ingest.rawfile import (
    ENCODING_NAMES,
    FAULT_COLUMNS,
    RawFile,
    broken,
    check_header,
    codec_of,
    decode_bom,
    encoding_mismatch,
    other_encoding,
    raw_frame,
)

# ------------------------------------------------------------------------------ JSON

_JSON_KIND = {dict: ("object", "对象"), list: ("array", "数组")}


def _json_scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_json(data: bytes, contract: FeedContract, name: str) -> RawFile:
    data, warnings = decode_bom(data, contract, name)
    codec = codec_of(contract)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.start >= len(data) - 3 and not data.endswith(b"\n"):
            raise broken(
                name,
                "truncated",
                detail=f"line {line} ends in the middle of a character",
                detail_zh=f"第 {line} 行在一个字符中间结束",
            ) from None
        found = other_encoding(data, codec, contract.headers)
        if found:
            raise encoding_mismatch(name, found, contract) from None
        raise broken(
            name,
            "encoding_mismatch",
            detail=f"line {line} is not valid {ENCODING_NAMES[contract.encoding]}",
            detail_zh=f"第 {line} 行不是有效的 {ENCODING_NAMES[contract.encoding]} 编码",
        ) from None
    items = _json_items(text, name)
    found = {k for _, item in items if isinstance(item, dict) for k in item}
    if items and not found & set(contract.headers):
        check_header(sorted(found), contract, name)
    missing = [h for h in contract.headers if h not in found]
    if items and missing and any(c.required for c in contract.columns if c.header in missing):
        check_header(sorted(found), contract, name)
    n = len(items)
    columns: dict[str, list[str | None]] = {c.name: [None] * n for c in contract.columns}
    fault_cols: dict[str, list] = {k: [None] * n for k in (*FAULT_COLUMNS, "_raw")}
    where = []
    for r, (line, item) in enumerate(items):
        where.append(f"item {r + 1} (line {line})")
        if not isinstance(item, dict):
            kind, kind_zh = _JSON_KIND.get(type(item), (type(item).__name__, "标量"))
            for k, v in zip(
                FAULT_COLUMNS, ("not_an_object", None, None, kind, kind_zh), strict=True
            ):
                fault_cols[k][r] = v
            fault_cols["_raw"][r] = json.dumps(item, ensure_ascii=False)[:2000]
            continue
        for c in contract.columns:
            value = item.get(c.header)
            if isinstance(value, dict | list):
                if fault_cols["_fault"][r] is None:
                    kind, kind_zh = _JSON_KIND[type(value)]
                    shown = json.dumps(value, ensure_ascii=False)[:200]
                    for k, v in zip(
                        FAULT_COLUMNS, ("non_scalar", c.header, shown, kind, kind_zh), strict=True
                    ):
                        fault_cols[k][r] = v
                    fault_cols["_raw"][r] = json.dumps(item, ensure_ascii=False)[:2000]
                continue
            columns[c.name][r] = _json_scalar(value)
    frame = raw_frame(contract, columns, list(range(1, n + 1)), where, fault_cols)
    return RawFile(frame, warnings)


def _json_items(text: str, name: str) -> list[tuple[int, object]]:
    """Parse a JSON array item by item, keeping the line each item starts on."""
    decoder = json.JSONDecoder()
    n = len(text)

    def skip(pos: int) -> int:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def invalid(exc: json.JSONDecodeError | None, pos: int, what: str, what_zh: str):
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        if exc is not None:
            line, col = exc.lineno, exc.colno
        if skip(pos) >= n or (exc is not None and exc.pos >= len(text.rstrip())):
            return broken(
                name,
                "truncated",
                detail=f"the JSON array is not closed: the file ends at line {line}",
                detail_zh=f"JSON 数组没有结束：文件在第 {line} 行中断",
            )
        return broken(
            name,
            "invalid_json",
            detail=f"invalid JSON at line {line}, column {col}: {what}",
            detail_zh=f"第 {line} 行第 {col} 列 JSON 格式错误：{what_zh}",
        )

    pos = skip(0)
    if pos >= n or text[pos] != "[":
        if pos < n and text[pos] == "{":
            raise broken(
                name,
                "invalid_json",
                detail="the file holds a single JSON object; expected an array of objects [...]",
                detail_zh="文件是单个 JSON 对象，应为对象数组 [...]",
            )
        raise invalid(None, pos, "expected an array of objects [...]", "应为对象数组 [...]")
    pos = skip(pos + 1)
    items: list[tuple[int, object]] = []
    line, counted = 1, 0
    if pos < n and text[pos] == "]":
        return items
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise invalid(exc, exc.pos, exc.msg, "无法解析") from None
        line += text.count("\n", counted, pos)
        counted = pos
        items.append((line, value))
        pos = skip(end)
        if pos < n and text[pos] == ",":
            pos = skip(pos + 1)
            continue
        if pos < n and text[pos] == "]":
            if skip(pos + 1) < n:
                raise invalid(
                    None, skip(pos + 1), "text after the end of the array", "数组结束后还有内容"
                )
            return items
        raise invalid(None, pos, "expected ',' or ']' after an item", "条目之后应为 ',' 或 ']'")
