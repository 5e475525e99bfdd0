"""The Grafana dashboards' offline check (deploy/dashboards.py, a step of `make deploy-check`): the
shipped dashboard passes; one naming a metric nobody exports, or not JSON, is caught."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dashboards() -> ModuleType:
    # deploy/ is no package: its scripts import each other from beside them.
    spec = importlib.util.spec_from_file_location("dashboards", ROOT / "deploy" / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_dashboard_names_only_exported_metrics(dashboards: ModuleType) -> None:
    assert dashboards.check_dashboards() == []
    shipped = json.loads((ROOT / "deploy" / "grafana" / "unicron.json").read_text())
    used = set().union(*(dashboards.metric_names(e) for e in dashboards.expressions(shipped)))
    for family in ("unicron_api_", "unicron_worker_", "unicron_scheduler_", "unicron_queue_depth"):
        assert any(name.startswith(family) for name in used), family


def test_an_unknown_metric_is_caught(dashboards: ModuleType, tmp_path: Path) -> None:
    shipped = json.loads((ROOT / "deploy" / "grafana" / "unicron.json").read_text())
    target = next(p for p in shipped["panels"] if p.get("targets"))["targets"][0]
    target["expr"] = 'sum by (status) (rate(unicron_worker_runs_totl{kind="http"}[$__rate_interval]))'
    (tmp_path / "typo.json").write_text(json.dumps(shipped))
    (tmp_path / "broken.json").write_text('{"panels": [')

    problems = dashboards.check_dashboards(tmp_path)

    assert len(problems) == 2, problems
    assert "broken.json is not valid JSON" in problems[0]
    assert "unicron_worker_runs_totl is no metric Unicron exports" in problems[1]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{route!="a{b}"}[$__rate_interval])))',
            {"x_bucket"},
        ),
        (
            "sum(rate(a_total[5m] offset 1h)) / on (instance) group_left (job) b * 1e3 > bool 2",
            {"a_total", "b"},
        ),
        ("max_over_time(rate(c_total[5m])[1h:1m]) and d or e unless f", {"c_total", "d", "e", "f"}),
        ('count(g) without (instance) + sum(h{__name__!~"z"})', {"g", "h"}),
    ],
)
def test_names_are_read_from_promql(dashboards: ModuleType, expr: str, names: set[str]) -> None:
    assert dashboards.metric_names(expr) == names
