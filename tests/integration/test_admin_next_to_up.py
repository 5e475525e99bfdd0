"""`unicron token ...` and `unicron rotate-key` next to `unicron up`: they find up's cluster key and
the Redis it runs on a Unix socket in its data dir, as `unicron job` finds its API token there."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from unicron import up
from unicron.conventions import new_key
from unicron.redis_server import RedisServer
from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.env import service_env

CLI_TIMEOUT_S = 30


@pytest.fixture
def home() -> Iterator[Path]:
    """A directory with ``.unicron`` laid out as ``unicron up`` lays it out while it runs: its key,
    and its Redis on a Unix socket (a short path: a socket's path has at most ~100 characters)."""
    with tempfile.TemporaryDirectory(prefix="unicron-home-") as top:
        yield Path(top)


@pytest.fixture
def up_redis(home: Path) -> Iterator[RedisServer]:
    data_dir = home / ".unicron"
    data_dir.mkdir(mode=0o700)
    (data_dir / up.KEY_FILE).write_text(new_key() + "\n")
    server = RedisServer(data_dir=data_dir / up.REDIS_DIR, unix_socket=True, appendonly=False)  # as up's
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unicron(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``unicron <args>`` in ``cwd``, in a shell without a UNICRON_ or REDIS_ variable but ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "unicron", *args],
        cwd=cwd, env=service_env(**env), capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False,
    )  # fmt: skip


def ok(*args: str, cwd: Path, **env: str) -> str:
    done = unicron(*args, cwd=cwd, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_token_commands_find_up_s_key_and_redis(home: Path, up_redis: RedisServer) -> None:
    key = ok("token", "create", "--name", "ci", "--scopes", "jobs:read", cwd=home).strip()
    assert key.startswith("uc_")
    assert ok("token", "list", cwd=home) == "ci\tjobs:read\n"
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    assert ok("token", "list", "--data-dir", str(home / ".unicron"), cwd=elsewhere) == "ci\tjobs:read\n"
    assert redis.Redis.from_url(up_redis.url).hexists("unicron:apikeys", "ci")  # in up's own Redis
    assert ok("token", "revoke", "ci", cwd=home) == "revoked ci\n"
    assert ok("token", "list", cwd=home) == ""


def test_rotate_key_finds_them_too(home: Path, up_redis: RedisServer) -> None:
    key = (home / ".unicron" / up.KEY_FILE).read_text().strip()
    store = Store.from_settings(Settings(key=key, redis_url=up_redis.url, tz="UTC"))
    store.run(store.cluster.verify())  # the canary, as up's API writes it
    store.run(
        store.jobs.create(
            spec=JobSpec(name="j", schedule="@daily", http_url="https://example.test/"), actor=OPERATOR
        )
    )
    assert ok("rotate-key", cwd=home).startswith(
        "rotated 0, already current 3,"
    )  # the canary, the index key, a job


def test_the_environment_wins(
    home: Path, up_redis: RedisServer, redis_url: str, redis_client: object
) -> None:
    ok("token", "create", "--name", "theirs", "--scopes", "jobs:read", cwd=home, REDIS_URL=redis_url)
    assert redis.Redis.from_url(redis_url).hexists("unicron:apikeys", "theirs")
    assert not redis.Redis.from_url(up_redis.url).hexists("unicron:apikeys", "theirs")
    # A key of their own, and up's Redis: the key is the environment's, which cannot open up's canary.
    key = (home / ".unicron" / up.KEY_FILE).read_text().strip()
    store = Store.from_settings(Settings(key=key, redis_url=up_redis.url, tz="UTC"))
    store.run(store.cluster.verify())
    assert ok("rotate-key", cwd=home).startswith("rotated 0, already current 1,")
    done = unicron("rotate-key", cwd=home, UNICRON_KEY=new_key())
    assert done.returncode == 1 and "unreadable 1" in done.stdout, (done.stdout, done.stderr)


def test_up_s_key_without_its_redis_is_one_line(home: Path, up_redis: RedisServer) -> None:
    up_redis.stop()
    done = unicron("token", "list", cwd=home)
    assert done.returncode == 2
    socket = home.resolve() / ".unicron" / up.REDIS_DIR / "redis.sock"
    assert done.stderr == (
        f"unicron: no Redis at {socket}, where `unicron up` runs it: is it running? "
        "(Set REDIS_URL for another Redis.)\n"
    )


def test_without_up_nothing_changes(home: Path) -> None:
    done = unicron("token", "list", cwd=home)
    assert (done.returncode, done.stderr) == (2, "unicron: invalid configuration: UNICRON_KEY is not set\n")
    assert os.listdir(home) == []
