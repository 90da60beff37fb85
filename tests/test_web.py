"""web.absolute_url: the addresses the app prints, encodes in QR codes and hands to calendar apps
follow the address the request reached (as a trusted proxy forwarded it), unless INCUBATOR_BASE_URL
says otherwise."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest_asyncio

from incubator.app import create_app
from incubator.booking import check_in
from incubator.booking import routes as booking_routes
from incubator.parks.models import WEEKDAYS, Space


@pytest_asyncio.fixture
async def door(park) -> Space:
    return await Space.create(park=park, kind="meeting_room", name="会议室 A", capacity=12, bookable=True,
                              opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})


async def door_qr_address(settings, door, base_url: str, client: tuple[str, int] = ("127.0.0.1", 123),
                          headers: dict | None = None) -> str:
    """The address encoded in the door tablet's QR code, as the page is asked for."""
    encoded: list[str] = []
    original = booking_routes.qr_svg
    booking_routes.qr_svg = lambda url: encoded.append(url) or original(url)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, manage_database=False), client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            page = await http.get(f"/door/{door.id}/{check_in.door_token(settings.secret_key, door.id)}",
                                  headers=headers or {})
    finally:
        booking_routes.qr_svg = original
    assert page.status_code == 200
    return encoded[0].split("?")[0]


async def test_the_door_code_points_at_the_host_and_port_that_served_the_page(settings, clean, door):
    assert await door_qr_address(settings, door, "http://10.1.2.3:8001") == f"http://10.1.2.3:8001/spaces/{door.id}/check-in"


async def test_incubator_base_url_wins_over_the_request(settings, clean, door):
    configured = replace(settings, base_url="https://park.example/incubator")
    address = await door_qr_address(configured, door, "http://10.1.2.3:8001",
                                    headers={"X-Forwarded-Host": "evil.example"})
    assert address == f"https://park.example/incubator/spaces/{door.id}/check-in"


async def test_a_trusted_proxys_forwarded_scheme_and_host_are_believed(settings, clean, door):
    proxied = replace(settings, trusted_proxies=replace_networks("10.0.0.0/8"))
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "park.example", "X-Forwarded-For": "203.0.113.9"}
    behind = await door_qr_address(proxied, door, "http://app:8000", client=("10.0.0.2", 4000), headers=forwarded)
    assert behind == f"https://park.example/spaces/{door.id}/check-in"
    rfc = {"Forwarded": 'for=203.0.113.9;proto=https;host="park.example:8443"'}
    assert await door_qr_address(proxied, door, "http://app:8000", client=("10.0.0.2", 4000), headers=rfc) == (
        f"https://park.example:8443/spaces/{door.id}/check-in")


async def test_anyone_elses_forwarded_headers_are_ignored(settings, clean, door):
    proxied = replace(settings, trusted_proxies=replace_networks("10.0.0.0/8"))
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"}
    direct = await door_qr_address(proxied, door, "http://app:8000", client=("203.0.113.9", 4000), headers=forged)
    assert direct == f"http://app:8000/spaces/{door.id}/check-in"
    nobody = replace(settings, trusted_proxies=())
    assert await door_qr_address(nobody, door, "http://app:8000", headers=forged) == (
        f"http://app:8000/spaces/{door.id}/check-in")
    # Not a host at all: ignored even from a trusted proxy.
    bad = {"X-Forwarded-Host": "park.example/../x?"}
    assert await door_qr_address(settings, door, "http://app:8000", headers=bad) == (
        f"http://app:8000/spaces/{door.id}/check-in")


def replace_networks(*networks: str):
    from ipaddress import ip_network

    return tuple(ip_network(n) for n in networks)
