"""A trusted reverse proxy's forwarded headers → the request as the user made it.

Behind nginx the app sees the proxy's address, plain http and whatever Host the proxy sends. When
the request comes from an address of INCUBATOR_TRUSTED_PROXIES, this middleware takes the scheme,
host and client address from `Forwarded` (RFC 7239) or, without it, `X-Forwarded-Proto`,
`X-Forwarded-Host` and `X-Forwarded-For`; from any other sender those headers are ignored, since
anyone can send them. Everything after it (absolute addresses, the CSRF origin check, login
throttling by address) then sees one consistent request. `incubator serve` turns uvicorn's own
proxy handling off: it knows no Host header and would hide the proxy's address from this check.
"""

from __future__ import annotations

import ipaddress
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from incubator.config import IpNetwork, Settings

# A host as a browser sends it: a name or IPv4 address, or a bracketed IPv6 address, and a port.
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")
_SCHEMES = {"http": "http", "https": "https"}
_WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded's "[2001:db8::1]:4711"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def trusted(address: str | None, proxies: tuple[IpNetwork, ...]) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in network for network in proxies)


def _forwarded_elements(value: str) -> list[dict[str, str]]:
    """RFC 7239's `Forwarded: for=192.0.2.1;proto=https;host=park.example, for=10.0.0.2`, one dict
    per proxy, the nearest last. (Quoted commas are not expected in these parameters.)"""
    elements = []
    for element in value.split(","):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            name, sep, text = pair.partition("=")
            if sep:
                pairs[name.strip().lower()] = text.strip().strip('"')
        elements.append(pairs)
    return elements


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",")] if value else []


def forwarded(headers: dict[str, str], proxies: tuple[IpNetwork, ...]) -> tuple[str | None, str | None, str | None]:
    """(scheme, host, client address) as the nearest untrusted hop saw them, each None when not told.

    Each proxy appends to the lists; walking from the nearest, the hop to believe is the first whose
    sender is not itself a trusted proxy (so a client cannot slip in an address of its own)."""
    if "forwarded" in headers:
        elements = _forwarded_elements(headers["forwarded"])
        chosen = elements[-1]
        for element in reversed(elements):
            chosen = element
            if not trusted(element.get("for"), proxies):
                break
        client = _address(chosen.get("for", ""))
        return chosen.get("proto"), chosen.get("host"), str(client) if client else None
    senders = _listed(headers.get("x-forwarded-for"))
    hops = 0
    for sender in reversed(senders):
        hops += 1
        if not trusted(sender, proxies):
            break
    client = _address(senders[-hops]) if senders else None
    hops = max(hops, 1)
    protos, hosts = _listed(headers.get("x-forwarded-proto")), _listed(headers.get("x-forwarded-host"))
    # The proto and host lists, when proxies append to them too, line up with the senders' list.
    proto = protos[-min(hops, len(protos))] if protos else None
    host = hosts[-min(hops, len(hosts))] if hosts else None
    return proto, host, str(client) if client else None


class ProxyHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.proxies = settings.trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            peer = scope.get("client")
            if peer and trusted(peer[0], self.proxies):
                scope = self._as_forwarded(scope)
        await self.app(scope, receive, send)

    def _as_forwarded(self, scope: Scope) -> Scope:
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key in ("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"):
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text  # repeated: one list
        if not headers:
            return scope
        proto, host, client = forwarded(headers, self.proxies)
        scope = dict(scope)
        proto = (proto or "").lower()
        if proto in _SCHEMES:
            scope["scheme"] = (_WEBSOCKET_SCHEMES if scope["type"] == "websocket" else _SCHEMES)[proto]
        if host and _HOST.match(host):
            scope["headers"] = [(name, value) for name, value in scope["headers"] if name.lower() != b"host"]
            scope["headers"].append((b"host", host.encode("latin-1")))
        if client:
            scope["client"] = (client, 0)
        return scope
