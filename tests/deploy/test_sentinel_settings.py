"""REDIS_SENTINELS and friends: parsed strictly, refused in one line, turned into a Sentinel client."""

from __future__ import annotations

import pytest
from redis.sentinel import SentinelConnectionPool

from unicron_core.errors import ConfigError
from unicron_core.settings import Settings, get_settings, parse_host_ports
from unicron_core.store import open_redis

KEY = "sentinel-settings-key-0123456789"


def test_host_ports_are_parsed() -> None:
    assert parse_host_ports(" s1:26379, [::1]:26380,,10.0.0.3:1 ") == [
        ("s1", 26379),
        ("::1", 26380),
        ("10.0.0.3", 1),
    ]
    assert parse_host_ports("") == []


@pytest.mark.parametrize("value", ["s1", "s1:", ":26379", "s1:0", "s1:65536", "s1:port", "s1:26379,s2"])
def test_a_bad_sentinel_list_is_one_line_without_the_value(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("UNICRON_KEY", KEY)
    monkeypatch.setenv("REDIS_SENTINELS", value)
    with pytest.raises(ConfigError) as caught:
        get_settings()
    message = str(caught.value)
    assert "REDIS_SENTINELS" in message
    assert "\n" not in message
    assert value not in message


def test_without_sentinels_redis_is_reached_directly() -> None:
    settings = Settings(key=KEY, redis_url="redis://127.0.0.1:1/3")
    client = open_redis(settings)
    assert not isinstance(client.connection_pool, SentinelConnectionPool)
    client.close()


def test_with_sentinels_the_master_comes_from_sentinel() -> None:
    # REDIS_URL's host is ignored; its password and db apply to the master Sentinel names.
    settings = Settings(
        key=KEY,
        redis_url="redis://:master-pass@ignored.invalid:6379/3",
        redis_sentinels="127.0.0.1:1,127.0.0.1:2",
        redis_sentinel_master="unicron",
        redis_sentinel_password="sentinel-pass",
    )
    client = open_redis(settings)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "unicron"
    assert pool.connection_kwargs["password"] == "master-pass"
    assert pool.connection_kwargs["db"] == 3
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [1, 2]
    assert {s.connection_pool.connection_kwargs["password"] for s in sentinels} == {"sentinel-pass"}
    client.close()
