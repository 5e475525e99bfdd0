"""Failover: how late the next due fire is when the leader dies (SIGKILL) or is stopped (SIGTERM).

- Unicron: three ``unicron scheduler`` processes, each telling over its metrics port whether it
  leads, and a few every-second jobs. At a random moment the harness kills the leader (``kills``
  SIGKILLs, then ``terms`` SIGTERMs); the dead one comes back as a standby (starting on the side
  CPU), and a leader and a standby are up before the next kill. From the fire log (the enqueue
  script writes it, with the epoch): for each job, the first fire the old epoch had not enqueued;
  takeover = its enqueue by the new epoch minus the later of the kill and its due time, the worst
  job of each kill. A fire skipped instead of enqueued late counts as a failure.
- rq-scheduler ``-i 1``: two instances and the same jobs (its periodic API). It holds
  ``rq:scheduler_lock`` only during its tick; a kill outside the tick costs nothing (the other
  instance ticks anyway), a kill inside leaves the lock for ``interval + 10`` s. So the kill is
  placed at its worst moment: once the harness raises a flag, the next instance to take the lock
  SIGKILLs itself while holding it (``bench/peers.py``). MONITOR times every RPUSH and due-time ZADD.

Both run side by side, each on its own Redis: a takeover is set by a TTL of seconds (Unicron's
lease, rq-scheduler's lock) and each fleet uses a few % of a CPU, so neither moves the other's
figure, and the peer's three kills (its 11 s lock TTL each) add no time to ``make bench``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from common import (
    BENCH_DIR,
    MEASURED_CPU,
    QUEUE,
    SIDE_CPU,
    Context,
    Monitor,
    Procs,
    Row,
    create_jobs,
    now_ms,
    peer_command,
    pin,
    procs,
    redis_server,
    row,
    sleep_until_ms,
    start_scheduler,
    unicron_store,
    venv_bin,
    wait_for_leader,
)
from redis import Redis

from unicron_core.lease import holder_epoch
from unicron_core.store import Store
from unicron_testkit.firelog import fire_log
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

NAME = "scheduler-failover"
KILL_GOAL_MS = 3000
TERM_GOAL_MS = 500
EVERY_SECOND = "* * * * * *"
TAKEOVER_TIMEOUT_S = 30
START_TIMEOUT_S = 30
# celery beat's loop interval for RedBeat, the setting of its published takeover figure: its lock
# lives 5 times that (25 s) and a standby tries to take it at that interval (Celery's default,
# 300 s, would make it 25 minutes).
REDBEAT_LOOP_S = 5
REDBEAT_TIMEOUT_S = 60
REDBEAT_SCHEDULE = "redbeat::schedule"  # RedBeat's due index: entry key -> next due time (epoch s)
CELERY_QUEUE = "celery"  # the list Celery's Redis transport LPUSHes each task onto


@dataclass(frozen=True)
class Params:
    jobs: int
    kills: int
    terms: int
    peer_kills: int
    schedulers: int


FULL = Params(jobs=5, kills=20, terms=5, peer_kills=3, schedulers=3)
SMOKE = Params(jobs=2, kills=1, terms=1, peer_kills=0, schedulers=2)


def run(ctx: Context) -> list[Row]:
    p = SMOKE if ctx.smoke else FULL
    rng = random.Random(ctx.seed)
    peer_rng = random.Random(rng.random())
    mine: list[tuple[list[float], list[float], int]] = []
    peer: list[float] = []
    redbeat: list[float] = []
    calls = [lambda: mine.append(_unicron(ctx, p, rng))]
    if ctx.has_peers and p.peer_kills:
        calls.append(lambda: peer.extend(_rq_scheduler(ctx, p, peer_rng)))
        calls.append(lambda: redbeat.extend(_redbeat(ctx, p, random.Random(peer_rng.random()))))
    ctx.side_by_side(calls)  # each takeover is set by a TTL of seconds; no fleet is busy
    ((kills, terms, skipped),) = mine
    ctx.details[NAME] = {
        "params": p.__dict__,
        "unicron_sigkill_ms": kills,
        "unicron_sigterm_ms": terms,
        "unicron_fires_skipped": skipped,
        "rq_scheduler_sigkill_ms": peer,
        "redbeat_sigkill_ms": redbeat,
    }
    # One "repetition" per kill; the figure is the worst of them.
    return [
        row(
            scenario=NAME,
            figure=f"next due fire after SIGKILL of the leader, worst of {len(kills)}",
            unit="ms",
            unicron=[max(kills)],
            peer="rq-scheduler -i 1" if peer else "",
            peer_reps=[max(peer)] if peer else [],
            goal=f"<= {KILL_GOAL_MS:,} ms, no fire skipped",
            check=lambda v, _r: v <= KILL_GOAL_MS and skipped == 0,
            note=f"peer: worst of {len(peer)}, killed while holding its lock" if peer else "",
        ),
        row(
            scenario=NAME,
            figure=f"next due fire after SIGKILL of the leader, worst of {len(kills)}",
            unit="ms",
            unicron=[max(kills)],
            peer=f"RedBeat (celery beat, beat_max_loop_interval {REDBEAT_LOOP_S} s)" if redbeat else "",
            peer_reps=[max(redbeat)] if redbeat else [],
            note=f"peer: worst of {len(redbeat)} kills of the lock's holder" if redbeat else "",
        ),
        row(
            scenario=NAME,
            figure=f"next due fire after SIGTERM of the leader, worst of {len(terms)}",
            unit="ms",
            unicron=[max(terms)],
            goal=f"<= {TERM_GOAL_MS} ms",
            check=lambda v, _r: v <= TERM_GOAL_MS and skipped == 0,
        ),
    ]


# -- Unicron -----------------------------------------------------------------------------------


def _is_leader(port: int) -> bool | None:
    """What the scheduler on ``port`` says; None while it does not answer (starting)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=0.5).text
    except httpx.HTTPError:
        return None
    return "unicron_scheduler_is_leader 1.0" in text


