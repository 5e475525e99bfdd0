"""API keys with scopes: random, shown once, stored only as SHA-256 hashes.

A key is looked up by the SHA-256 of what the client sent, so the stored hash is never compared
byte by byte with a secret; the keys that come from the environment (``UNICRON_ADMIN_TOKEN`` and
the full-access ``UNICRON_API_TOKENS``) are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from unicron_core import keys, lua
from unicron_core.errors import Conflict, InvalidSpec, NotFound
from unicron_core.ratelimit import WINDOW_S, RateLimiter
from unicron_core.replies import text

TOKEN_PREFIX = "uc_"  # noqa: S105 - marks a Unicron key in a leak scan; not a secret
TOKEN_BYTES = 32  # 256 bits
NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Scope(StrEnum):
    """What a key may do."""

    JOBS_READ = "jobs:read"
    JOBS_WRITE = "jobs:write"
    TASKS_WRITE = "tasks:write"
    COMMANDS = "commands"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Principal:
    """Who made a request: the key's name and its scopes (``admin`` holds them all)."""

    name: str
    scopes: frozenset[Scope]

    def may(self, scope: Scope) -> bool:
        """True when the key holds ``scope`` or ``admin``."""
        return scope in self.scopes or Scope.ADMIN in self.scopes


@dataclass(frozen=True)
class KeyInfo:
    """A stored key as listed: never the key itself."""

    name: str
    scopes: list[str]
    created: float


def parse_scopes(text: str | list[str]) -> frozenset[Scope]:
    """``"jobs:read,commands"`` (or a list) as scopes.

    Raises:
        InvalidSpec: an unknown scope, naming the known ones.
    """
    names = text.split(",") if isinstance(text, str) else text
    try:
        return frozenset(Scope(name.strip()) for name in names if name.strip())
    except ValueError:
        known = ", ".join(sorted(ALL_SCOPES))
        raise InvalidSpec(f"unknown scope in {names!r}; the scopes are {known}") from None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _rate_name(digest: str) -> str:
    """What a stored key's requests are counted under: its hash (known before the lookup, so one
    script does both); the ``:`` keeps it apart from a key name and from ``env`` and ``admin``."""
    return f"sha256:{digest}"


class ApiKeys:
    """Keys kept in Redis, plus the ones the environment gives."""

    def __init__(self, *, redis: Redis, env_tokens: Sequence[str] = (), admin_token: str = "") -> None:
        self._redis = redis
        self._admit = redis.register_script(lua.API_KEY_HIT)
        self._env = [(t.encode(), "env", ALL_SCOPES) for t in env_tokens if t]
        if admin_token:
            self._env.append((admin_token.encode(), "admin", ALL_SCOPES))

    def create(self, *, name: str, scopes: frozenset[Scope]) -> str:
        """Makes a key and returns it: the only time it is ever shown.

        Raises:
            InvalidSpec: a bad name or no scope. Conflict: the name is taken.
        """
        if not NAME.match(name) or name in ("env", "admin"):
            raise InvalidSpec("a key name is 1-64 of A-Z a-z 0-9 _ . @ - (and not 'env' or 'admin')")
        if not scopes:
            raise InvalidSpec("a key needs at least one scope")
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        digest = _digest(token)
        if not self._redis.hsetnx(keys.API_KEY_NAMES, name, digest):
            raise Conflict(f"an API key named {name!r} exists; revoke it first")
        self._redis.hset(
            keys.api_key(digest),
            mapping={
                "name": name,
                "scopes": ",".join(sorted(scopes)),
                "created": time.time(),
            },
        )
        return token

    def authenticate(self, token: str) -> Principal | None:
        """Who holds ``token``, or None for an unknown one."""
        known = self._from_env(token)
        if known is not None:
            return known
        fields = self._redis.hmget(keys.api_key(_digest(token)), ["name", "scopes"])
        if fields[0] is None:
            return None
        return Principal(name=text(fields[0]), scopes=parse_scopes(text(fields[1])))

    def admit(self, token: str, *, limiter: RateLimiter) -> Principal | None:
        """Who holds ``token`` (None for an unknown one), its request counted against ``limiter``
        in the same round trip as the lookup. A revoked key is unknown at once: nothing is cached.

        Raises:
            RateLimited: the key is over its limit.
        """
        known = self._from_env(token)
        if known is not None:
            limiter.hit(known.name)
            return known
        now = time.time()
        script_keys, args = self._admit_call(token, limiter, now)
        return self._admitted(self._admit(keys=script_keys, args=args), limiter, now)

    async def admit_async(self, token: str, *, limiter: RateLimiter, redis: AsyncRedis) -> Principal | None:
        """``admit`` on an asyncio client (the API's event loop)."""
        known = self._from_env(token)
        if known is not None:
            await limiter.hit_async(known.name, redis=redis)
            return known
        now = time.time()
        script_keys, args = self._admit_call(token, limiter, now)
        # A script object per call (a SHA-1 of the text): it loads the script if Redis lacks it.
        reply = await redis.register_script(lua.API_KEY_HIT)(keys=script_keys, args=args)
        return self._admitted(reply, limiter, now)

    def _admit_call(self, token: str, limiter: RateLimiter, now: float) -> tuple[list[str], list[int]]:
        digest = _digest(token)
        return [keys.api_key(digest), limiter.counter(_rate_name(digest), now)], [WINDOW_S, int(limiter.on)]

    @staticmethod
    def _admitted(reply: list[bytes | int], limiter: RateLimiter, now: float) -> Principal | None:
        if not reply:
            return None
        name, scopes, count = reply
        limiter.check(int(count), now)
        return Principal(name=text(name), scopes=parse_scopes(text(scopes)))

    def _from_env(self, token: str) -> Principal | None:
        given = token.encode()
        # Every environment token is compared, so the time taken says nothing about which nearly matched.
        matches = [(name, scopes) for env, name, scopes in self._env if hmac.compare_digest(given, env)]
        if not matches:
            return None
        name, scopes = matches[0]
        return Principal(name=name, scopes=scopes)

    def list(self) -> list[KeyInfo]:
        """Every stored key, by name."""
        digests = self._redis.hgetall(keys.API_KEY_NAMES)
        infos = []
        for name, digest in sorted(digests.items()):
            fields = self._redis.hgetall(keys.api_key(text(digest)))
            if fields:
                infos.append(
                    KeyInfo(
                        name=text(name),
                        scopes=text(fields[b"scopes"]).split(","),
                        created=float(fields[b"created"]),
                    )
                )
        return infos

    def revoke(self, name: str) -> None:
        """Deletes a key at once.

        Raises:
            NotFound: no key of that name.
        """
        digest = self._redis.hget(keys.API_KEY_NAMES, name)
        if digest is None:
            raise NotFound(f"no API key named {name!r}")
        with self._redis.pipeline() as pipe:
            pipe.delete(keys.api_key(text(digest)))
            pipe.hdel(keys.API_KEY_NAMES, name)
            pipe.execute()
