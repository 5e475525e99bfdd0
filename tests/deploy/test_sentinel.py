"""Redis Sentinel: every service finds the master through Sentinel and follows a failover.

A real master, one replica and three Sentinels on loopback ports, all with passwords; the API, a
scheduler and a worker get ``REDIS_SENTINELS`` instead of a Redis address. The master is SIGKILLed:
within 10 s the API answers again, the job created before is still there, the scheduler fires it
again and the worker runs a task submitted after the failover. See docs/deploy.md for what a
failover does and does not guarantee.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from unicron.redis_server import find_redis_server
from unicron_testkit.env import service_env
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for

PASSWORD = "sentinel-test-password-0123"
SENTINEL_PASSWORD = "sentinels-own-password-0123"
MASTER_NAME = "unicron-test"
KEY = "sentinel-cluster-key-0123456789"
TOKEN = "sentinel-token-0123456789"
FAILOVER_DEADLINE_S = 10.0
# Sentinels call the master down after 1 s of silence (production: 5 s or more, docs/deploy.md).
DOWN_AFTER_MS = 1000


@dataclass
class Topology:
    """One master, one replica, three Sentinels: every one a real redis-server process."""

    master: subprocess.Popen[bytes]
    master_port: int
    replica_port: int
    sentinel_ports: list[int]

    @property
    def sentinels(self) -> str:
        """The ``REDIS_SENTINELS`` value."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)


def _redis(port: int, password: str | None = PASSWORD) -> redis.Redis:
    return redis.Redis(port=port, password=password, socket_timeout=2, decode_responses=True)


def _answers(port: int, password: str | None = PASSWORD) -> bool:
    try:
        with _redis(port, password) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def _start(
    procs: Procs, conf: Path, lines: Sequence[str], *, sentinel: bool = False
) -> subprocess.Popen[bytes]:
    """A redis-server on a config file (Sentinel rewrites its own, so it must be a file)."""
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("\n".join(lines) + "\n")
    args = [str(find_redis_server()), str(conf), *(["--sentinel"] if sentinel else [])]
    return procs.start(args, name=conf.stem)


def _server_lines(port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        f"port {port}",
        "bind 127.0.0.1",
        f'dir "{data_dir}"',
        'save ""',
        "appendonly no",
        f"requirepass {PASSWORD}",
        f"masterauth {PASSWORD}",
    ]


def _sentinel_ready(port: int, replica_port: int) -> bool:
    """This Sentinel sees the replica and both other Sentinels: a failover can be agreed on."""
    try:
        with _redis(port, password=SENTINEL_PASSWORD) as client:
            replicas = client.sentinel_slaves(MASTER_NAME)
            others = client.sentinel_sentinels(MASTER_NAME)
    except redis.RedisError:
        return False
    return replica_port in {int(replica["port"]) for replica in replicas} and len(others) == 2


@pytest.fixture
def topology(procs: Procs, tmp_path: Path) -> Topology:
    master_port, replica_port = free_port(), free_port()
    # The master refuses writes unless a replica is at most 10 s behind: a master cut off from its
    # replica stops accepting writes that a failover would throw away. The replica, once promoted,
    # has no replica of its own and must keep accepting writes, so it does not get this setting.
    master = _start(
        procs,
        tmp_path / "master.conf",
        [
            *_server_lines(master_port, tmp_path / "master"),
            "min-replicas-to-write 1",
            "min-replicas-max-lag 10",
        ],
    )
    _start(
        procs,
        tmp_path / "replica.conf",
        [*_server_lines(replica_port, tmp_path / "replica"), f"replicaof 127.0.0.1 {master_port}"],
    )
    wait_for(lambda: _answers(master_port) and _answers(replica_port), 10, message="master and replica")
    wait_for(
        lambda: _redis(replica_port).info("replication")["master_link_status"] == "up",
        10,
        message="the replica to sync",
    )
    sentinel_ports = [free_port() for _ in range(3)]
    for i, port in enumerate(sentinel_ports):
        _start(
            procs,
            tmp_path / f"sentinel-{i}.conf",
            [
                f"port {port}",
                "bind 127.0.0.1",
                f'dir "{tmp_path}"',
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2",
                f"sentinel auth-pass {MASTER_NAME} {PASSWORD}",
                # Sentinels have a password of their own, which they also use with each other.
                f"requirepass {SENTINEL_PASSWORD}",
                f"sentinel sentinel-pass {SENTINEL_PASSWORD}",
                f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
                f"sentinel failover-timeout {MASTER_NAME} 10000",
            ],
            sentinel=True,
        )
    # Sentinels find each other through hello messages every 2 s.
    wait_for(
        lambda: all(_sentinel_ready(port, replica_port) for port in sentinel_ports),
        15,
        interval_s=0.2,
        message="three Sentinels that know each other and the replica",
    )
    return Topology(master, master_port, replica_port, sentinel_ports)


