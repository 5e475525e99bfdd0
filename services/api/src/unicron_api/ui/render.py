"""Pages from templates (``templates/``, one per screen, ``_*.html`` the parts htmx swaps), with
the filters they format times and durations with. A time is shown in the zone a page gives (a
job's) and in UTC; ``static/app.js`` adds the viewer's own zone beside it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from unicron_api.ui.session import Viewer
from unicron_core.describe import describe
from unicron_core.errors import UnicronError

TEMPLATES = Path(__file__).parent / "templates"
DAY_S = 86_400


@cache
def environment() -> Environment:
    """The templates' environment, made once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(at=at, ago=ago, took=took, describe=described)
    return env


def page(
    request: Request, template: str, viewer: Viewer | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template`` for ``viewer`` (None on the sign-in page)."""
    html = (
        environment()
        .get_template(template)
        .render(request=request, viewer=viewer, path=request.url.path, **context)
    )
    return HTMLResponse(html, status_code=status)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def at(epoch_s: float | None, zone: str | None = None) -> Markup:
    """``<time>`` of an instant in ``zone`` (UTC by default); ``app.js`` adds the viewer's zone."""
    if epoch_s is None:
        return Markup("&mdash;")
    moment = datetime.fromtimestamp(epoch_s, UTC)
    shown = moment.astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M:%S %Z")
    return Markup('<time datetime="{}" data-local>{}</time>').format(moment.isoformat(), shown)


def ago(epoch_s: float | None, now_s: float | None = None) -> str:
    """How long ago (or from now) an instant is, in words."""
    if epoch_s is None:
        return "never"
    now_s = datetime.now(UTC).timestamp() if now_s is None else now_s
    delta = now_s - epoch_s
    size = abs(delta)
    for unit, length in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if size >= length:
            amount = f"{size // length:.0f} {unit}"
            break
    else:
        amount = f"{size:.0f} s"
    return f"{amount} ago" if delta >= 0 else f"in {amount}"


def took(start: float | None, end: float | None) -> str:
    """A run's duration, in the unit that reads best."""
    if start is None or end is None:
        return "—"
    seconds = max(0.0, end - start)
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def described(expr: str, zone: str | None = None) -> str:
    """A schedule in words, with its DST notes for the year from today (cached for the day)."""
    return _describe(expr, zone or "UTC", int(time.time() // DAY_S))


@lru_cache(maxsize=4096)
def _describe(expr: str, zone: str, _day: int) -> str:
    try:
        return describe(expr, zone)
    except UnicronError:  # a description is a courtesy: never fail a page for it
        return ""
