"""What the outside can reach, and the web app's security headers (issue 7)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import aiohttp
import psutil
import pytest
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.stack import Stack
from bot.web.app import create_app

pytestmark = pytest.mark.stack


def outside_addresses() -> list[str]:
    """The machine's IPv4 addresses other than the loopback (e.g. eth0's)."""
    return [
        address.address
        for name, addresses in psutil.net_if_addrs().items()
        for address in addresses
        if address.family == socket.AF_INET and not address.address.startswith("127.")
    ]


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def test_rasa_and_the_action_server_are_not_reachable_from_outside(stack) -> None:
    addresses = outside_addresses()
    assert addresses, "no network interface besides the loopback to test from"
    ports = {"rasa": stack.settings.rasa_port, "actions": stack.settings.actions_port}
    for name, port in ports.items():
        assert accepts("127.0.0.1", port), f"{name} is not running"
        for address in addresses:
            assert not accepts(address, port), f"{name} answers on {address}:{port}"


def headers_of(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as error:
        return dict(error.headers)


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize("path", ["/fi", "/sv", "/static/widget.js", "/no-such-page"])
def test_resident_pages_carry_the_security_headers(stack, path) -> None:
    headers = headers_of(stack.settings.web_url + path)
    policy = directives(headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_staff_pages_may_never_be_framed(stack) -> None:
    headers = headers_of(stack.settings.web_url + "/staff/login")
    assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"  # the staff portal's stricter choice


async def test_the_sites_that_may_frame_the_pages_are_configurable(tmp_path, monkeypatch) -> None:
    sites = "https://www.raasepori.fi https://www.raseborg.fi"
    monkeypatch.setenv("NEUVO_FRAME_ANCESTORS", sites)
    monkeypatch.setenv("NEUVO_CONNECT_SOURCES", "wss://chat.example.fi")
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{tmp_path / 'neuvo.db'}")
    monkeypatch.setenv("NEUVO_RETENTION_INTERVAL_MINUTES", "0")
    server = TestServer(create_app(Settings(var_dir=tmp_path)))
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.make_url("/fi")) as response:
                policy = directives(response.headers["Content-Security-Policy"])
    finally:
        await server.close()
    assert policy["frame-ancestors"] == sites
    assert policy["connect-src"] == "'self' wss://chat.example.fi"


def test_rasa_is_never_opened_to_other_machines_without_a_token(tmp_path) -> None:
    outside = Settings(rasa_host="0.0.0.0", rasa_token="", var_dir=tmp_path)
    with pytest.raises(RuntimeError, match="NEUVO_RASA_TOKEN"):
        Stack(outside, Path("model.tar.gz")).rasa_service("rasa", 5005)
    guarded = Stack(replace(outside, rasa_token="s3cret"), Path("model.tar.gz"))
    service = guarded.rasa_service("rasa", 5005)
    assert service.command[service.command.index("--auth-token") + 1] == "s3cret"
    assert service.health_url.endswith("/status?token=s3cret")
    # On the loopback (the default run) no token is needed.
    local = Stack(replace(outside, rasa_host="127.0.0.1"), Path("model.tar.gz"))
    assert "--auth-token" not in local.rasa_service("rasa", 5005).command
