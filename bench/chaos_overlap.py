"""``make chaos``, part two: ``overlap: forbid`` under failure, proven by a ledger the commands write.

Three ``unicron scheduler`` processes and two workers on a real Redis; 20 jobs every second, each a
command that writes its start and end to a ledger and sleeps 2.5 s in between, with
``overlap: forbid``; while the harness SIGKILLs the leader every 10-30 s, SIGSTOPs it for 10 s twice,
and SIGKILLs a worker (then starts it again) every 20-40 s.

Pass: the ledger shows no two runs of one job at once (a run whose worker was killed ends when it
was: its command's group dies with it); every fire the scheduler enqueued has a run that ended,
ran (success, or failure with its reason: its worker died, found within 60 s) or did not
(skipped, missed) with its reason; none is left queued or running. Prints a table; exits 1 on any
breach. Bounded: about four minutes, under seven in all.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from chaos import Chaos, Fleet, Verdict, _kill_leader, _pause_leader, harness
from redis.exceptions import RedisError

from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.env import service_env
from unicron_testkit.firelog import fire_log
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis

KEY = "chaos-cluster-key-0123456789abcdef"
RUN_S = 2.5
SETTLE_S = 90  # a killed worker's runs end within its deadline (30 s) and a maintenance (15 s)
FOUND_WITHIN_S = 60  # a dead worker's run is found, and recorded, within this
ENDED = frozenset({"success", "failure", "skipped", "missed", "aborted"})


@dataclass
class Kills:
    """When the harness SIGKILLed a worker (epoch s): the end of a run that wrote no end."""

    at: list[float] = field(default_factory=list)

    def after(self, start: float) -> float:
        return min((t for t in self.at if t >= start), default=float("inf"))


def run_chaos(fleet: Fleet, chaos: Chaos, kills: Kills, seconds: float, rng: random.Random) -> None:
    """Leader kills and pauses as ``make chaos`` does, and a worker killed and started again."""
    start = time.monotonic()
    pauses = [seconds * f for f in (0.3, 0.7)]
    next_leader_kill = rng.uniform(10, 30)
    next_worker_kill = rng.uniform(20, 40)
    workers = 2
    while (elapsed := time.monotonic() - start) < seconds:
        fleet.revive()
        if pauses and elapsed >= pauses[0]:
            pauses.pop(0)
            _pause_leader(fleet, chaos)
        elif elapsed >= next_leader_kill:
            _kill_leader(fleet, chaos)
            next_leader_kill = elapsed + rng.uniform(10, 30)
        elif elapsed >= next_worker_kill:
            victim = fleet.workers.pop(rng.randrange(len(fleet.workers)))
            fleet.procs.signal(victim, 9)
            victim.wait()
            kills.at.append(time.time())
            chaos.events["worker SIGKILL"] += 1
            workers += 1
            fleet.worker(workers)
            next_worker_kill = elapsed + rng.uniform(20, 40)
        time.sleep(0.1)


def overlaps(ledger: Path, kills: Kills) -> tuple[int, int, int]:
    """Runs in the ledger, those a worker's death ended, and pairs of one job's runs that overlapped."""
    runs = 0
    cut = 0
    bad = 0
    for path in ledger.iterdir():
        starts: dict[str, float] = {}
        ends: dict[str, float] = {}
        for line in path.read_text().splitlines():
            run_id, what, at = line.split()
            (starts if what == "start" else ends)[run_id] = float(at)
        spans = sorted((start, ends.get(run_id, kills.after(start))) for run_id, start in starts.items())
        runs += len(spans)
        cut += len(starts) - len(ends)
        bad += sum(1 for (_, end), (start, _) in pairwise(spans) if start < end)
    return runs, cut, bad


def analyse(store: Store, ledger: Path, kills: Kills, chaos: Chaos) -> Verdict:
    log = fire_log(store.redis)
    fires = {(job, ms) for _, job, ms, _ in log}
    statuses: Counter[str] = Counter()
    unexplained = 0
    found_after: list[float] = []  # a dead worker's run: from the kill to its record
    for job_id, ms in fires:
        run = store.run(store.runs.find(job_id=job_id, run_id=f"{job_id}-{ms}"))
        status = "no record" if run is None else run.status
        statuses[status] += 1
        if run is not None and run.end is not None and "AbandonedJobError" in (run.reason or ""):
            found_after.append(run.end - kills.after(run.start))
        ran = run is not None and run.status in ("success", "failure")
        if not ran and (run is None or run.status not in ENDED or not run.reason):
            unexplained += 1
    runs, cut, bad = overlaps(ledger, kills)
    v = Verdict()
    v.check("fires enqueued (fire log)", len(fires), True)
    v.check("enqueued more than once", len(log) - len(fires), len(log) == len(fires))
    v.check("runs in the ledger", runs, runs > 0)
    v.check("runs ended by their worker's death", cut, True)
    v.check("runs of one job at once", bad, bad == 0)
    for status, count in sorted(statuses.items()):
        v.check(f"fires recorded {status}", count, status in ENDED)
    v.check("fires neither run nor ended with a reason", unexplained, unexplained == 0)
    slowest = max(found_after, default=0.0)
    v.check("a dead worker's run recorded failed within (s)", f"{slowest:.1f}", slowest <= FOUND_WITHIN_S)
    for name, count in sorted(chaos.events.items()):
        v.check(name, count, True)
    return v


def _settle(store: Store, job_ids: list[str]) -> None:
    """Waits until nothing is queued and no run is in flight (a dead worker's, too)."""
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        with suppress(RedisError):
            flying = sum(store.redis.zcard(f"unicron:inflight:{job_id}") for job_id in job_ids)
            if store.queue.count == 0 and flying == 0:
                return
        time.sleep(0.5)


def main() -> int:
    return harness(
        __doc__,
        _run,
        seconds=150,
        jobs=20,
        banner=lambda a: f"chaos (overlap: forbid): {a.jobs} jobs every second, {a.seconds:.0f} s",
    )


def _run(args: argparse.Namespace, rng: random.Random, tmp: Path) -> int:
    redis = start_redis(tmp / "redis")
    # The commands run as another user (the sandbox's): their ledger is where it may write.
    ledger = Path(tempfile.mkdtemp(prefix="unicron-ledger-", dir=tmp.parent))
    ledger.chmod(0o777)
    env = service_env(
        REDIS_URL=redis.url,
        UNICRON_KEY=KEY,
        UNICRON_FIRE_LOG="1000000",
        TZ="UTC",
        UNICRON_ALLOW_COMMANDS="true",
        UNICRON_COMMAND_CONCURRENCY=str(2 * args.jobs),  # one worker holds them all after a kill
        UNICRON_MAX_RUNS="1000",  # every fire's record is kept for the audit
        UNICRON_WORKER_GRACE_S="5",
    )
    fleet = Fleet(env=env, procs=Procs(tmp / "logs"))
    kills = Kills()
    chaos = Chaos()
    try:
        store = Store.from_settings(Settings(key=KEY, redis_url=redis.url, tz="UTC", allow_commands=True))
        store.run(store.cluster.verify())
        job_ids = [_create_job(store, ledger, i) for i in range(args.jobs)]
        for port in (free_port(), free_port(), free_port()):
            fleet.scheduler(port)
        fleet.worker(1)
        fleet.worker(2)
        run_chaos(fleet, chaos, kills, args.seconds, rng)
        for proc in fleet.schedulers.values():
            proc.send_signal(15)
        _settle(store, job_ids)
        verdict = analyse(store, ledger, kills, chaos)
    finally:
        fleet.kill_all()
        fleet.procs.stop_all(report=False)
        redis.stop()
        shutil.rmtree(ledger, ignore_errors=True)
    verdict.print()
    print("chaos (overlap): PASS" if verdict.passed else "chaos (overlap): FAIL")
    return 0 if verdict.passed else 1


def _create_job(store: Store, ledger: Path, i: int) -> str:
    line = f'echo "$UNICRON_RUN_ID %s $(date +%%s.%%N)" >> {ledger}/$UNICRON_JOB_ID'
    spec = JobSpec(
        name=f"overlap-{i}",
        schedule="* * * * * *",
        command=f"{line % 'start'}; sleep {RUN_S}; {line % 'end'}",
        overlap="forbid",
        timeout=10,
        timezone="UTC",
    )
    return store.run(store.jobs.create(spec=spec, actor=OPERATOR))


if __name__ == "__main__":
    sys.exit(main())
