"""The Grafana dashboards of deploy/grafana, checked offline (a step of ``make deploy-check``): each is
valid JSON with panels, and every PromQL expression names only metrics that Unicron exports.

The exported names are read from the three processes' ``Metrics`` classes, built and collected here
(no process, no Redis): a counter ``x`` is exported as ``x_total`` (and ``x_created``), a histogram
as ``x_bucket``, ``x_sum`` and ``x_count``. The expressions are read with a small scanner, not a
PromQL parser: strings, label matchers, ranges and groupings (``by (le)``) are dropped, and then
every name not followed by ``(`` (a function) and not a keyword must be an exported metric.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = ROOT / "deploy" / "grafana"

SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
}
KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan", "start", "end"})
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")  # [5m], [$__rate_interval], subqueries [1h:5m]
_GROUPINGS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# A name that is not part of a number (1e3), a duration (5m) or a Grafana variable ($__interval).
_NAMES = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(\s*\()?")


def exported_metrics() -> set[str]:
    """Every series name the API, the scheduler and a worker process export."""
    from unicron_api.metrics import Metrics as ApiMetrics  # noqa: PLC0415 - only this step needs them
    from unicron_scheduler.metrics import Metrics as SchedulerMetrics  # noqa: PLC0415
    from unicron_worker.metrics import Metrics as WorkerMetrics  # noqa: PLC0415

    names: set[str] = set()
    for metrics in (ApiMetrics(queue="unicron"), SchedulerMetrics(), WorkerMetrics()):
        for family in metrics.registry.collect():
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
            names |= {sample.name for sample in family.samples}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads."""
    text = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _GROUPINGS):
        while True:  # innermost first: subqueries hold ranges, groupings may follow matchers
            shorter = pattern.sub(" ", text)
            if shorter == text:
                break
            text = shorter
    return {match[1] for match in _NAMES.finditer(text) if not match[2] and match[1].lower() not in KEYWORDS}


def expressions(node: Any) -> Iterator[str]:
    """Every ``expr`` of a dashboard (its panels' targets, rows' panels included)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def check_dashboard(path: Path, known: set[str]) -> list[str]:
    """What is wrong with one dashboard file: not JSON, no panels, an unknown metric."""
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        dashboard = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        return [f"{name} is not valid JSON: {exc}"]
    if not isinstance(dashboard, dict) or not dashboard.get("panels") or not dashboard.get("uid"):
        return [f"{name} is no Grafana dashboard (a uid and panels)"]
    exprs = list(expressions(dashboard["panels"]))
    if not exprs:
        return [f"{name} has no query"]
    return [
        f"{name}: {unknown} is no metric Unicron exports (in: {expr})"
        for expr in exprs
        for unknown in sorted(metric_names(expr) - known)
    ]


def check_dashboards(directory: Path = DASHBOARDS) -> list[str]:
    """Every dashboard in ``directory``, checked; at least one must be there."""
    paths = sorted(directory.glob("*.json"))
    if not paths:
        return [f"no dashboard in {directory}"]
    known = exported_metrics()
    return [problem for path in paths for problem in check_dashboard(path, known)]
