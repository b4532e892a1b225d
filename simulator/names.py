"""Realistic, unique Chinese firm names: place + trade name (字号) + industry + legal suffix."""

from __future__ import annotations

import re

import numpy as np

# Characters commonly used in trade names (字号). All encodable in GBK.
TRADE_CHARS = (
    "华信达恒泰瑞鑫宏盛兴发金源丰利通诚安康博创新天永佳美润嘉凯星海宇德明正和祥隆顺聚汇中"
    "大豪腾越远峰辉光晨振骏驰邦东南力精锐捷铭卓优众合联立旺福禾森林江湖山云朗蓝青春晟昊益"
    "宝欣诺亿万百奥格威特友协欧亚吉昌荣泓鸿浩涛澜锦绣程赛普英杰俊伟雅尚品至臻朗睿智慧思远"
    "拓展"
)
TRADE_CHARS = "".join(dict.fromkeys(c for c in TRADE_CHARS if ord(c) > 0x2E80))

_SPLIT = re.compile(r"[、，,（(和及与等]")


def industry_word(class_name: str) -> str:
    """Turn a GB/T 4754 class name into the industry part of a firm name.

    >>> industry_word("服装批发")
    '服装贸易'
    >>> industry_word("钟表、眼镜零售")
    '钟表商贸'
    >>> industry_word("其他未列明金属制品制造")
    '金属制品制造'
    """
    name = class_name.replace("其他", "").replace("未列明", "").replace("相关", "")
    tail = ""
    for suffix, repl in (("批发业", "贸易"), ("批发", "贸易"), ("零售业", "商贸"), ("零售", "商贸"),
                         ("制造", "制造"), ("服务", "服务")):  # fmt: skip
        if name.endswith(suffix) and len(name) > len(suffix):
            name, tail = name[: -len(suffix)], repl
            break
    core = _SPLIT.split(name)[0] or name
    if len(core) + len(tail) > 8 and tail == "制造":
        tail = ""
    word = (core + tail)[:10]
    return word or "实业"


def place_prefix(county_name: str, city_name: str, rng: np.random.Generator) -> str:
    """Place part: the city's short name, or the county's for county-level cities and counties."""
    city = city_name.removesuffix("市")
    if county_name.endswith(("县", "市")) and rng.random() < 0.7:
        short = county_name.removesuffix("畲族自治县").removesuffix("县").removesuffix("市")
        return short if len(short) >= 2 else county_name
    return city


def legal_suffix(form: str, industry: str, section: str = "") -> str:
    if form == "股份有限公司":
        return "股份有限公司"
    if form == "个人独资企业":
        if industry.endswith(("贸易", "商贸")):
            return "经营部"
        return "厂" if section in ("B", "C") or industry.endswith(("制造", "加工")) else "服务部"
    if form == "合伙企业":
        return "合伙企业（有限合伙）"
    return "有限公司"


def make_names(
    rng: np.random.Generator,
    places: list[str],
    industries: list[str],
    forms: list[str],
    big: np.ndarray,
    sections: list[str],
) -> list[str]:
    """Build one unique name per firm (a clash gets a longer trade name until unique)."""
    n = len(places)
    chars = np.array(list(TRADE_CHARS), dtype=object)
    idx = rng.integers(0, len(chars), size=(n, 3))
    use_zj = big & (rng.random(n) < 0.5)
    names: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        place = "浙江" if use_zj[i] else places[i]
        suffix = legal_suffix(forms[i], industries[i], sections[i])
        trade = chars[idx[i, 0]] + chars[idx[i, 1]]
        name = place + trade + industries[i] + suffix
        k = 0
        while name in seen:
            # add characters to the trade name (deterministic: drawn from the same generator)
            extra = chars[rng.integers(0, len(chars))]
            trade = trade + extra if k % 2 == 0 else extra + trade
            name = place + trade + industries[i] + suffix
            k += 1
        seen.add(name)
        names.append(name)
    return names
