"""A real browser for the dashboard's tests: Debian's Chromium (never one Playwright downloads, so no
``playwright install``), headless, driven by Playwright's sync API; axe-core's accessibility check in
a page as it is; full-page screenshots.

Chromium is the ``chromium`` package (``make test`` and ``.ci/run`` install it when it is missing).
Playwright's sync API keeps its event loop running on the calling thread while it is started: stop it
before code that runs its own loop (``asyncio.run``) in that thread.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize

CHROMIUM = "chromium"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "install Debian's Chromium: `apt-get install chromium` as root (`make test` does it)"
CHROMIUM_ARGS = (
    "--no-sandbox",  # root in a container: the sandbox needs namespaces the machine may not give
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Chromium calls home (updates, field trials, sync) unless told not to; on a closed network those
    # connections are refused, and a refused one can stall the browser.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# The same page size and language everywhere, so that screenshots do not depend on the machine.
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
LOCALE = "en-US"
SERIOUS = ("serious", "critical")

# axe.run() on the whole document; each violation with the CSS selectors of the elements at fault.
_RUN_AXE = """async () => (await axe.run(document)).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")),
}))"""


class ChromiumMissing(RuntimeError):
    """Debian's Chromium is not installed."""


@dataclass(frozen=True)
class Violation:
    """One rule of axe-core that the page breaks, and where."""

    id: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact} {self.id} ({self.help}): {', '.join(self.targets)}"


def chromium_path() -> Path:
    """The Chromium to drive: ``chromium`` on PATH, else Debian's ``/usr/bin/chromium``.

    Raises:
        ChromiumMissing: neither is there; its message says how to install it.
    """
    found = shutil.which(CHROMIUM)
    if found:
        return Path(found)
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    raise ChromiumMissing(f"no {CHROMIUM} on PATH nor at {DEBIAN_CHROMIUM}: {INSTALL_HINT}")


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with no call home (``CHROMIUM_ARGS``)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
    )


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh context (its own cookies and storage) at ``VIEWPORT`` in ``LOCALE``; ``options`` are
    Playwright's ``new_context`` arguments on top."""
    settings: dict[str, Any] = {"viewport": VIEWPORT, "locale": LOCALE, **options}
    return browser.new_context(**settings)


def axe(page: Page, script: Path, *, impacts: Collection[str] = SERIOUS) -> list[Violation]:
    """The accessibility violations of ``impacts`` (default serious and critical) in ``page`` now.

    Args:
        page: the page, loaded; the check sees its DOM as it is at the call.
        script: axe-core's ``axe.min.js``. It is evaluated through Playwright, not added as a
            ``<script>``: the dashboard's CSP forbids inline script, and ``add_script_tag(path=...)``
            inlines it. So the page keeps its CSP and axe still runs.
        impacts: the impacts to report (axe's are minor, moderate, serious and critical).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(script.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return [
        Violation(id=v["id"], impact=v["impact"], help=v["help"], targets=tuple(v["targets"]))
        for v in found
        if v["impact"] in impacts
    ]


def screenshot(page: Page, path: Path) -> Path:
    """Saves the whole page (not only the viewport) as a PNG at ``path``, its folders made; returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path
