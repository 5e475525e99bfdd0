"""``python bench/run.py --smoke``: every bench scenario at tiny sizes, so the harness cannot rot.

The figures of a smoke run mean nothing (tiny N, everything at once); what is checked is that every
scenario ran, measured Unicron and its peers, and wrote its results file.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {
    "scheduler-precision",
    "scheduler-burst",
    "scheduler-scale",
    "scheduler-failover",
    "api-submit",
    "api-pages",
    "task-throughput",
    "task-costs",
    "slow-calls",
}


@pytest.mark.timeout(90)
def test_bench_smoke_measures_every_scenario(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (results,) = tmp_path.glob("*.json")
    body = json.loads(results.read_text())
    assert body["smoke"] is True
    assert not body["errors"]
    rows = body["rows"]
    assert {r["scenario"] for r in rows} == SCENARIOS
    # Every figure with a goal was measured for Unicron, and every peer installed gave a value
    # (rq-scheduler is in the `bench` group, which `make bench` installs and `make test` does not).
    assert [r["figure"] for r in rows if r["goal"] and r["unicron_value"] is None] == []
    installed = importlib.util.find_spec("rq_scheduler") is not None
    unmeasured = {r["peer"] for r in rows if r["peer"] and r["peer_value"] is None}
    bench_group = {"rq-scheduler -i 1", "Celery gevent -c 1000", "Celery prefork -c 2"}
    assert unmeasured == (set() if installed else bench_group)
    assert any(r["peer"] == "RQ built-in scheduler" and r["peer_value"] is not None for r in rows)
