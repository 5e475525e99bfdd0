"""Blind indexes: jobs found by an exact tag, name or owner, none of which is stored in clear.

A value's token is HMAC-SHA256 of ``<kind>|<value>`` under the index key, 32 hex digits; index keys
are named by tokens (``keys.tag``, ``keys.owner``) or hold them (``keys.NAMES``). The index key is
random, made by the first node that needs it and kept sealed with the cluster key in
``unicron:indexkey``: rotating the cluster key re-seals it (``Cluster.rotate``), so the indexes stay
valid through a rotation. A copy of Redis shows which jobs share a tag, not the tag.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from unicron_core import keys
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Op, call, one

INDEX_KEY_BYTES = 32
TOKEN_CHARS = 32  # 128 bits of the HMAC, hex


class Blind:
    """Tokens of values, under the cluster's index key (loaded once per process, by the first op
    that needs it)."""

    def __init__(self, *, codec: Codec) -> None:
        self._codec = codec
        self._key: bytes | None = None

    def key(self) -> Op[bytes]:
        """The index key: read and opened once, made and written by the first node of a cluster."""
        if self._key is not None:
            return self._key
        (blob,) = yield one(call("get", keys.INDEX_KEY))
        if blob is None:
            mine = self._codec.seal("index-key", "cluster", os.urandom(INDEX_KEY_BYTES))
            (written,) = yield one(call("set", keys.INDEX_KEY, mine, nx=True))
            blob = mine
            if not written:  # another node made it first: theirs is the cluster's
                (blob,) = yield one(call("get", keys.INDEX_KEY))
        self._key = self._codec.open_bytes("index-key", "cluster", blob)
        return self._key

    @staticmethod
    def token(key: bytes, kind: str, value: str) -> str:
        """The token of ``value`` (a ``kind``: tag, name, owner)."""
        digest = hmac.new(key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()
        return digest[:TOKEN_CHARS]
