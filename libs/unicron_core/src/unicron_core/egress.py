"""The egress guard: which addresses a job's URL or webhook may reach.

Only http and https. Every A and AAAA record of the host is checked, and the URL is refused if any
address is loopback, link-local (the cloud metadata addresses included), unspecified, multicast or
reserved, or hides one of those inside an IPv6 form (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
Teredo) — unless ``UNICRON_EGRESS_ALLOW`` lists the host or a network holding the address.
Private ranges are allowed (in-cluster services are the main use); ``UNICRON_EGRESS_DENY`` can
refuse them. The caller connects to the addresses returned by :meth:`EgressGuard.check`, never
to a second lookup, so a DNS answer that changes after the check changes nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import httpx

from unicron_core.errors import EgressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

# Addresses whose purpose is this host, its link or the cloud it runs in: never a job's target.
_METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_RESERVED_MORE = (
    ipaddress.ip_network("0.0.0.0/8"),  # "this network"
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("255.255.255.255/32"),  # broadcast
)


def _site_local(address: IPAddress) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and address.is_site_local


def _rule(address: IPAddress) -> str | None:
    """The name of the rule that forbids ``address`` itself, or None."""
    checks = (
        ("is the cloud metadata address", address in _METADATA),
        ("is loopback", address.is_loopback),
        ("is link-local", address.is_link_local),
        ("is unspecified", address.is_unspecified),
        ("is multicast", address.is_multicast),
        (
            "is reserved",
            address.is_reserved or _site_local(address) or any(address in n for n in _RESERVED_MORE),
        ),
    )
    return next((name for name, hit in checks if hit), None)


def embedded(address: IPAddress) -> Iterator[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return
    if address.ipv4_mapped is not None:
        yield address.ipv4_mapped
    if address.sixtofour is not None:
        yield address.sixtofour
    if address.teredo is not None:
        yield from address.teredo
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in net for net in _NAT64) or (address in _IPV4_COMPATIBLE and int(address) > 1):
        yield low32


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and what to call the host in the Host header and TLS."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


class EgressGuard:
    """Decides whether a URL may be called, and pins it to the addresses it checked."""

    def __init__(
        self,
        *,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self._allow_nets, self._allow_hosts = _split(allow, "UNICRON_EGRESS_ALLOW")
        self._deny_nets, _ = _split(deny, "UNICRON_EGRESS_DENY", hosts=False)
        self._resolve = resolver or resolve

    def check(self, url: str, *, unresolved_ok: bool = False) -> Target:
        """Resolves ``url``'s host and checks every address.

        Args:
            url: the URL to call.
            unresolved_ok: a host with no address passes (with none): at creation, a name may
                not resolve yet; at run time it must, and then every address is checked.

        Raises:
            EgressRefused: with the rule that refused it.
        """
        try:
            scheme, host, port = _parse(url)
        except (httpx.InvalidURL, ValueError):
            raise EgressRefused("the URL cannot be parsed") from None
        if scheme not in ("http", "https"):
            raise EgressRefused(f"only http and https URLs may be called, not {scheme or 'a relative URL'}")
        if not host:
            raise EgressRefused("the URL has no host")
        port = port or (443 if scheme == "https" else 80)
        try:
            addresses = self._addresses(host, port)
        except EgressRefused:
            if not unresolved_ok:
                raise
            addresses = []
        if host.lower().rstrip(".") not in self._allow_hosts:
            for address in addresses:
                self._check_address(host, address)
        return Target(url=url, scheme=scheme, host=host, port=port, addresses=tuple(addresses))

    def resolves(self, url: str) -> bool:
        """Whether ``check(url)`` would ask DNS: its host is a name, not an address or localhost.
        (The API checks such a URL off its event loop, where a slow resolver cannot stall it.)"""
        try:
            _, host, _ = _parse(url)
        except (httpx.InvalidURL, ValueError):
            return False
        try:
            ipaddress.ip_address(host)
        except ValueError:
            name = host.lower().rstrip(".")
            return bool(name) and name != "localhost" and not name.endswith(".localhost")
        return False

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        name = host.lower().rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: loopback, whatever DNS says
            return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
        try:
            found = self._resolve(host, port)
        except OSError as exc:
            raise EgressRefused(f"cannot resolve {host!r}: {exc.strerror or exc}") from None
        if not found:
            raise EgressRefused(f"{host!r} has no address")
        return found

    def _check_address(self, host: str, address: IPAddress) -> None:
        if any(address in net for net in self._allow_nets):
            return
        for candidate in (*embedded(address), address):  # name the carried address first
            if any(candidate in net for net in self._deny_nets):
                raise EgressRefused(f"{host} resolves to {address}, denied by UNICRON_EGRESS_DENY")
            rule = _rule(candidate)
            if rule is not None and not any(candidate in net for net in self._allow_nets):
                inside = "" if candidate == address else f" (it carries {candidate})"
                raise EgressRefused(
                    f"{host} resolves to {address}{inside}, which {rule}; "
                    "list it in UNICRON_EGRESS_ALLOW to allow it"
                )


@lru_cache(maxsize=4096)
def _parse(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port by httpx's own parser, so the host checked is the host the worker's
    client calls. Cached: jobs and tasks call the same URLs over and over (the API parsed each twice,
    9 % of a job submission's instructions); only the parse is cached, never an address or a decision."""
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every A and AAAA address of ``host`` (getaddrinfo, as the HTTP client itself would)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def _split(entries: Iterable[str], setting: str, *, hosts: bool = True) -> tuple[list[IPNetwork], set[str]]:
    """CIDRs (or single addresses) and, where allowed, host names of an allow or deny list."""
    nets: list[IPNetwork] = []
    names: set[str] = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            if not hosts or "/" in entry:
                raise ValueError(f"{setting}: {entry!r} is not a network") from None
            names.add(entry.lower().rstrip("."))
    return nets, names
