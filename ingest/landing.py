"""The landing zone as the feeds see it: which file belongs to which feed, and which files belong
to none (and why), so that nothing under ``landing/`` is ever silently ignored.

Layout: ``landing/<department>/<delivery folder>/<file>``; the delivery folder is the month
(``YYYYMM``) or year (``YYYY``) the department delivered, the file name says the period it
covers (``declaration_202509.csv``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.contracts import FeedContract


@dataclass(frozen=True)
class LandingFile:
    path: Path
    rel: str  # path under the landing root, with forward slashes
    period: str
    slot: str  # what the file is a version of: period (+ agency etc.), without the part
    delivery: str  # the delivery folder


@dataclass(frozen=True)
class Unrecognised:
    rel: str
    folder: str
    size: int
    reason: str
    reason_zh: str


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def discover(landing_root: Path, contract: FeedContract) -> list[LandingFile]:
    """Every file of the feed under ``landing/<department>/<delivery>/``, in delivery order."""
    base = landing_root / contract.department
    found = []
    if base.is_dir():
        for path in base.glob("*/*"):
            if not path.is_file():
                continue
            period = contract.match(path.name)
            if period is None:
                continue
            found.append(
                LandingFile(
                    path=path,
                    rel=path.relative_to(landing_root).as_posix(),
                    period=period,
                    slot=contract.slot(path.name) or period,
                    delivery=path.parent.name,
                )
            )
    return sorted(found, key=lambda f: (f.delivery, f.path.name))


def survey(landing_root: Path, contracts: list[FeedContract]) -> list[Unrecognised]:
    """Every file under the landing root that no feed reads, with what is wrong with it."""
    by_department: dict[str, list[FeedContract]] = {}
    for c in contracts:
        by_department.setdefault(c.department, []).append(c)
    out = []
    for path in _files(landing_root):
        rel = path.relative_to(landing_root)
        parts = rel.parts
        department = parts[0] if len(parts) > 1 else ""
        feeds = by_department.get(department, [])
        claimed = len(parts) == 3 and any(c.match(path.name) is not None for c in feeds)
        if claimed:
            continue
        reason, reason_zh = _why(parts, feeds, by_department, path.name)
        out.append(
            Unrecognised(
                rel=rel.as_posix(),
                folder=str(rel.parent.as_posix()),
                size=path.stat().st_size,
                reason=reason,
                reason_zh=reason_zh,
            )
        )
    return out


def _why(
    parts: tuple[str, ...],
    feeds: list[FeedContract],
    by_department: dict[str, list[FeedContract]],
    name: str,
) -> tuple[str, str]:
    everyone = [c for cs in by_department.values() for c in cs]
    matching = [c for c in everyone if c.match(name) is not None]
    if len(parts) == 1:
        return (
            "the file lies directly in the landing root; files go in "
            "landing/<department>/<delivery folder>/",
            "文件直接放在落地区根目录；应放在 landing/<部门>/<报送批次目录>/ 下",
        )
    if not feeds:
        known = ", ".join(sorted(by_department))
        return (
            f"no feed is delivered under the folder {parts[0]!r}; the department folders are "
            f"{known}",
            f"没有数据源使用目录「{parts[0]}」；部门目录为 {known}",
        )
    if matching and len(parts) == 2:
        return (
            f"the file is named like {matching[0].title_zh} ({matching[0].feed_id}) but is not "
            f"in a delivery folder; move it to landing/{parts[0]}/<YYYYMM>/",
            f"文件名符合「{matching[0].title_zh}」，但不在报送批次目录中；"
            f"请移到 landing/{parts[0]}/<YYYYMM>/ 下",
        )
    if matching and len(parts) > 3:
        return (
            "the file is nested too deep; files go directly in "
            f"landing/{parts[0]}/<delivery folder>/",
            f"目录层级过深；文件应直接放在 landing/{parts[0]}/<报送批次目录>/ 下",
        )
    if name.startswith(("~$", ".~lock")):
        return (
            "an Excel or office lock file (the workbook was open when it was copied)",
            "Office 临时锁定文件（复制时工作簿正处于打开状态）",
        )
    patterns = [c.file_pattern for c in feeds]
    examples = [_example(c) for c in feeds]
    close = difflib.get_close_matches(name, examples, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    hint_zh = f"；是否应为 {close[0]}？" if close else ""
    return (
        f"the name matches none of the {parts[0]} feeds' file names ({', '.join(patterns)})" + hint,
        f"文件名不符合「{parts[0]}」任何数据源的命名规则（{'、'.join(patterns)}）" + hint_zh,
    )


def _example(contract: FeedContract) -> str:
    """A file name the contract accepts, for 'did you mean' hints."""
    pattern = contract.file_pattern.replace(r"(?:_part(?P<part>\d+))?", "")
    text = re.sub(r"\(\?P<period>\\d\{6\}\)", "202509", pattern)
    text = re.sub(r"\(\?P<period>\\d\{4\}\)", "2025", text)
    text = re.sub(r"\(\?P<agency>[^)]*\)", "tax", text)
    text = re.sub(r"\(\?:[^)]*\)\?", "", text)
    return text.replace("\\.", ".")
