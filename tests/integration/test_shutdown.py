"""SIGTERM stops each service cleanly: the scheduler hands its lease over, a worker finishes its job."""

from __future__ import annotations

import signal
import time

import httpx
import redis

from unicron_core.lease import holder_epoch
from unicron_testkit.cluster import Cluster
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for


def test_scheduler_sigterm_hands_the_lease_over_at_once(cluster: Cluster, redis_client: redis.Redis) -> None:
    first = cluster.service("scheduler")
    epoch = wait_for(lambda: holder_epoch(redis_client), 15, message="a leader")
    clients = len(redis_client.client_list())
    cluster.service("scheduler")
    wait_for(lambda: len(redis_client.client_list()) > clients, 15, message="the standby to connect")
    started = time.monotonic()
    first.send_signal(signal.SIGTERM)
    wait_for(
        lambda: (holder_epoch(redis_client) or 0) > epoch, 5, interval_s=0.01, message="the standby to lead"
    )
    takeover_s = time.monotonic() - started
    assert first.wait(timeout=5) == 0
    assert "released the lease" in cluster.procs.stderr(first)
    print(f"takeover after SIGTERM: {takeover_s * 1000:.0f} ms")
    assert takeover_s < 0.5


def test_worker_sigterm_finishes_the_running_job(cluster: Cluster) -> None:
    cluster.start_api()
    worker = cluster.service("worker")
    task_id = cluster.post("/api/async/", {"name": "slow", "command": "sleep 1; echo finished"})
    cluster.wait_task(task_id, done=("STARTED",))
    worker.send_signal(signal.SIGTERM)
    task = cluster.wait_task(task_id)
    assert task["status"] == "SUCCESS"
    assert task["result"]["output"]["stdout"] == "finished\n"
    assert worker.wait(timeout=10) == 0


def test_scheduler_serves_metrics_and_check(cluster: Cluster, redis_client: redis.Redis) -> None:
    port = free_port()
    cluster.service("scheduler", env={"UNICRON_METRICS_PORT": str(port)})

    def leading() -> bool:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            return False
        return "unicron_scheduler_is_leader 1.0" in text

    wait_for(leading, 15, message="the scheduler's metrics to say it leads")
    check = cluster.service("scheduler", "--check")
    assert check.wait(timeout=20) == 0
    assert cluster.procs.stdout(check).startswith("ok: leader epoch")


def test_idle_worker_stops_at_once_on_sigterm(cluster: Cluster, redis_client: redis.Redis) -> None:
    worker = cluster.service("worker")
    wait_for(lambda: redis_client.scard("rq:workers") > 0, 20, message="the worker to register")
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=5) == 0
    assert time.monotonic() - started < 2
