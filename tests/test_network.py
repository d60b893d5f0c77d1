"""The product makes no outbound connection: the suite runs with every non-loopback
connection blocked (pytest-socket, see pyproject addopts), so any test that reached out would
fail. These tests prove the guard is on, and that rendering the pages stays offline."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_outbound_connections_are_blocked():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(SocketConnectBlockedError):
            s.connect(("192.0.2.1", 80))  # TEST-NET-1, never routed
    finally:
        s.close()


def test_loopback_is_allowed():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(srv.getsockname())
    c.close()
    srv.close()


def test_pages_render_without_any_outbound_connection(client, users, make_case, monkeypatch):
    attempts = []
    real_connect = socket.socket.connect

    def spy(self, addr):
        attempts.append(addr)
        return real_connect(self, addr)

    monkeypatch.setattr(socket.socket, "connect", spy)
    case = make_case()
    client.force_login(users["leader"])
    for url in ["/", "/so-thu-ly/", f"/vu-viec/{case.pk}/", "/vu-viec/them/"]:
        assert client.get(url).status_code == 200
    assert [a for a in attempts if not str(a[0] if isinstance(a, tuple) else a).startswith(("127.", "::1", "/"))] == []
