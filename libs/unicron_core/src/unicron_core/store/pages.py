"""Pages read from sorted-set indexes, with opaque cursors (docs/architecture.md, "Pages").

A cursor is the last entry a page showed, ``(score, member)``: the next page starts right after it,
so entries added or removed meanwhile never shift a page (no offsets). Equal scores are ordered by
member, as Redis orders them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from unicron_core.errors import InvalidSpec
from unicron_core.replies import text
from unicron_core.store.ops import Op, call, one


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the score and member of its last entry."""

    score: float
    member: str

    def encode(self) -> str:
        """The cursor as the API hands it out."""
        return base64.urlsafe_b64encode(f"{self.score!r} {self.member}".encode()).decode().rstrip("=")

    @staticmethod
    def decode(value: str | None) -> Cursor | None:
        """A cursor the API handed out (None: the first page).

        Raises:
            InvalidSpec: not one of ours (naming the field ``cursor``).
        """
        if not value:
            return None
        try:
            score, _, member = (
                base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(" ")
            )
            return Cursor(float(score), member)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidSpec("not a cursor this API handed out", field="cursor") from None


def scan(
    key: str,
    *,
    after: Cursor | None,
    count: int,
    descending: bool,
    low: float = float("-inf"),
    high: float = float("inf"),
) -> Op[list[tuple[str, float]]]:
    """Up to ``count`` entries of the zset ``key`` after the cursor, with scores in [low, high],
    in ascending or descending order."""
    entries: list[tuple[str, float]] = []
    offset = 0
    while len(entries) < count:
        want = count - len(entries)
        if descending:
            start = high if after is None else min(high, after.score)
            query = call("zrevrangebyscore", key, start, low, start=offset, num=want, withscores=True)
        else:
            start = low if after is None else max(low, after.score)
            query = call("zrangebyscore", key, start, high, start=offset, num=want, withscores=True)
        (rows,) = yield one(query)
        offset += len(rows)
        for raw, score in rows:
            member = text(raw)
            if after is not None and score == after.score and _not_after(member, after.member, descending):
                continue
            entries.append((member, score))
        if len(rows) < want:
            break
    return entries


def _not_after(member: str, cursor: str, descending: bool) -> bool:
    return member >= cursor if descending else member <= cursor
