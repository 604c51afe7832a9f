"""Run an ASGI app with uvicorn in a thread on 127.0.0.1: tests, simulators and the demo.

The listening socket is made with ``IPPROTO_TCP``: asyncio sets ``TCP_NODELAY`` on
accepted connections only when the listener says TCP, and without it every keep-alive
reply waits ~40 ms (Nagle against delayed ACKs).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["serve_in_thread"]


@contextmanager
def serve_in_thread(
    app: Any, *, port: int = 0, start_timeout: float = 10.0, **uvicorn_options: Any
) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 (``port`` 0 = a free one) until the block ends.

    Yields:
        The port it listens on.

    Raises:
        RuntimeError: the server did not start within ``start_timeout`` seconds.
    """
    import uvicorn

    options: dict[str, Any] = {"lifespan": "off", "ws": "none", "http": "h11",
                               "log_level": "warning", "access_log": False}
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"http-{sock.getsockname()[1]}")
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {sock.getsockname()[1]} did not start")
            time.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
