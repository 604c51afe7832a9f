"""Run the simulated SIS on loopback in this process: for tests, the demo and benchmarks.

Example::

    catalogue = SisCatalogue(2000, seed=7)
    with running_sis(catalogue, client_id="gw", client_secret="s3cret") as base_url:
        ...  # base_url is "http://127.0.0.1:<port>"; the token URL is base_url + "/oauth/token"
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue

__all__ = ["running_sis"]


@contextmanager
def running_sis(
    catalogue: SisCatalogue, *, client_id: str, client_secret: str, start_timeout: float = 10.0,
) -> Iterator[str]:
    """Serve ``catalogue`` with uvicorn on 127.0.0.1 (a free port) until the block ends.

    Yields:
        The base URL.

    Raises:
        RuntimeError: the server did not start within ``start_timeout`` seconds.
    """
    app = create_sis_app(catalogue, client_id=client_id, client_secret=client_secret)
    config = uvicorn.Config(app, lifespan="off", ws="none", http="h11", log_level="warning")
    server = uvicorn.Server(config)
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says TCP; without it every keep-alive reply waits ~40 ms (Nagle
    # against delayed ACKs).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))  # the kernel's free port, held until uvicorn listens on it
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="ooapi-sis")
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulated SIS did not start")
            time.sleep(0.01)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