class Fleet:
    """The schedulers, by metrics port. A restarted one starts (imports, connects) on the side CPU
    and joins the measured CPU once it answers, so its start-up never competes with a takeover."""

    def __init__(self, ps: Procs, url: str, schedulers: int) -> None:
        self.ps = ps
        self.url = url
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.warming: set[int] = set()
        for port in [free_port() for _ in range(schedulers)]:
            self.procs[port] = self._start_on(MEASURED_CPU, port)
        wait_for(lambda: all(_is_leader(port) is not None for port in self.procs), START_TIMEOUT_S, "all up")

    def _start_on(self, cpu: int, port: int) -> subprocess.Popen[bytes]:
        proc = start_scheduler(self.ps, self.url, name=f"scheduler-{port}", metrics_port=port)
        pin(proc.pid, cpu)
        return proc

    def restart(self, port: int) -> None:
        self.procs[port] = self._start_on(SIDE_CPU, port)
        self.warming.add(port)

    def ready_leader(self) -> int:
        """Waits for one leader and at least one standby that answer; returns the leader's port."""

        def leader() -> int | None:
            states = {port: _is_leader(port) for port in self.procs}
            for port in [p for p in self.warming if states[p] is not None]:
                pin(self.procs[port].pid, MEASURED_CPU)
                self.warming.discard(port)
            leaders = [port for port, state in states.items() if state]
            standbys = [port for port, state in states.items() if state is False]
            return leaders[0] if len(leaders) == 1 and standbys else None

        port: int = wait_for(leader, START_TIMEOUT_S, "a leader and a standby", interval_s=0.05)
        return port


