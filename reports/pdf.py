"""HTML to PDF (and screenshots) through Chromium's own print engine, driven by Playwright.

Chromium is Debian's (`apt-get install -y chromium fonts-noto-cjk`; `.ci/run` installs both);
Playwright's own browser download is never used. EH_CHROMIUM names another executable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")
INSTALL_HINT = "apt-get install -y chromium fonts-noto-cjk (or set EH_CHROMIUM to a Chromium)"


class ChromiumMissing(RuntimeError):
    """No Chromium executable was found: PDFs and screenshots cannot be made."""


def find_chromium() -> str:
    """Return the path of the Chromium executable (EH_CHROMIUM, else the first on PATH).

    Raises ``ChromiumMissing`` with the command that installs it.
    """
    configured = os.environ.get("EH_CHROMIUM")
    if configured:
        if Path(configured).is_file():
            return configured
        raise ChromiumMissing(f"EH_CHROMIUM={configured} does not exist; {INSTALL_HINT}")
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumMissing(f"PDF needs Chromium, none found on PATH: {INSTALL_HINT}")


@contextmanager
def browser() -> Iterator:
    """Yield a headless Chromium (Playwright ``Browser``); one per batch, pages are cheap."""
    executable = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # pragma: no cover - playwright is a project dependency
        raise ChromiumMissing(f"playwright is not installed: pip install playwright ({e})") from e
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
            args=["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"],
        )
        try:
            yield b
        finally:
            b.close()


def html_to_pdf(page, html_path: Path, pdf_path: Path) -> None:
    """Print ``html_path`` to an A4 PDF at ``pdf_path`` with an open Playwright page."""
    page.goto(html_path.resolve().as_uri(), wait_until="load")
    page.emulate_media(media="print")
    page.pdf(
        path=str(pdf_path),
        format="A4",
        print_background=True,
        margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
    )
    page.emulate_media(media="screen")


def screenshot(
    page, html_path: Path, png_path: Path, width: int = 1100, height: int | None = None
) -> None:
    """Save a PNG of ``html_path`` as a person sees it on a screen ``width`` px wide: the whole
    page, or its first ``height`` pixels."""
    page.set_viewport_size({"width": width, "height": height or 900})
    page.goto(html_path.resolve().as_uri(), wait_until="load")
    page.screenshot(path=str(png_path), full_page=height is None)
