"""Charts as inline SVG strings: a radar of the five dimensions, small trend lines, the county map.

Plain SVG built from numbers, so a report needs no JavaScript, no network and no chart library,
renders the same in a browser and in Chromium's PDF, and costs well under a millisecond a chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

GRID_LEVELS = (20, 40, 60, 80, 100)


def _pt(cx: float, cy: float, r: float, i: int, n: int) -> tuple[float, float]:
    # axis 0 points up, the others clockwise
    a = -math.pi / 2 + 2 * math.pi * i / n
    return cx + r * math.cos(a), cy + r * math.sin(a)


def _ring(cx: float, cy: float, radius: float, values: Sequence[float | None], n: int) -> str:
    pts = []
    for i, v in enumerate(values):
        x, y = _pt(cx, cy, radius * max(0.0, min(100.0, v or 0.0)) / 100, i, n)
        pts.append(f"{x:.1f},{y:.1f}")
    return "M" + " L".join(pts) + " Z"


def radar_svg(
    labels: Sequence[str],
    firm: Sequence[float | None],
    median: Sequence[float | None],
    q1: Sequence[float | None],
    q3: Sequence[float | None],
    width: int = 360,
    height: int = 320,
) -> str:
    """Return an SVG radar: the firm's scores (0-100) against the peer median and the band
    between the peers' lower and upper quartiles, one axis per label.

    >>> "radar-axis" in radar_svg(list("abcde"), [50] * 5, [50] * 5, [40] * 5, [60] * 5)
    True
    """
    n = len(labels)
    # room around the pentagon for the axis labels ("创新 21") left and right
    cx, cy = width / 2, height / 2 + 6
    radius = min(width / 2 - 70, height / 2 - 34)
    out = [
        f'<svg class="radar" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="五维雷达图" xmlns="http://www.w3.org/2000/svg">'
    ]
    for level in GRID_LEVELS:
        out.append(
            f'<path class="grid" d="{_ring(cx, cy, radius, [level] * n, n)}" '
            'fill="none" stroke="#d9dee5" stroke-width="1"/>'
        )
    for i, label in enumerate(labels):
        x, y = _pt(cx, cy, radius, i, n)
        out.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c5ccd6"/>'
        )
        lx, ly = _pt(cx, cy, radius + 16, i, n)
        anchor = "middle" if abs(lx - cx) < 4 else ("start" if lx > cx else "end")
        value = firm[i]
        shown = "—" if value is None else f"{value:.0f}"
        out.append(
            f'<text class="radar-axis" x="{lx:.1f}" y="{ly + 5:.1f}" text-anchor="{anchor}" '
            f'font-size="13">{escape(label)} {shown}</text>'
        )
    if all(v is not None for v in (*q1, *q3)):
        band = _ring(cx, cy, radius, q3, n) + " " + _ring(cx, cy, radius, q1, n)
        out.append(
            f'<path class="peer-band" d="{band}" fill="#9db7d5" fill-opacity="0.35" '
            'fill-rule="evenodd" stroke="none"/>'
        )
    if all(v is not None for v in median):
        out.append(
            f'<path class="peer-median" d="{_ring(cx, cy, radius, median, n)}" fill="none" '
            'stroke="#45698f" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    out.append(
        f'<path class="firm-shape" d="{_ring(cx, cy, radius, firm, n)}" fill="#e4572e" '
        'fill-opacity="0.18" stroke="#e4572e" stroke-width="2"/>'
    )
    out.append("</svg>")
    return "".join(out)


def trend_svg(
    months: Sequence[str],
    values: Sequence[float | None],
    *,
    width: int = 300,
    height: int = 90,
    fmt: str = "{:,.0f}",
    bands: Sequence[float] = (),
) -> str:
    """Return a small SVG line chart of a monthly series; missing months are gaps, not zeros.

    ``bands`` draws dashed horizontal lines (e.g. the grade cut-offs of the score).
    """
    known = [v for v in values if v is not None]
    top, left, right, bottom = 8, 4, 4, 18
    out = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    if not known:
        out.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="12" '
            'fill="#8a94a3">无数据</text></svg>'
        )
        return "".join(out)
    lo, hi = min(known + list(bands)), max(known + list(bands))
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    n = max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - right) * i / n
        y = top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))
        return x, y

    for b in bands:
        _, y = xy(0, b)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#b8c0cc" stroke-dasharray="3 3"/>'
        )
    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    for seg in segments:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
        if len(seg) == 1:
            out.append(f'<circle cx="{seg[0][0]:.1f}" cy="{seg[0][1]:.1f}" r="2" fill="#2f5d8a"/>')
        else:
            out.append(
                f'<polyline points="{pts}" fill="none" stroke="#2f5d8a" stroke-width="1.8"/>'
            )
    last_i = max(i for i, v in enumerate(values) if v is not None)
    x, y = xy(last_i, values[last_i])
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#e4572e"/>')
    out.append(
        f'<text x="{left}" y="{height - 4}" font-size="10" fill="#6b7685">'
        f"{escape(months[0])}</text>"
        f'<text x="{width - right}" y="{height - 4}" font-size="10" fill="#6b7685" '
        f'text-anchor="end">{escape(months[-1])}：{escape(fmt.format(values[last_i]))}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def map_svg(
    outlines: dict[str, list[list[list[float]]]],
    fills: dict[str, str],
    titles: dict[str, str],
    links: dict[str, str],
    width: int = 640,
) -> str:
    """Return an SVG map: one ``<path class="county" data-county=code>`` per county outline,
    filled from ``fills`` (grey when absent), a tooltip from ``titles``, a link from ``links``.
    Outlines are rings of projected [x, y] points (reports/geo/zhejiang_counties.json)."""
    xs = [p[0] for rings in outlines.values() for ring in rings for p in ring]
    ys = [p[1] for rings in outlines.values() for ring in rings for p in ring]
    x0, y0, w, h = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
    scale = width / w
    height = round(h * scale)
    out = [
        f'<svg class="county-map" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="区县地图" xmlns="http://www.w3.org/2000/svg">'
    ]
    for code, rings in outlines.items():
        d = " ".join(
            "M"
            + " L".join(f"{(x - x0) * scale:.1f},{(y - y0) * scale:.1f}" for x, y in ring)
            + " Z"
            for ring in rings
        )
        path = (
            f'<path class="county" data-county="{code}" d="{d}" '
            f'fill="{fills.get(code, "#e6e8eb")}" stroke="#ffffff" stroke-width="0.7">'
            f"<title>{escape(titles.get(code, code))}</title></path>"
        )
        href = links.get(code)
        out.append(f'<a href="{escape(href)}">{path}</a>' if href else path)
    out.append("</svg>")
    return "".join(out)
