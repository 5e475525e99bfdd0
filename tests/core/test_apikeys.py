"""API keys (hashed, scoped, revocable) and the per-key rate limit, on a real Redis."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import redis

from unicron.cli import main
from unicron_core.apikeys import ALL_SCOPES, Principal, Scope, parse_scopes
from unicron_core.errors import Conflict, InvalidSpec, NotFound, RateLimited
from unicron_core.settings import Settings
from unicron_core.store import Store

from helpers import raw

KEY = "api-keys-test-key-0123456789"


@pytest.fixture
def store(redis_url: str, redis_client: redis.Redis) -> Store:
    return _store(redis_url)


def _store(redis_url: str, **settings: Any) -> Store:
    return Store.from_settings(Settings(key=KEY, redis_url=redis_url, **settings))


def test_create_admit_list_revoke(store: Store) -> None:
    token = store.run(store.access.create(name="ci", scopes=parse_scopes("jobs:read,tasks:write")))
    assert token.startswith("uc_") and len(token) >= 3 + 43  # 256 bits, URL-safe
    principal = store.run(store.access.admit(token))
    assert principal is not None and principal.name == "ci"
    assert principal.may(Scope.JOBS_READ) and not principal.may(Scope.JOBS_WRITE)
    assert [info.name for info in store.run(store.access.list())] == ["ci"]
    store.run(store.access.revoke(name="ci"))
    assert store.run(store.access.admit(token)) is None
    with pytest.raises(NotFound):
        store.run(store.access.revoke(name="ci"))


def test_only_the_hash_is_stored(store: Store, redis_client: redis.Redis) -> None:
    token = store.run(store.access.create(name="k", scopes=frozenset({Scope.ADMIN})))
    dump = b"".join(
        b"".join(map(raw, redis_client.hgetall(key).values())) + raw(key) for key in redis_client.keys("*")
    )
    assert token.encode() not in dump
    assert hashlib.sha256(token.encode()).hexdigest().encode() in dump


def test_names_scopes_and_duplicates(store: Store) -> None:
    store.run(store.access.create(name="a", scopes=frozenset({Scope.COMMANDS})))
    with pytest.raises(Conflict):
        store.run(store.access.create(name="a", scopes=frozenset({Scope.COMMANDS})))
    for bad in ("", "has space", "env", "x" * 65):
        with pytest.raises(InvalidSpec):
            store.run(store.access.create(name=bad, scopes=frozenset({Scope.COMMANDS})))
    with pytest.raises(InvalidSpec, match="the scopes are"):
        parse_scopes("jobs:read,root")
    with pytest.raises(InvalidSpec, match="at least one scope"):
        store.run(store.access.create(name="none", scopes=frozenset()))


def test_environment_tokens_are_full_access(redis_url: str, redis_client: redis.Redis) -> None:
    store = _store(redis_url, api_tokens="legacy-token", admin_token="bootstrap-admin")
    legacy = store.run(store.access.admit("legacy-token"))
    admin = store.run(store.access.admit("bootstrap-admin"))
    assert legacy is not None and legacy.scopes == ALL_SCOPES and legacy.name == "env"
    assert admin is not None and admin.name == "admin"
    assert store.run(store.access.admit("legacy-tokeN")) is None


def test_rate_limit_per_key(redis_url: str, redis_client: redis.Redis) -> None:
    store = _store(redis_url, api_tokens="env-a", admin_token="admin-b", rate_limit_per_minute=3)
    for _ in range(3):
        store.run(store.access.admit("env-a"))
    with pytest.raises(RateLimited) as refused:
        store.run(store.access.admit("env-a"))
    assert 1 <= refused.value.retry_after_s <= 61
    assert store.run(store.access.admit("admin-b")) is not None  # another key has its own budget
    off = _store(redis_url, api_tokens="env-a", rate_limit_per_minute=0)
    assert off.run(off.access.admit("env-a")) is not None  # 0: off


def test_token_commands(
    redis_url: str,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UNICRON_KEY", "token-command-key-0123456789")
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["token", "create", "--name", "deploy", "--scopes", "jobs:read,jobs:write"]) == 0
    created = capsys.readouterr()
    token = created.out.strip()
    assert "cannot be shown again" in created.err
    assert store.run(store.access.admit(token)) is not None
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().out == "deploy\tjobs:read,jobs:write\n"
    assert main(["token", "create", "--name", "x", "--scopes", "root"]) == 2
    assert "the scopes are" in capsys.readouterr().err
    assert main(["token", "revoke", "deploy"]) == 0
    assert main(["token", "revoke", "deploy"]) == 2
    with pytest.raises(SystemExit):
        main(["token", "create", "--help"])
    out = capsys.readouterr().out
    assert all(scope.value in out for scope in Scope)  # the help lists them all


def test_admit_looks_up_and_counts_in_one_round_trip(redis_url: str, redis_client: redis.Redis) -> None:
    store = _store(redis_url, api_tokens="env-token-0123456789", rate_limit_per_minute=2)
    token = store.run(store.access.create(name="ci", scopes=frozenset({Scope.TASKS_WRITE})))
    for _ in range(2):
        principal = store.run(store.access.admit(token))
        assert principal == Principal(name="ci", scopes=frozenset({Scope.TASKS_WRITE}))
    with pytest.raises(RateLimited) as refused:
        store.run(store.access.admit(token))
    assert 1 <= refused.value.retry_after_s <= 61
    # An unknown token is refused and counts against nothing (no counter is made for it).
    counters = set(redis_client.keys("unicron:rate:*"))
    assert store.run(store.access.admit("uc_unknown")) is None
    assert set(redis_client.keys("unicron:rate:*")) == counters
    # Environment keys are counted by name; the limit off counts nothing.
    assert store.run(store.access.admit("env-token-0123456789")) is not None
    off = _store(redis_url, rate_limit_per_minute=0)
    other = off.run(off.access.create(name="other", scopes=frozenset({Scope.JOBS_READ})))
    before = set(redis_client.keys("unicron:rate:*"))
    for _ in range(5):
        assert off.run(off.access.admit(other)) is not None
    assert set(redis_client.keys("unicron:rate:*")) == before
    # Revoking takes effect at the next request: nothing is cached.
    store.run(store.access.revoke(name="ci"))
    assert store.run(store.access.admit(token)) is None