def _unicron(ctx: Context, p: Params, rng: random.Random) -> tuple[list[float], list[float], int]:
    kills: list[float] = []
    terms: list[float] = []
    skipped = 0
    with redis_server(ctx, "failover-unicron") as redis, procs(ctx, "failover-unicron") as ps:
        store = unicron_store(redis.url)
        fleet = Fleet(ps, redis.url, p.schedulers)
        wait_for_leader(store)
        ids = set(create_jobs(store, schedules=[EVERY_SECOND] * p.jobs, url="http://127.0.0.1:9"))
        wait_for(lambda: {job for _, job, _, _ in fire_log(store.redis)} >= ids, 10, "every job to fire")
        signals = [signal.SIGKILL] * p.kills + [signal.SIGTERM] * p.terms
        for n, sig in enumerate(signals, 1):
            port = fleet.ready_leader()
            epoch = holder_epoch(store.redis)
            sleep_until_ms(now_ms() + rng.uniform(0, 1000))  # a random phase within the second
            proc = fleet.procs[port]
            killed_ms = now_ms()
            ps.signal(proc, sig)
            proc.wait(timeout=10)
            assert epoch is not None
            took, missed = wait_for(
                lambda e=epoch, k=killed_ms: _takeover(store, ids, e, k), TAKEOVER_TIMEOUT_S, "the takeover"
            )
            (kills if sig == signal.SIGKILL else terms).append(took)
            skipped += missed
            ctx.log(f"  {signal.Signals(sig).name}: next due fire {took:.0f} ms after")
            if n < len(signals):
                fleet.restart(port)  # back as a standby
        store.redis.close()
    return kills, terms, skipped


def _takeover(store: Store, ids: set[str], old_epoch: int, killed_ms: int) -> tuple[float, int] | None:
    """(worst lateness caused by the kill, fires skipped), once the new epoch fired every job."""
    last_old: dict[str, int] = {}
    first_new: dict[str, tuple[int, int]] = {}  # job -> (due, enqueued)
    for at, job, due, epoch in fire_log(store.redis):
        if job not in ids:
            continue
        if epoch <= old_epoch:
            last_old[job] = max(last_old.get(job, 0), due)
        elif job not in first_new:
            first_new[job] = (due, at)
    if len(first_new) < len(ids):
        return None
    worst = 0.0
    skipped = 0
    for job, (due, at) in first_new.items():
        expected = last_old[job] + 1000  # every second: the first fire the old leader did not enqueue
        skipped += (due - expected) // 1000
        worst = max(worst, at - max(killed_ms, expected))
    return worst, skipped


# -- RedBeat -----------------------------------------------------------------------------------


def _redbeat(ctx: Context, p: Params, rng: random.Random) -> list[float]:
    """Two ``celery beat`` processes with RedBeat: the first holds its lock, the second waits for it.
    At a random moment the holder is SIGKILLed; the other takes over once the lock expires; the dead
    one comes back and waits in turn. MONITOR times each task sent and each due time written."""
    name = "failover-redbeat"
    with redis_server(ctx, name) as redis, procs(ctx, name) as ps:
        monitor = Monitor(redis, ctx.dir(name) / "monitor.txt", ["LPUSH", "ZADD"])
        conn = Redis.from_url(redis.url)
        env = {**os.environ, "REDIS_URL": redis.url, "PYTHONPATH": str(BENCH_DIR),
               "BEAT_MAX_LOOP_INTERVAL_S": str(REDBEAT_LOOP_S)}  # fmt: skip
        command = [venv_bin("celery"), "-A", "beat_peer", "beat", "-S", "redbeat.RedBeatScheduler",
                   "--loglevel", "WARNING", "--pidfile="]  # fmt: skip
        holder = ps.start(command, env=env, name="beat-0")
        wait_for(lambda: conn.llen(CELERY_QUEUE) > 0, START_TIMEOUT_S, "RedBeat's first task")
        standby = ps.start(command, env=env, name="beat-1")
        kills = []
        for n in range(p.peer_kills):
            time.sleep(2 + rng.uniform(0, 1))  # the standby is waiting for the lock; a random moment
            sent = conn.llen(CELERY_QUEUE)
            kills.append(time.time())
            ps.signal(holder, signal.SIGKILL)
            holder.wait()
            wait_for(
                lambda s=sent: conn.llen(CELERY_QUEUE) > s, REDBEAT_TIMEOUT_S, "the takeover", interval_s=0.05
            )
            # The dead one comes back (started on the side CPU, as rq-scheduler's) and waits its turn.
            holder, standby = standby, ps.start(command, env=env, name=f"beat-{n + 2}", cpu=SIDE_CPU)
        lines = monitor.stop()
        conn.close()
    return [_redbeat_takeover(lines, kill) for kill in kills]


