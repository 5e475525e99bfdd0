"""Who may call the API: stored API keys (hashes only) and the keys the environment gives
(``UNICRON_ADMIN_TOKEN``, ``UNICRON_API_TOKENS``), each request counted against the rate limit."""

from __future__ import annotations

import hmac
import time

from unicron_core import apikeys, keys
from unicron_core.apikeys import ALL_SCOPES, KeyInfo, Principal, Scope, parse_scopes
from unicron_core.errors import Conflict, NotFound
from unicron_core.ratelimit import WINDOW_S, RateLimit
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.scripts import Script


class Access:
    """Operations on API keys (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, settings: Settings) -> None:
        self.limit = RateLimit(settings.rate_limit_per_minute)
        # The environment's keys by their SHA-256, as stored keys are looked up.
        self._env = [(apikeys.digest(t).encode(), "env") for t in settings.api_token_list]
        if admin := settings.admin_token.get_secret_value():
            self._env.append((apikeys.digest(admin).encode(), "admin"))

    def admit(self, token: str) -> Op[Principal | None]:
        """Who holds ``token`` (None for an unknown one), its request counted in the same round
        trip as the lookup. A revoked key is unknown at once: nothing is cached.

        Raises:
            RateLimited: the key is over its limit.
        """
        return (yield from self.admit_digest(apikeys.digest(token)))

    def admit_digest(self, sha: str) -> Op[Principal | None]:
        """``admit`` for the key of SHA-256 ``sha`` (a dashboard session holds only that)."""
        now = time.time()
        window = self.limit.window(now)
        known = self._from_env(sha)
        if known is not None:
            if self.limit.on:
                (count,) = yield one(ScriptCall(Script.RATE_HIT, [keys.rate(known.name, window)], [WINDOW_S]))
                self.limit.check(int(count), now)
            return known
        # A stored key's requests count under its hash (known before the lookup, so one script does
        # both); the ':' keeps it apart from a key name and from 'env' and 'admin'.
        script_keys = [keys.api_key(sha), keys.rate(f"sha256:{sha}", window)]
        (reply,) = yield one(ScriptCall(Script.API_KEY_HIT, script_keys, [WINDOW_S, int(self.limit.on)]))
        if not reply:
            return None
        name, scopes, count = reply
        self.limit.check(int(count), now)
        return Principal(name=text(name), scopes=parse_scopes(text(scopes)))

    def _from_env(self, sha: str) -> Principal | None:
        given = sha.encode()
        # Every environment key is compared, so the time taken says nothing about which nearly matched.
        matches = [name for env, name in self._env if hmac.compare_digest(given, env)]
        return Principal(name=matches[0], scopes=ALL_SCOPES) if matches else None

    def create(self, *, name: str, scopes: frozenset[Scope]) -> Op[str]:
        """Makes a key and returns it: the only time it is ever shown.

        Raises:
            InvalidSpec: a bad name or no scope. Conflict: the name is taken.
        """
        apikeys.check_new_key(name, scopes)
        token = apikeys.new_token()
        sha = apikeys.digest(token)
        (taken,) = yield one(call("hsetnx", keys.API_KEY_NAMES, name, sha))
        if not taken:
            raise Conflict(f"an API key named {name!r} exists; revoke it first")
        record = {"name": name, "scopes": ",".join(sorted(scopes)), "created": time.time()}
        yield one(call("hset", keys.api_key(sha), mapping=record))
        return token

    def list(self) -> Op[list[KeyInfo]]:
        """Every stored key, by name."""
        (names,) = yield one(call("hgetall", keys.API_KEY_NAMES))
        ordered = sorted(names.items())
        records = yield Batch([call("hgetall", keys.api_key(text(sha))) for _, sha in ordered])
        return [
            KeyInfo(name=text(name), scopes=text(r[b"scopes"]).split(","), created=float(r[b"created"]))
            for (name, _), r in zip(ordered, records, strict=True)
            if r
        ]

    def revoke(self, *, name: str) -> Op[None]:
        """Deletes a key at once.

        Raises:
            NotFound: no key of that name.
        """
        (sha,) = yield one(call("hget", keys.API_KEY_NAMES, name))
        if sha is None:
            raise NotFound(f"no API key named {name!r}")
        yield Batch(
            [call("delete", keys.api_key(text(sha))), call("hdel", keys.API_KEY_NAMES, name)], atomic=True
        )
