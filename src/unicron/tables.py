"""Text for people: aligned tables, times, durations, one-line previews of output."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

MINUTE_S = 60
HOUR_S = 3600
DAY_S = 86_400
PREVIEW_CHARS = 60  # a table cell of command output or a URL: enough to recognise it


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned on the widest cell, two spaces apart; no trailing blanks."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *([str(cell) for cell in row] for row in rows)]
    ]
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, str]]) -> str:
    """``name  value`` lines, the values aligned."""
    width = max((len(name) for name, _ in pairs), default=0)
    return "\n".join(f"{name.ljust(width)}  {value}".rstrip() for name, value in pairs)


def when(epoch_s: float | None) -> str:
    """Local date and time with its UTC offset, to the second; ``-`` for none."""
    if epoch_s is None:
        return "-"
    return datetime.fromtimestamp(epoch_s).astimezone().isoformat(sep=" ", timespec="seconds")


def relative(epoch_s: float | None, now_s: float) -> str:
    """``in 4m``, ``12s ago``; ``-`` for none."""
    if epoch_s is None:
        return "-"
    delta = epoch_s - now_s
    span = span_text(abs(delta))
    return f"in {span}" if delta >= 0 else f"{span} ago"


def span_text(seconds: float) -> str:
    """A coarse span: ``45s``, ``3m``, ``2h5m``, ``3d4h``."""
    s = int(seconds)
    if s < MINUTE_S:
        return f"{s}s"
    if s < HOUR_S:
        return f"{s // MINUTE_S}m"
    if s < DAY_S:
        hours, minutes = divmod(s // MINUTE_S, 60)
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(s // HOUR_S, 24)
    return f"{days}d{hours}h" if hours else f"{days}d"


def duration(seconds: float) -> str:
    """A run's duration: ``0.12s``, ``3.4s``, ``2m5s``."""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < MINUTE_S:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), MINUTE_S)
    return f"{minutes}m{rest}s"


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters; ``-`` for none."""
    line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if not line:
        return "-"
    return line if len(line) <= limit else line[: limit - 1] + "…"
