"""The egress guard against hostile URLs: numeric tricks, IPv6 wrappings, names that resolve inward."""

from __future__ import annotations

import contextlib
import ipaddress

import pytest

from unicron_core.egress import EgressGuard, IPAddress, embedded, resolve
from unicron_core.errors import EgressRefused

from helpers import HOSTILE

NAMES = {
    "loopback.test": ["127.0.0.1"],
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "v6loop.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "public.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "inside.test": ["10.1.2.3"],
}


def fake_resolver(host: str, port: int) -> list[IPAddress]:
    if host not in NAMES:
        raise OSError(-2, "Name or service not known")
    return [ipaddress.ip_address(a) for a in NAMES[host]]


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Test names from the table; everything else (numeric forms, localhost) through the real libc."""
    return fake_resolver(host, port) if host.endswith(".test") else resolve(host, port)


def guard(allow: tuple[str, ...] = (), deny: tuple[str, ...] = ()) -> EgressGuard:
    return EgressGuard(allow=allow, deny=deny, resolver=_resolve)


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_url_is_refused(url: str) -> None:
    with pytest.raises(EgressRefused):
        guard().check(url)


def test_there_are_at_least_40_hostile_urls() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize(
    "url",
    [
        "http://public.test/x",
        "https://public.test:8443/",
        "http://10.0.0.5/",
        "http://inside.test/",
        "http://192.168.1.1/",
        "http://[fc00::1]/",
    ],
)
def test_public_and_private_addresses_are_allowed(url: str) -> None:
    target = guard().check(url)
    assert target.addresses


def test_check_pins_every_address() -> None:
    target = guard().check("https://public.test/path?q=1")
    assert target.host == "public.test" and target.port == 443 and target.scheme == "https"
    assert [str(a) for a in target.addresses] == NAMES["public.test"]


def test_messages_name_the_rule() -> None:
    with pytest.raises(EgressRefused, match="metadata"):
        guard().check("http://169.254.169.254/")
    with pytest.raises(EgressRefused, match=r"carries 127\.0\.0\.1"):
        guard().check("http://[64:ff9b::127.0.0.1]/")
    with pytest.raises(EgressRefused, match="UNICRON_EGRESS_ALLOW"):
        guard().check("http://127.0.0.1/")


def test_allow_list_by_network_and_by_name() -> None:
    assert guard(allow=("127.0.0.0/8",)).check("http://127.0.0.1:8080/")
    assert guard(allow=("loopback.test",)).check("http://loopback.test/")
    with pytest.raises(EgressRefused):
        guard(allow=("loopback.test",)).check("http://127.0.0.1/")


def test_deny_list_refuses_private_ranges() -> None:
    with pytest.raises(EgressRefused, match="UNICRON_EGRESS_DENY"):
        guard(deny=("10.0.0.0/8",)).check("http://inside.test/")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="UNICRON_EGRESS_DENY"):
        EgressGuard(deny=["not-a-network"])


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("64:ff9b::7f00:1", "127.0.0.1"),
        ("2002:7f00:1::", "127.0.0.1"),
        ("::7f00:1", "127.0.0.1"),
    ],
)
def test_embedded_ipv4(address: str, inner: str) -> None:
    assert ipaddress.ip_address(inner) in set(embedded(ipaddress.ip_address(address)))


@pytest.mark.parametrize(
    ("url", "asks_dns"),
    [
        ("http://192.0.2.10/", False),
        ("http://[::1]:8080/x", False),
        ("http://localhost/", False),
        ("http://api.localhost./", False),
        ("https://example.com/hook", True),
        ("http://billing.internal:8080/", True),
        ("not a url", False),
    ],
)
def test_resolves_tells_when_check_would_ask_dns(url: str, asks_dns: bool) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address("203.0.113.7")]

    guard = EgressGuard(resolver=resolver)
    assert guard.resolves(url) is asks_dns
    with contextlib.suppress(EgressRefused):
        guard.check(url, unresolved_ok=True)
    assert bool(asked) is asks_dns
