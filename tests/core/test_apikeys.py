"""API keys (hashed, scoped, revocable) and the per-key rate limit, on a real Redis."""

from __future__ import annotations

import hashlib

import pytest
import redis

from unicron.cli import main
from unicron_core.apikeys import ALL_SCOPES, ApiKeys, Principal, Scope, parse_scopes
from unicron_core.errors import Conflict, InvalidSpec, NotFound, RateLimited
from unicron_core.ratelimit import RateLimiter


def test_create_authenticate_list_revoke(redis_client: redis.Redis) -> None:
    api_keys = ApiKeys(redis=redis_client)
    token = api_keys.create(name="ci", scopes=parse_scopes("jobs:read,tasks:write"))
    assert token.startswith("uc_") and len(token) >= 3 + 43  # 256 bits, URL-safe
    principal = api_keys.authenticate(token)
    assert principal is not None and principal.name == "ci"
    assert principal.may(Scope.JOBS_READ) and not principal.may(Scope.JOBS_WRITE)
    assert [info.name for info in api_keys.list()] == ["ci"]
    api_keys.revoke("ci")
    assert api_keys.authenticate(token) is None
    with pytest.raises(NotFound):
        api_keys.revoke("ci")


def test_only_the_hash_is_stored(redis_client: redis.Redis) -> None:
    token = ApiKeys(redis=redis_client).create(name="k", scopes=frozenset({Scope.ADMIN}))
    dump = b"".join(b"".join(redis_client.hgetall(key).values()) + key for key in redis_client.keys("*"))
    assert token.encode() not in dump
    assert hashlib.sha256(token.encode()).hexdigest().encode() in dump


def test_names_scopes_and_duplicates(redis_client: redis.Redis) -> None:
    api_keys = ApiKeys(redis=redis_client)
    api_keys.create(name="a", scopes=frozenset({Scope.COMMANDS}))
    with pytest.raises(Conflict):
        api_keys.create(name="a", scopes=frozenset({Scope.COMMANDS}))
    for bad in ("", "has space", "env", "x" * 65):
        with pytest.raises(InvalidSpec):
            api_keys.create(name=bad, scopes=frozenset({Scope.COMMANDS}))
    with pytest.raises(InvalidSpec, match="the scopes are"):
        parse_scopes("jobs:read,root")
    with pytest.raises(InvalidSpec, match="at least one scope"):
        api_keys.create(name="none", scopes=frozenset())


def test_environment_tokens_are_full_access(redis_client: redis.Redis) -> None:
    api_keys = ApiKeys(redis=redis_client, env_tokens=["legacy-token"], admin_token="bootstrap-admin")
    legacy = api_keys.authenticate("legacy-token")
    admin = api_keys.authenticate("bootstrap-admin")
    assert legacy is not None and legacy.scopes == ALL_SCOPES and legacy.name == "env"
    assert admin is not None and admin.name == "admin"
    assert api_keys.authenticate("legacy-tokeN") is None


def test_rate_limit_per_key(redis_client: redis.Redis) -> None:
    limiter = RateLimiter(redis=redis_client, per_minute=3)
    for _ in range(3):
        limiter.hit("a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert 1 <= refused.value.retry_after_s <= 61
    limiter.hit("b")  # another key has its own budget
    RateLimiter(redis=redis_client, per_minute=0).hit("a")  # 0: off


def test_token_commands(
    redis_url: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UNICRON_KEY", "token-command-key-0123456789")
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["token", "create", "--name", "deploy", "--scopes", "jobs:read,jobs:write"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert "cannot be shown again" in out.err
    assert ApiKeys(redis=redis_client).authenticate(token) is not None
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


def test_admit_looks_up_and_counts_in_one_round_trip(redis_client: redis.Redis) -> None:
    api_keys = ApiKeys(redis=redis_client, env_tokens=["env-token-0123456789"])
    limiter = RateLimiter(redis=redis_client, per_minute=2)
    token = api_keys.create(name="ci", scopes=frozenset({Scope.TASKS_WRITE}))
    for _ in range(2):
        principal = api_keys.admit(token, limiter=limiter)
        assert principal == Principal(name="ci", scopes=frozenset({Scope.TASKS_WRITE}))
    with pytest.raises(RateLimited) as refused:
        api_keys.admit(token, limiter=limiter)
    assert 1 <= refused.value.retry_after_s <= 61
    # An unknown token is refused and counts against nothing (no counter is made for it).
    counters = set(redis_client.keys("unicron:rate:*"))
    assert api_keys.admit("uc_unknown", limiter=limiter) is None
    assert set(redis_client.keys("unicron:rate:*")) == counters
    # Environment keys are counted by name; the limit off counts nothing.
    assert api_keys.admit("env-token-0123456789", limiter=limiter) is not None
    off = RateLimiter(redis=redis_client, per_minute=0)
    other = api_keys.create(name="other", scopes=frozenset({Scope.JOBS_READ}))
    for _ in range(5):
        assert api_keys.admit(other, limiter=off) is not None
    # Revoking takes effect at the next request: nothing is cached.
    api_keys.revoke("ci")
    assert api_keys.admit(token, limiter=limiter) is None
