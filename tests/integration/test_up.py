"""`unicron up` end to end: real Redis, API, scheduler and workers as processes; nothing left behind."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import httpx
import pytest

from unicron_testkit.env import service_env
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for

from helpers import sleeping

READY_LIMIT_S = 10.0
READY_TARGET_S = 5.0  # the figure to reach; reported, not asserted, as machines differ
STOP_LIMIT_S = 10.0
# up, its Redis, api, scheduler, worker: each must show up among the descendants of `up`.
EXPECTED_CHILDREN = ("redis-server", "unicron api", "unicron scheduler", "unicron worker")


def test_up_serves_prints_its_token_and_stops_cleanly(
    procs: Procs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    up, port, ready_s = _start_up(procs, data_dir)
    with capsys.disabled():
        print(f"\n`unicron up` ready in {ready_s:.2f} s (target < {READY_TARGET_S} s)")

    token = (data_dir / "api-token").read_text().strip()
    banner = wait_for(lambda: _banner(procs, up), 5, message="the banner of `up`")
    assert f"http://127.0.0.1:{port}/api/" in banner
    assert f"http://127.0.0.1:{port}/api/docs" in banner
    assert token in banner
    assert f"Authorization: Bearer {token}" in banner
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "api-token") == 0o600
    assert _mode(data_dir / "cluster-key") == 0o600
    key = (data_dir / "cluster-key").read_text().strip()
    assert key not in procs.stdout(up) + procs.stderr(up)
    _metrics_served(banner)

    _stop_up(up, data_dir)


def test_second_up_reuses_its_key_and_finds_its_jobs(procs: Procs, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    up, port, _ = _start_up(procs, data_dir)
    key = (data_dir / "cluster-key").read_bytes()
    token = (data_dir / "api-token").read_text().strip()
    job = {"name": "nightly", "schedule": "0 3 * * *", "command": "true"}
    created = httpx.post(f"http://127.0.0.1:{port}/api/job/", json=job, headers=_auth(token), timeout=5)
    assert created.status_code == 201, created.text
    job_id = created.json()["result"]
    _stop_up(up, data_dir)

    up, port, _ = _start_up(procs, data_dir)
    assert (data_dir / "cluster-key").read_bytes() == key
    assert (data_dir / "api-token").read_text().strip() == token
    found = httpx.get(f"http://127.0.0.1:{port}/api/job/{job_id}", headers=_auth(token), timeout=5)
    assert found.status_code == 200, found.text
    assert found.json()["result"]["schedule"] == "0 3 * * *"
    _stop_up(up, data_dir)


def test_stopping_up_aborts_a_running_command_and_leaves_nothing_behind(procs: Procs, tmp_path: Path) -> None:
    """Stopping `up` while a task runs a command: the command does not outlive it, and the run is
    recorded aborted (the next `up` shows it), all within `up`'s stop limit."""
    data_dir = tmp_path / "data"
    up, port, _ = _start_up(procs, data_dir)
    api = f"http://127.0.0.1:{port}/api/async/"
    headers = _auth((data_dir / "api-token").read_text().strip())
    created = httpx.post(api, json={"name": "long", "command": "sleep 61.71"}, headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    task_id = created.json()["result"]
    wait_for(lambda: sleeping("61.71"), 20, message="the command running")
    _stop_up(up, data_dir)
    assert not sleeping("61.71"), "the command outlived `up`"

    up, port, _ = _start_up(procs, data_dir)
    task = httpx.get(f"http://127.0.0.1:{port}/api/async/{task_id}", headers=headers, timeout=5).json()[
        "result"
    ]
    assert task["status"] == "FAILURE"
    assert task["result"]["status"] == "aborted", task
    _stop_up(up, data_dir)


def _start_up(procs: Procs, data_dir: Path) -> tuple[subprocess.Popen[bytes], int, float]:
    """Starts `unicron up` with no cluster settings of its own; returns it, its port, time to ready."""
    # `up` must make its own Redis, key and token: nothing from the developer's shell may leak in.
    env = service_env()
    port = free_port()
    started = time.monotonic()
    up = procs.start(
        [sys.executable, "-m", "unicron", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        name="up",
    )
    wait_for(lambda: _ready(up, port), READY_LIMIT_S, message="/readyz to answer 200")
    return up, port, time.monotonic() - started


def _stop_up(up: subprocess.Popen[bytes], data_dir: Path) -> None:
    """SIGTERM; `up` must exit 0 within the limit, leaving no process of its own behind."""
    tree = _descendants(up.pid)
    names = " | ".join(_cmdline(pid) for pid in tree)
    for expected in EXPECTED_CHILDREN:
        assert expected in names, f"no {expected!r} among the processes of `up`: {names}"
    up.terminate()
    assert up.wait(timeout=STOP_LIMIT_S) == 0
    leftovers = {pid for pid, start in tree.items() if _running(pid, start)}
    # Processes started after the snapshot (worker processes) carry REDIS_URL, a path in the data dir.
    leftovers |= {pid for pid in _pids() if _mentions(pid, str(data_dir))}
    assert not leftovers, [f"{pid}: {_cmdline(pid)}" for pid in leftovers]


def _metrics_served(banner: str) -> None:
    """The banner says where each process's metrics are, on loopback, and each serves them."""
    found = re.search(r"Metrics: http://127\.0\.0\.1:(\d+)/metrics \(API\), :(\d+) \(scheduler\), "
                      r":(\d+) to :(\d+) \(workers\)", banner)  # fmt: skip
    assert found, banner
    api, scheduler, first, last = (int(port) for port in found.groups())
    assert (scheduler, first, last) == (api + 1, api + 2, api + 3)  # the default two workers
    series = {
        api: "unicron_api_requests_total",
        scheduler: "unicron_scheduler_is_leader",
        first: "unicron_worker_runs_in_flight",
        last: "unicron_worker_runs_in_flight",
    }
    for port, name in series.items():
        wait_for(partial(_serves, port, name), 20, message=f"{name} on port {port}")


def _serves(port: int, name: str) -> bool:
    try:
        return name in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return False


def _ready(up: subprocess.Popen[bytes], port: int) -> bool:
    if up.poll() is not None:
        raise AssertionError(f"`unicron up` exited with code {up.returncode} before it was ready")
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _banner(procs: Procs, up: subprocess.Popen[bytes]) -> str:
    out = procs.stdout(up)
    return out if "Ctrl-C" in out else ""


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# /proc walking: which processes descend from `up`, and are they still running afterwards?


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time in clock ticks), or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and ")"
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """Every process below ``root``, pid -> start time (to tell a reused pid apart)."""
    stats = {pid: st for pid in _pids() if (st := _stat(pid)) is not None}
    found: dict[int, int] = {}
    parents = [root]
    while parents:
        parent = parents.pop()
        for pid, (_state, ppid, start) in stats.items():
            if ppid == parent and pid not in found:
                found[pid] = start
                parents.append(pid)
    return found


def _running(pid: int, start: int) -> bool:
    """Still the same process and not a zombie (a zombie runs nothing; init reaps it)."""
    st = _stat(pid)
    return st is not None and st[2] == start and st[0] != "Z"


def _cmdline(pid: int) -> str:
    return _read_proc(pid, "cmdline")


def _mentions(pid: int, text: str) -> bool:
    """Whether a live process has ``text`` in its command line or environment."""
    st = _stat(pid)
    if st is None or st[0] == "Z":
        return False
    return text in _read_proc(pid, "cmdline") or text in _read_proc(pid, "environ")


def _read_proc(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # gone, or not ours
        return ""
