"""A real cluster: ``unicron api``, ``scheduler`` and ``worker`` as subprocesses on one Redis, and an
API client on it that checks every answer's status."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from unicron_testkit.env import service_env
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for

TOKEN = "integration-token-0123456789"  # noqa: S105 - a test cluster's, in no real one
KEY = "integration-cluster-key-0123456789"
TZ = "Europe/Berlin"
API_READY_S = 20.0
RUNS_POLL_S = 0.1  # each look at a job's runs costs two API calls


def cluster_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of every service of the cluster: ``service_env`` with the cluster's own."""
    return service_env(
        REDIS_URL=redis_url,
        UNICRON_KEY=KEY,
        UNICRON_API_TOKENS=TOKEN,
        UNICRON_ALLOW_COMMANDS="true",
        UNICRON_EGRESS_ALLOW="127.0.0.0/8",  # the HTTP sinks are loopback servers
        TZ=TZ,
        **extra,
    )


def api_ready(client: httpx.Client) -> bool:
    """True once the API behind ``client`` answers /readyz with 200."""
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Cluster:
    """Starts Unicron's services with ``env``; ``procs`` stops them. ``api`` is set by ``start_api``.

    Its checks raise AssertionError: an answer other than the one expected fails the test.
    """

    procs: Procs
    env: dict[str, str]
    api: httpx.Client | None = None
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def service(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Starts ``unicron <args>`` with the cluster's environment and ``env`` on top."""
        proc = self.procs.start(
            [sys.executable, "-m", "unicron", *args], env={**self.env, **(env or {})}, name=args[0]
        )
        self.started.append(proc)
        return proc

    def start_api(self, **env: str) -> httpx.Client:
        """Starts ``unicron api`` on a free port; returns a client with the token once it is ready."""
        port = free_port()
        self.service("api", "--host", "127.0.0.1", "--port", str(port), env=env)
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        wait_for(lambda: api_ready(client), API_READY_S, "the API's /readyz")
        self.api = client
        return client

    def post(self, path: str, payload: Mapping[str, Any]) -> str:
        """POSTs ``payload``, expects 201, returns the new id."""
        response = self._client().post(path, json=dict(payload))
        if response.status_code != 201:
            raise AssertionError(f"POST {path}: {response.status_code} {response.text}")
        result: str = response.json()["result"]
        return result

    def get(self, path: str) -> Any:
        """GETs ``path``, expects 200, returns the envelope's result."""
        response = self._client().get(path)
        if response.status_code != 200:
            raise AssertionError(f"GET {path}: {response.status_code} {response.text}")
        return response.json()["result"]

    def wait_task(
        self, task_id: str, timeout_s: float = 15, done: tuple[str, ...] = ("SUCCESS", "FAILURE")
    ) -> Any:
        """The task once its status is one of ``done``."""

        def finished() -> Any:
            task = self.get(f"/api/async/{task_id}")
            return task if task["status"] in done else None

        return wait_for(finished, timeout_s, f"task {task_id} to finish")

    def wait_runs(self, job_id: str, count: int = 1, timeout_s: float = 15) -> list[Any]:
        """The job's runs once there are ``count``, each with its notifications' outcome if it has any."""

        def enough() -> list[Any] | None:
            runs: list[Any] = self.get(f"/api/job/result/{job_id}")
            notified = all(r["notifications"] or not self._notifies(job_id) for r in runs)
            return runs if len(runs) >= count and notified else None

        return wait_for(enough, timeout_s, f"{count} run(s) of job {job_id}", interval_s=RUNS_POLL_S)

    def wait_run(self, run_id: str, *statuses: str, timeout_s: float = 20) -> Any:
        """The run once its status is one of ``statuses``."""
        api = self._client()

        def reached() -> Any:
            response = api.get(f"/api/runs/{run_id}")
            run = response.json()["result"] if response.status_code == 200 else None
            return run if run is not None and run["status"] in statuses else None

        return wait_for(reached, timeout_s, f"run {run_id} to be {' or '.join(statuses)}")

    def close(self) -> None:
        """Closes the API client; the processes are stopped by whoever owns ``procs``."""
        if self.api is not None:
            self.api.close()

    def _notifies(self, job_id: str) -> bool:
        info = self.get(f"/api/job/{job_id}")["info"]
        return bool(info["email"] or info["hook_url"])

    def _client(self) -> httpx.Client:
        if self.api is None:
            raise AssertionError("no API yet: call start_api() first")
        return self.api


@contextmanager
def cluster_on(work_dir: Path, redis_url: str) -> Iterator[Cluster]:
    """A cluster on ``redis_url``, emptied first (a test session's own, never another's), whose
    services the caller starts; every one is stopped on leaving, its output in ``work_dir``."""
    with redis.Redis.from_url(redis_url) as client:
        client.flushall()
    procs = Procs(work_dir)
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    try:
        yield cluster
    finally:
        cluster.close()
        procs.stop_all()


@contextmanager
def lone_api(work_dir: Path, redis_url: str) -> Iterator[httpx.Client]:
    """One ``unicron api`` on ``redis_url``, no scheduler and no worker, and a client on it with the
    valid key; the Redis is emptied first (a test session's own, never another's)."""
    with cluster_on(work_dir, redis_url) as cluster:
        yield cluster.start_api()
