"""A job's history as a picture (pure): one bar per run, oldest left, its height the run's duration
and its class its status; and the success rate of the runs that ended. Plain SVG, no script."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from unicron_core.records import RunResult

WIDTH = 600
HEIGHT = 120
BAR_MAX = 24  # px: a job with few runs gets bars, not a wall
ENDED = frozenset({"success", "failure", "aborted"})


@dataclass(frozen=True)
class History:
    """What the chart says in words too (its title, for screen readers)."""

    svg: Markup
    runs: int
    success_rate: float | None  # of the runs that ended; None before one did
    slowest_s: float


def history(runs: list[RunResult]) -> History:
    """The chart of ``runs`` (newest first, as the store lists them)."""
    ended = [run for run in reversed(runs) if run.status in ENDED and run.end is not None]
    durations = [max(0.0, (run.end or run.start) - run.start) for run in ended]
    slowest = max(durations, default=0.0)
    rate = sum(run.success for run in ended) / len(ended) if ended else None
    title = _title(len(ended), rate, slowest)
    step = min(WIDTH / max(len(ended), 1), BAR_MAX)
    bars = []
    for index, (run, took) in enumerate(zip(ended, durations, strict=True)):
        height = max(2.0, (took / slowest) * (HEIGHT - 4)) if slowest > 0 else 2.0
        bars.append(
            Markup(
                '<rect class="bar {}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                "<title>{}: {} in {:.3f} s</title></rect>"
            ).format(
                run.status,
                index * step + 1,
                HEIGHT - height,
                max(step - 2, 1),
                height,
                run.run_id,
                run.status,
                took,
            )
        )
    svg = Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" '
        'preserveAspectRatio="none">{bars}</svg>'
    ).format(w=WIDTH, h=HEIGHT, t=escape(title), bars=Markup("").join(bars))
    return History(svg=svg, runs=len(ended), success_rate=rate, slowest_s=slowest)


def _title(count: int, rate: float | None, slowest: float) -> str:
    if rate is None:
        return "No run has ended yet"
    return f"{count} runs, {rate:.0%} succeeded, the slowest took {slowest:.2f} s"
