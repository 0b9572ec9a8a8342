"""No server-side request forgery: a webhook URL must be http(s) and reach the public Internet.

``check_url`` parses and resolves a URL and refuses loopback, private, link-local, multicast,
reserved and other non-global addresses (unless ``WEBHOOK_ALLOW_PRIVATE=1``). It returns the
addresses it checked, and ``post`` connects to one of *those* addresses — never resolving the name a
second time — so a DNS answer that changes between the check and the request (rebinding) cannot
steer the request inside. Redirects are never followed.
"""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000


class UnsafeUrl(ValueError):
    """The URL is malformed or points where webhooks may not go; ``str()`` says why (Italian)."""


@dataclasses.dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, never empty
    addresses: tuple[str, ...]


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]
        if addr not in out:
            out.append(addr)
    return out


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a webhook URL; ``UnsafeUrl`` when it is not one."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeUrl("indirizzo mancante")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise UnsafeUrl("indirizzo non valido")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("indirizzo non valido") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl("solo indirizzi http o https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("le credenziali nell'indirizzo non sono ammesse")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("indirizzo senza host")
    try:
        host.encode("idna")
    except UnicodeError as exc:
        raise UnsafeUrl("nome host non valido") from exc
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def check_url(url: str, *, allow_private: bool = False, resolve: Callable[[str, int], list[str]] = _resolve) -> Target:
    """Parse and resolve ``url``; every address it resolves to must be public (unless allowed)."""
    scheme, host, port, path = parse_url(url)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeUrl("il nome host non si risolve") from exc
    if not addresses:
        raise UnsafeUrl("il nome host non si risolve")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise UnsafeUrl(f"indirizzo non pubblico ({address}): rete locale, loopback o riservata")
    return Target(scheme, host, port, path, tuple(addresses))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    location: str | None


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float = 5.0) -> Response:
    """POST ``body`` to the checked address of ``target``; a redirect is returned, never followed."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target.host, target.port, target.addresses[0], timeout)
    try:
        conn.request("POST", target.path, body=body, headers={**headers, "Content-Length": str(len(body))})
        resp = conn.getresponse()
        data = resp.read(4096)
        return Response(resp.status, data, resp.getheader("Location"))
    finally:
        conn.close()
