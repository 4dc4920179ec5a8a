"""Which webhook URLs may be called (SSRF): http or https, no credentials in the URL, and a host
whose every address is global — no private, loopback, link-local, shared, reserved, multicast or
unspecified address, IPv4 or IPv6 (IPv4-mapped IPv6 judged as the IPv4 it maps) — unless
`WEBHOOK_ALLOW_PRIVATE_ADDRESSES` is on (the tests' local receiver).

Checked at registration, and again at every delivery: a name may resolve elsewhere later (DNS
rebinding), so a delivery resolves once, checks every address, and connects to one it checked."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from stretchapi.errors import FieldProblem, InvalidData


class AddressRefused(Exception):
    """The URL may not be called; the message says why (a code in `code`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A URL split for sending, with the checked addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str  # with its query
    addresses: tuple[str, ...]


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def target(url: str) -> Target:
    """Resolve and check `url`; raises `AddressRefused`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise AddressRefused("scheme_not_allowed", "Only http and https URLs can receive webhooks.")
    if parts.username or parts.password:
        raise AddressRefused("credentials_in_url", "Put no user name or password in the URL.")
    host = parts.hostname
    if not host:
        raise AddressRefused("invalid", "The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise AddressRefused("invalid", "The URL's port is not valid.") from error
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused("host_not_found", f"The host {host!r} does not resolve.") from error
    addresses = tuple(dict.fromkeys(info[4][0] for info in found))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not all(address_allowed(a) for a in addresses):
        raise AddressRefused(
            "address_not_allowed",
            "The URL's host resolves to a private, loopback, link-local or otherwise non-public address.",
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses)


def url_check(url: str, *, field: str = "url") -> None:
    """Refuse a URL that may not receive webhooks, as `InvalidData` naming `field`."""
    try:
        target(url)
    except AddressRefused as refused:
        raise InvalidData([FieldProblem(field, refused.code, str(refused))]) from refused
