"""File tests poll quickly, and resolve host names from a table instead of the network."""

import pytest

from playground.files import services

PUBLIC_ADDRESS = "93.184.215.14"
HOSTS = {
    "example.com": [PUBLIC_ADDRESS],
    "docs.example.org": [PUBLIC_ADDRESS, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "intranet.example.com": ["192.168.1.10"],
    "sneaky.example.com": [PUBLIC_ADDRESS, "127.0.0.1"],
    "nat64.example.com": ["64:ff9b::a00:1"],  # 10.0.0.1 through NAT64
}


def fake_resolve(host: str) -> list[str]:
    return HOSTS.get(host, [])


@pytest.fixture(autouse=True)
def _quick_polls_and_fake_dns(monkeypatch):
    monkeypatch.setattr(services, "POLL_FIRST_SECONDS", 0.05)
    monkeypatch.setattr(services, "POLL_MAX_SECONDS", 0.2)
    monkeypatch.setattr(services, "resolve_host", fake_resolve)
