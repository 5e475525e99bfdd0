"""One real cluster (``unicron api``, ``scheduler`` and ``worker`` subprocesses on the session's Redis)
shared by a test module, and clients on it: the generated one, and the ``unicron`` command as a real
process (``unicron``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from unicron_client import AuthenticatedClient

from unicron_testkit.cluster import TOKEN, Cluster, cluster_on


@dataclass(frozen=True)
class Live:
    """The cluster under test and where its API is."""

    cluster: Cluster
    url: str
    token: str = TOKEN


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Live]:
    """The module's cluster (not "package": tests/ has no __init__.py, so that would mean the whole
    session, and its scheduler and worker would outlive these tests and meddle with later ones)."""
    with cluster_on(tmp_path_factory.mktemp("client-procs"), redis_url) as cluster:
        api = cluster.start_api()
        cluster.service("scheduler")
        cluster.service("worker")
        yield Live(cluster=cluster, url=str(api.base_url).rstrip("/"))


@pytest.fixture
def client(live: Live) -> Iterator[AuthenticatedClient]:
    """The generated client with the cluster's token; it raises on a status the contract omits."""
    with AuthenticatedClient(base_url=live.url, token=live.token, raise_on_unexpected_status=True) as client:
        yield client


CLI_TIMEOUT_S = 60


@dataclass(frozen=True)
class Done:
    """What a ``unicron`` process did."""

    code: int
    out: str
    err: str


class Unicron:
    """Runs the real ``unicron`` command, a process of its own, against the cluster."""

    def __init__(self, live: Live, cwd: Path) -> None:
        self.env = {**os.environ, "UNICRON_API_URL": live.url, "UNICRON_API_TOKEN": live.token}
        self.cwd = cwd

    def __call__(self, *args: str, stdin: str | None = None) -> Done:
        done = subprocess.run(
            [sys.executable, "-m", "unicron", *args],
            env=self.env, cwd=self.cwd, input=stdin, capture_output=True, text=True,
            timeout=CLI_TIMEOUT_S, check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return Done(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Stdout of a command that must succeed."""
        done = self(*args, stdin=stdin)
        assert done.code == 0, (args, done)
        return done.out

    def refused(self, code: int, *args: str) -> str:
        """The one line on stderr of a command that must exit with ``code``, having printed nothing."""
        done = self(*args)
        assert done.code == code, (args, done)
        lines = done.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("unicron: "), done.err
        return lines[0]

    def refused_lines(self, code: int, *args: str) -> list[str]:
        """The lines on stderr of a command that must exit with ``code``, having printed nothing."""
        done = self(*args)
        assert (done.code, done.out) == (code, ""), (args, done)
        lines = done.err.strip().splitlines()
        assert lines and all(line.startswith("unicron: ") for line in lines), done.err
        return lines


@pytest.fixture
def unicron(live: Live, tmp_path: Path) -> Unicron:
    """The ``unicron`` command on the module's cluster, run in a test's own directory."""
    return Unicron(live, tmp_path)