def _redbeat_takeover(lines: list[tuple[float, list[str]]], kill: float) -> float:
    """The first task sent after ``kill`` minus the later of the kill and the due time the schedule
    held when the holder died (RedBeat has one entry here: each send is its fire)."""
    due = kill
    for stamp, (command, key, *args) in lines:
        if stamp >= kill:
            if command == "LPUSH" and key == CELERY_QUEUE:
                return (stamp - max(kill, due)) * 1000
        elif command == "ZADD" and key == REDBEAT_SCHEDULE:
            due = float(args[-2])
    raise RuntimeError("RedBeat sent nothing after the kill")


# -- rq-scheduler ------------------------------------------------------------------------------


def _rq_scheduler(ctx: Context, p: Params, rng: random.Random) -> list[float]:
    from rq_scheduler import Scheduler  # noqa: PLC0415 - the bench group's peer

    name = "failover-rqs"
    flag, killed = ctx.dir(name) / "kill-flag", ctx.dir(name) / "killed"
    kills: list[float] = []
    with redis_server(ctx, name) as redis, procs(ctx, name) as ps:
        monitor = Monitor(redis, ctx.dir(name) / "monitor.txt", ["RPUSH", "ZADD"])
        conn = Redis.from_url(redis.url)
        command = peer_command("rq-scheduler", redis.url, "--kill-flag", str(flag), "--killed", str(killed))
        instances = [ps.start(command, name=f"rqscheduler-{i}") for i in range(2)]
        first = datetime.fromtimestamp(time.time() // 1 + 2, UTC)
        for i in range(p.jobs):
            Scheduler(queue_name=QUEUE, connection=conn, interval=1).schedule(
                first, "peers.noop", interval=1, id=f"p{i}"
            )
        for n in range(p.peer_kills):
            time.sleep(2 + rng.uniform(0, 1))  # steady state, then a random moment
            flag.touch()
            wait_for(lambda: killed.exists() and killed.read_text(), 30, "an rq-scheduler to take the lock")
            queued = conn.llen(f"rq:queue:{QUEUE}")
            kills.append(float(killed.read_text()))
            killed.unlink()
            wait_for(lambda q=queued: conn.llen(f"rq:queue:{QUEUE}") > q, 60, "the other rq-scheduler")
            dead = next(i for i, proc in enumerate(instances) if proc.poll() is not None)
            # Its start-up on the side CPU: Unicron's takeovers run on the measured one meanwhile.
            instances[dead] = ps.start(command, name=f"rqscheduler-{dead}-{n}", cpu=SIDE_CPU)
        time.sleep(1)
        lines = monitor.stop()
        conn.close()
    return _rq_takeovers(lines, kills, Scheduler.scheduled_jobs_key)


def _rq_takeovers(lines: list[tuple[float, list[str]]], kills: list[float], zset: str) -> list[float]:
    """Per kill: the worst job's first RPUSH after the kill minus the later of kill and its due time."""
    results = []
    for kill in kills:
        due: dict[str, float] = {}
        pending: dict[str, float] = {}
        worst = 0.0
        for stamp, (command, key, *args) in lines:
            if command == "ZADD" and key == zset:
                for score, member in zip(args[-2::-2], args[-1::-2], strict=True):
                    due[member] = float(score)
            elif command == "RPUSH" and key == f"rq:queue:{QUEUE}" and stamp >= kill:
                job = args[0]
                if job in pending:
                    continue
                pending[job] = due[job]
                worst = max(worst, (stamp - max(kill, due[job])) * 1000)
        results.append(worst)
    return results
