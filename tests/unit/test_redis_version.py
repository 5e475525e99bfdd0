"""Every node refuses a Redis older than 6.2 at start (the FIRE script copies hashes with COPY)."""

from __future__ import annotations

import pytest

from unicron_core.store.cluster import redis_supported


@pytest.mark.parametrize(
    ("version", "ok"), [("6.2.0", True), ("6.2.14", True), ("7.2.4", True), ("10.0", True)]
)
def test_supported(version: str, ok: bool) -> None:
    assert redis_supported(version) is ok


@pytest.mark.parametrize("version", ["6.0.16", "5.0.14", "unknown", ""])
def test_too_old_or_unknown(version: str) -> None:
    assert redis_supported(version) is False
