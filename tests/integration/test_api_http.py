"""The API on a real server (uvicorn on loopback): body caps and problems over the wire."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.api.app import create_app
from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.testing.serving import serve_in_thread

LIMIT = 4096


@pytest.fixture(scope="module")
def server_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    path: Path = tmp_path_factory.mktemp("http") / "gw.db"
    gateway = gateway_on_sqlite(path, settings_for_tests(max_body_bytes=LIMIT))
    try:
        with serve_in_thread(create_app(gateway)) as port:
            yield ("127.0.0.1", port)
    finally:
        gateway.close()


def _read_response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "connection closed before a response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_declared_length_over_the_cap_is_refused_before_the_body_is_sent(
    server_address: tuple[str, int],
) -> None:
    with socket.create_connection(server_address, timeout=5) as conn:
        conn.sendall(
            b"POST /oauth/token HTTP/1.1\r\nHost: gw\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000000\r\n\r\n"
        )
        status, headers, body = _read_response(conn)  # not one byte of the body was sent
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == "urn:mbo-gateway:problem:content-too-large"


def test_chunked_body_over_the_cap_is_refused_while_it_streams(
    server_address: tuple[str, int],
) -> None:
    chunk = b"a" * 1000
    sent = 0
    with socket.create_connection(server_address, timeout=5) as conn:
        conn.sendall(
            b"POST /oauth/token HTTP/1.1\r\nHost: gw\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        answered = False
        while sent < 1000 and not answered:  # up to 1 MB, unless refused first
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += 1
            answered = bool(select.select([conn], [], [], 0.02)[0])
        status, headers, body = _read_response(conn)
    assert status == 413
    assert sent < 20  # refused a little past 4 KB, not after the whole body
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 413


def test_content_length_that_is_not_a_number_is_refused(
    server_address: tuple[str, int],
) -> None:
    with socket.create_connection(server_address, timeout=5) as conn:
        conn.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: gw\r\nContent-Length: lots\r\n\r\n")
        status, _, _ = _read_response(conn)
    assert status == 400  # h11 refuses it before the app; the middleware would too


def test_unknown_route_over_the_wire_is_a_problem(server_address: tuple[str, int]) -> None:
    with socket.create_connection(server_address, timeout=5) as conn:
        conn.sendall(b"GET /nothing/here HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        status, headers, _ = _read_response(conn)
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
