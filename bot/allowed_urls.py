"""Which URLs and addresses the bot may fetch: http(s) to public addresses, or what is allowed.

Pure (ipaddress, urllib.parse): `/addfeed`, `newsbot feeds add` and the fetcher's connection
check (bot/ingest/fetch.py, on every resolved address of every redirect hop) share these rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Names that resolve to this host on any resolver (RFC 6761), whatever DNS says.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a URL or address is not fetched: `code` is scheme, host or internal."""

    code: str
    detail: str
    # For the reader's own words: the host as typed and what makes it internal (`loopback`,
    # `private`, …, `local` for this machine's names), or why the host is refused.
    host: str = ""
    kind: str = ""

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True, slots=True)
class Allowed:
    """The operator's exceptions (setting `fetch_allow`): host names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowed:
        """Entries are host names (feeds.intranet.example), addresses or CIDR networks."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            problem = entry_problem(entry)
            if problem:
                raise ValueError(problem)
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(_host_key(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when the operator allowed this host name."""
        return _host_key(host) in self.hosts

    def allows_address(self, address: Address) -> bool:
        """True when the address lies in a network the operator allowed."""
        both = {address, _embedded(address)}
        return any(a in n for n in self.networks for a in both if a.version == n.version)


def entry_problem(entry: str) -> str | None:
    """Why an allow-list entry is unusable (None when it is a host name, address or network)."""
    text = entry.strip()
    if not text:
        return "an empty entry"
    try:
        ipaddress.ip_network(text, strict=False)
        return None
    except ValueError:
        pass
    labels = _host_key(text).split(".")
    if all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels):
        return None
    return f"{entry!r} is neither a host name nor an address or network like 10.1.0.0/16"


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _embedded(address: Address) -> Address:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 IPv6 address; else the address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_kind(address: Address) -> str | None:
    """What makes an address internal (loopback, private, …); None for a public address."""
    # The embedded IPv4 address first: it names what the connection would really reach.
    for candidate in dict.fromkeys((_embedded(address), address)):
        for kind, hit in (
            ("unspecified", candidate.is_unspecified),
            ("loopback", candidate.is_loopback),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("private", candidate.is_private),
            ("reserved", candidate.is_reserved),
            # Shared address space (100.64/10), documentation and benchmark ranges, …
            ("not public", not candidate.is_global),
        ):
            if hit:
                return kind
    return None


def address_refusal(host: str, address: str, allowed: Allowed) -> Refusal | None:
    """Refuse a connection to `address` (resolved from `host`) unless it is public or allowed."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return Refusal("internal", f"{address!r} is not an IP address", host, "reserved")
    kind = address_kind(ip)
    if kind is None or allowed.allows_host(host) or allowed.allows_address(ip):
        return None
    shown = host if _host_key(host) == _host_key(str(ip)) else f"{host} ({ip})"
    return Refusal(
        "internal", f"{shown} is a {kind} address; allow it with fetch_allow", shown, kind
    )


def url_refusal(url: str, allowed: Allowed) -> Refusal | None:
    """Refuse a URL that is not http(s), has no host, or names an internal host or address.

    Names are checked here; what a name resolves to is checked when the fetcher connects.
    """
    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        return Refusal("scheme", "not a URL (empty, too long or with spaces)")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError:
        return Refusal("scheme", "not a URL (bad host or port)")
    if parts.scheme.lower() not in SCHEMES:
        return Refusal("scheme", "only http:// and https:// URLs are fetched")
    if not host:
        return Refusal("host", "the URL has no host name", kind="no_host")
    if parts.username or parts.password:
        return Refusal("host", "the URL carries a user name or password", kind="credentials")
    if allowed.allows_host(host):
        return None
    key = _host_key(host)
    if key in _LOCAL_NAMES or key.endswith(".localhost"):
        return Refusal(
            "internal", f"{host} is this machine; allow it with fetch_allow", host, "local"
        )
    try:
        ipaddress.ip_address(key.split("%", 1)[0])
    except ValueError:
        return None  # a name: its addresses are checked at connection time
    return address_refusal(host, key, allowed)
