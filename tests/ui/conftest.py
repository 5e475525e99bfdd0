"""Fixtures of the browser tests: Debian's Chromium driven by Playwright (unicron_testkit.browser).

- ``browser`` (package): Chromium, headless, launched once for this folder's tests (per pytest
  worker) and closed when they end. Without Chromium it FAILS, never skips, saying how to install it.
- ``context``: a fresh browser context (cookies, storage) per test, at a fixed size and locale.
- ``page``: a page in that context.
- ``axe``: ``axe(page) -> list[Violation]``, axe-core's serious and critical violations in the page
  as it is; ``assert not axe(page), axe(page)`` prints each one with the elements at fault.

For screenshots, ``unicron_testkit.browser.screenshot(page, path)`` saves the whole page as a PNG.

The browser is not session-scoped: Playwright's sync API leaves its event loop running on the thread
while it is started, and a later module on the same worker that runs a loop of its own
(``asyncio.Runner``, ``asyncio.run``) would fail with "cannot be called from a running event loop".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from unicron_testkit.browser import ChromiumMissing, Violation, launch, new_context
from unicron_testkit.browser import axe as run_axe

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# Playwright's assertions wait 5 s by default; Swagger UI's 1.8 MB bundle on a busy 2-CPU machine
# may need more.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; fails the tests when it is not installed."""
    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except ChromiumMissing as exc:  # a failure, not a skip: `make test` must not pass without it
            raise pytest.fail.Exception(str(exc), pytrace=False) from None
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context: no cookie or storage of another test."""
    context = new_context(browser)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A new page in the test's context (closed with it)."""
    return context.new_page()


@pytest.fixture
def axe() -> Callable[[Page], list[Violation]]:
    """``axe(page)``: the page's serious and critical accessibility violations (axe-core)."""
    return partial(run_axe, script=AXE_JS)
