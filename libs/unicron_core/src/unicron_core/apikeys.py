"""API keys with scopes: random, shown once, stored only as SHA-256 hashes (the store's
``access`` module keeps them). A key is looked up by the SHA-256 of what the client sent, so a
stored hash is never compared byte by byte with a secret."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from unicron_core.errors import InvalidSpec

TOKEN_PREFIX = "uc_"  # noqa: S105 - marks a Unicron key in a leak scan; not a secret
TOKEN_BYTES = 32  # 256 bits
NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
ENV_NAMES = ("env", "admin")  # the names of the keys the environment gives


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


# Whoever holds the cluster key and reaches Redis: the CLI's admin commands and bulk imports act as it.
OPERATOR = Principal(name="operator", scopes=ALL_SCOPES)


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
        raise InvalidSpec(f"unknown scope in {names!r}; the scopes are {known}", field="scopes") from None


def check_new_key(name: str, scopes: frozenset[Scope]) -> None:
    """Raises ``InvalidSpec`` for a name or scopes a new key cannot have."""
    if not NAME.match(name) or name in ENV_NAMES:
        raise InvalidSpec(
            "a key name is 1-64 of A-Z a-z 0-9 _ . @ - (and not 'env' or 'admin')", field="name"
        )
    if not scopes:
        raise InvalidSpec("a key needs at least one scope", field="scopes")


def new_token() -> str:
    """A new random key, ``uc_`` and 43 URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """The SHA-256 of a key, as stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
