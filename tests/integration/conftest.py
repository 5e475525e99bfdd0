"""A real cluster for integration tests: ``unicron api``, ``scheduler`` and ``worker`` subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from unicron.redis_server import free_port

from helpers import Procs, wait_for

TOKEN = "integration-token-0123456789"
KEY = "integration-cluster-key-0123456789"
TZ = "Europe/Berlin"


@dataclass
class Cluster:
    """Starts Unicron's services against one Redis; every process is stopped by the ``procs`` fixture."""

    procs: Procs
    env: dict[str, str]
    api: httpx.Client | None = None
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def service(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        proc = self.procs.start(
            [sys.executable, "-m", "unicron", *args], env={**self.env, **(env or {})}, name=args[0]
        )
        self.started.append(proc)
        return proc

    def start_api(self, **env: str) -> httpx.Client:
        port = free_port()
        self.service("api", "--host", "127.0.0.1", "--port", str(port), env=env)
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        wait_for(lambda: _ready(client), 20, message="the API's /readyz")
        self.api = client
        return client

    def post(self, path: str, payload: Mapping[str, Any]) -> str:
        assert self.api is not None
        response = self.api.post(path, json=dict(payload))
        assert response.status_code == 201, response.text
        result: str = response.json()["result"]
        return result

    def get(self, path: str) -> Any:
        assert self.api is not None
        response = self.api.get(path)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def wait_task(
        self, task_id: str, timeout_s: float = 15, done: tuple[str, ...] = ("SUCCESS", "FAILURE")
    ) -> Any:
        def finished() -> Any:
            task = self.get(f"/api/async/{task_id}")
            return task if task["status"] in done else None

        return wait_for(finished, timeout_s, message=f"task {task_id} to finish")

    def wait_runs(self, job_id: str, count: int = 1, timeout_s: float = 15) -> list[Any]:
        def enough() -> list[Any] | None:
            runs: list[Any] = self.get(f"/api/job/result/{job_id}")
            notified = all(r["notifications"] or not self._notifies(job_id) for r in runs)
            return runs if len(runs) >= count and notified else None

        return wait_for(enough, timeout_s, interval_s=0.1, message=f"{count} run(s) of job {job_id}")

    def _notifies(self, job_id: str) -> bool:
        info = self.get(f"/api/job/{job_id}")["info"]
        return bool(info["email"] or info["hook_url"])


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


def cluster_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of every service: this one's, minus anything Unicron-specific, plus ours."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("UNICRON_", "REDIS_", "SMTP_"))}
    return {
        **base,
        "REDIS_URL": redis_url,
        "UNICRON_KEY": KEY,
        "UNICRON_API_TOKENS": TOKEN,
        "UNICRON_ALLOW_COMMANDS": "true",
        "UNICRON_EGRESS_ALLOW": "127.0.0.0/8",  # the HTTP sinks are loopback servers
        "TZ": TZ,
        **extra,
    }


@pytest.fixture
def cluster(procs: Procs, redis_url: str, redis_client: object) -> Iterator[Cluster]:
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    yield cluster
    if cluster.api is not None:
        cluster.api.close()