class Api:
    """The REST API of the cluster under test, through its published port."""

    def __init__(self, port: int) -> None:
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )

    def ready(self) -> bool:
        try:
            return self.client.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def post(self, path: str, payload: dict[str, Any]) -> str:
        response = self.client.post(path, json=payload)
        assert response.status_code == 201, response.text
        result: str = response.json()["result"]
        return result

    def result(self, path: str) -> Any:
        """The result of a GET, or None while the API cannot answer it (Redis unreachable)."""
        try:
            response = self.client.get(path)
        except httpx.TransportError:
            return None
        return response.json()["result"] if response.status_code == 200 else None


@pytest.fixture
def api(tmp_path: Path, topology: Topology) -> Iterator[Api]:
    """The API, a scheduler and a worker on the topology; stopped before it (their own ``Procs``): a
    worker whose Sentinels and Redis stopped beside it could take the whole stop timeout (10 s)."""
    env = service_env(
        REDIS_SENTINELS=topology.sentinels,
        REDIS_SENTINEL_MASTER=MASTER_NAME,
        REDIS_PASSWORD=PASSWORD,
        REDIS_SENTINEL_PASSWORD=SENTINEL_PASSWORD,
        UNICRON_KEY=KEY,
        UNICRON_API_TOKENS=TOKEN,
        UNICRON_ALLOW_COMMANDS="true",
    )
    port = free_port()
    services = Procs(tmp_path / "services")
    api = Api(port)
    try:
        for service in (["api", "--host", "127.0.0.1", "--port", str(port)], ["scheduler"], ["worker"]):
            services.start([sys.executable, "-m", "unicron", *service], env=env, name=service[0])
        wait_for(api.ready, 20, message="the API's /readyz")
        yield api
    finally:
        api.client.close()
        services.stop_all()


def _task_output(api: Api, task_id: str) -> str | None:
    task = api.result(f"/api/async/{task_id}")
    if task is None or task["status"] != "SUCCESS":
        return None
    output: str = task["result"]["output"]["stdout"]
    return output


def test_services_follow_a_failover(topology: Topology, api: Api) -> None:
    job_id = api.post("/api/job/", {"name": "tick", "schedule": "* * * * * *", "command": "true"})
    before = api.post("/api/async/", {"name": "before", "command": "echo before"})
    assert wait_for(lambda: _task_output(api, before), 15, message="a task before the failover") == "before\n"
    # What must survive a failover has to be on the replica before the master dies. WAIT blocks until
    # every write made so far on the master's connection (here one marker, written after the job) has
    # reached a replica; replication keeps its order, so the job has too.
    with _redis(topology.master_port) as master:
        master.set("unicron-test:marker", "1")
        assert master.wait(1, 5000) == 1

    os.kill(topology.master.pid, signal.SIGKILL)
    killed = time.monotonic()
    killed_at = time.time()

    job = wait_for(
        lambda: api.result(f"/api/job/{job_id}"),
        FAILOVER_DEADLINE_S,
        interval_s=0.1,
        message="the API to answer after the failover",
    )
    api_back_s = time.monotonic() - killed
    assert job["info"]["name"] == "tick"
    with _redis(topology.replica_port) as promoted:
        assert promoted.info("replication")["role"] == "master"

    def fired_again() -> bool:
        runs = api.result(f"/api/job/result/{job_id}") or []
        return any(run["start"] > killed_at for run in runs)

    wait_for(
        fired_again,
        FAILOVER_DEADLINE_S - api_back_s,
        interval_s=0.1,
        message="the scheduler and worker to run the job again",
    )
    after = api.post("/api/async/", {"name": "after", "command": "echo after"})
    assert wait_for(lambda: _task_output(api, after), 10, message="a task after the failover") == "after\n"
    print(f"API back {api_back_s:.1f} s, job fired again {time.monotonic() - killed:.1f} s after the kill")
