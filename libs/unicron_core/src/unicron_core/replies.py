"""Redis replies as Python values: the client is built without ``decode_responses`` (RQ needs bytes)."""

from __future__ import annotations


def text(value: object) -> str:
    """A reply as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
