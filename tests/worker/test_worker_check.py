"""`unicron worker --check`, the probe of the worker image and its Kubernetes readiness: one line,
exit 0 only when Redis answers, the key matches and a worker of this host is registered."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import redis

from unicron.cli import main
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.cluster import KEY, cluster_env
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for

CHECK_TIMEOUT_S = 30
REGISTERED_WITHIN_S = 30  # a cold worker imports RQ and connects first


def _check(env: dict[str, str]) -> tuple[int, str]:
    """The probe as orchestrators run it: a process of its own; its exit code and stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "unicron", "worker", "--check"],
        env=env, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout


def _healthy(env: dict[str, str]) -> str | None:
    code, out = _check(env)
    return out if code == 0 else None


def test_fails_without_a_worker_and_passes_with_one(
    procs: Procs, redis_url: str, redis_client: redis.Redis
) -> None:
    env = cluster_env(redis_url)
    code, out = _check(env)
    assert code == 1
    assert out == f"unhealthy: no worker of {socket.gethostname()} is registered on the queue 'unicron'\n"

    worker = procs.start([sys.executable, "-m", "unicron", "worker"], env=env, name="worker")
    out = wait_for(lambda: _healthy(env), REGISTERED_WITHIN_S, message="the check to pass")
    assert out == f"ok: 1 worker(s) of {socket.gethostname()} registered on the queue 'unicron'\n"

    assert procs.stop(worker) == 0  # a worker stopped cleanly unregisters at once
    assert _check(env)[0] == 1


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"UNICRON_KEY": None}, "unhealthy: invalid configuration: UNICRON_KEY is not set"),
        (
            {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
            "unhealthy: Redis unreachable (ConnectionError",
        ),
        ({"UNICRON_KEY": "another-cluster-key-0123456789"}, "unhealthy: UNICRON_KEY does not match"),
    ],
)
def test_every_failure_is_one_line_and_exit_1(
    env: dict[str, str | None],
    says: str,
    redis_url: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url))
    store.run(store.cluster.verify())  # the cluster's canary
    for name, value in {**cluster_env(redis_url), **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert main(["worker", "--check"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(says) and out.count("\n") == 1, out
