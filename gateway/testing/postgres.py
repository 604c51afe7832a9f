"""A throw-away PostgreSQL server for tests, also when running as root.

We drive pytest-postgresql's own :class:`PostgreSQLExecutor` (pg_ctl initdb,
start, status, stop) and its :class:`DatabaseJanitor` (create/drop a database).
The one problem is root: CI runs as root, and ``initdb`` and ``postgres``
refuse to run as root. So when the effective uid is 0 we hand the executor a
tiny ``pg_ctl`` wrapper script that drops to Debian's ``postgres`` OS user with
``setpriv`` (util-linux, no PAM session, works in containers) and then execs
the real ``pg_ctl``. Every call the executor makes goes through it, so the
server, its data directory, socket and log all belong to ``postgres``.

Layout of the temporary directory (root case)::

    <tmp>/               root-owned, 0755
    <tmp>/bin/pg_ctl     root-owned wrapper (postgres cannot rewrite what root runs)
    <tmp>/pg/            postgres-owned, 0700: data/, postgresql.log, the socket

As a normal user there is no wrapper and everything belongs to that user.

The server listens on 127.0.0.1 only, on a free port, with ``trust``
authentication for the superuser ``postgres``; tests get a fresh database each
from :func:`fresh_database`. The server is stopped with ``pg_ctl stop`` and then
by pid, so nothing outlives the test run.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.testing import ComponentUnavailable, free_port, log_tail, stop_pid

__all__ = [
    "PostgresServer",
    "PostgresStartError",
    "check_available",
    "find_pg_bindir",
    "fresh_database",
    "postgres_server",
]

_SUPERUSER = "postgres"  # the role initdb creates; also the OS user when root
_OS_USER = "postgres"  # created by Debian's postgresql-common package
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_START_ATTEMPTS = 3  # a fresh port per attempt, in case another process took ours


class PostgresStartError(RuntimeError):
    """The PostgreSQL binaries exist but the server did not start."""


@dataclass(frozen=True)
class PostgresServer:
    """Where a running test server listens, and who may connect."""

    host: str
    port: int
    user: str
    pid: int

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for ``dbname`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"


def find_pg_bindir() -> Path:
    """Return the bin directory of the newest installed PostgreSQL.

    Debian installs each major version in ``/usr/lib/postgresql/<N>/bin``; we
    take the highest N that has ``pg_ctl``. Elsewhere, ``pg_ctl`` on PATH.
    """
    candidates = []
    if _DEBIAN_ROOT.is_dir():
        for child in _DEBIAN_ROOT.iterdir():
            if child.name.isdigit() and (child / "bin" / "pg_ctl").is_file():
                candidates.append((int(child.name), child / "bin"))
    if candidates:
        return max(candidates)[1]
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise ComponentUnavailable(
        f"PostgreSQL server binaries not found (no {_DEBIAN_ROOT}/<version>/bin/pg_ctl, "
        "no pg_ctl on PATH); install them with: apt-get install postgresql"
    )


def check_available() -> None:
    """Raise :class:`ComponentUnavailable` unless a server can be started here.

    Cheap (no process is started), so fixtures can decide to skip or fail
    before trying.
    """
    find_pg_bindir()
    if os.geteuid() == 0:
        _postgres_ids()
        if shutil.which("setpriv") is None:
            raise ComponentUnavailable(
                "running as root needs setpriv (util-linux) to drop to the postgres user"
            )


def _postgres_ids() -> tuple[int, int]:
    import pwd

    try:
        entry = pwd.getpwnam(_OS_USER)
    except KeyError as exc:
        raise ComponentUnavailable(
            f"running as root, but there is no {_OS_USER!r} OS user to run PostgreSQL "
            "as (initdb refuses root); install Debian's postgresql package"
        ) from exc
    return entry.pw_uid, entry.pw_gid


def _write_root_wrapper(bindir: Path, pg_ctl: Path, workdir: Path) -> None:
    """Write ``bindir/pg_ctl`` that runs the real pg_ctl as the postgres user.

    It changes to the postgres-owned ``workdir`` first: initdb fails when it
    cannot read its current directory (e.g. under /root).
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise ComponentUnavailable(
            "running as root needs setpriv (util-linux) to drop to the postgres user"
        )
    bindir.mkdir(mode=0o755)
    wrapper = bindir / "pg_ctl"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# Written by gateway.testing.postgres: run pg_ctl as the postgres user.\n"
        f"cd '{workdir}' || exit 1\n"
        f"exec '{setpriv}' --reuid={_OS_USER} --regid={_OS_USER} --init-groups -- "
        f"'{pg_ctl}' \"$@\"\n",
        encoding="utf-8",
    )
    wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _make_executor(root: Path, port: int, timeout: int) -> Any:
    """Build pytest-postgresql's executor, wrapped when we are root.

    Data directory and log are per port, so a retry on another port never
    shares files with an abandoned attempt.
    """
    from pytest_postgresql.executors import PostgreSQLExecutor

    pg_ctl = find_pg_bindir() / "pg_ctl"
    pgdir = root / "pg"
    executable = pg_ctl
    if not pgdir.exists():
        pgdir.mkdir(mode=0o700)
        if os.geteuid() == 0:
            uid, gid = _postgres_ids()
            os.chown(pgdir, uid, gid)
    if os.geteuid() == 0:
        executable = root / "bin" / "pg_ctl"
        if not executable.exists():
            _write_root_wrapper(root / "bin", pg_ctl, pgdir)
    return PostgreSQLExecutor(
        executable=str(executable),
        host="127.0.0.1",
        port=port,
        datadir=str(pgdir / f"data-{port}"),
        unixsocketdir=str(pgdir),
        logfile=str(pgdir / f"postgresql-{port}.log"),
        startparams="-w",
        dbname="postgres",
        user=_SUPERUSER,
        timeout=timeout,
        postgres_options="-c listen_addresses=127.0.0.1",
    )


def _temp_parent() -> str:
    """Where to create the server's directory: postgres must be able to reach it.

    As root, ``$TMPDIR`` may point somewhere the postgres user cannot traverse
    (e.g. under /root); then fall back to /tmp.
    """
    parent = Path(tempfile.gettempdir()).resolve()
    if os.geteuid() != 0:
        return str(parent)
    for directory in (parent, *parent.parents):
        if not directory.stat().st_mode & stat.S_IXOTH:
            return "/tmp"  # noqa: S108 - world-traversable by definition; mkdtemp is private
    return str(parent)


def _postmaster_pid(datadir: Path) -> int:
    """Read the server's pid from ``postmaster.pid`` (its first line)."""
    return int((datadir / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])


def _abandon(executor: Any, datadir: Path) -> None:
    """Best-effort cleanup after a failed start: pg_ctl and any half-started server."""
    with suppress(Exception):  # the start error is what the caller needs to see
        executor.kill()
    with suppress(OSError, ValueError, IndexError):  # no (readable) postmaster.pid
        stop_pid(_postmaster_pid(datadir))


def _start(root: Path, timeout: int) -> tuple[Any, int]:
    """Start the server on a free port; try another port if ours was taken meanwhile."""
    from mirakuru.exceptions import AlreadyRunning

    for attempt in range(1, _START_ATTEMPTS + 1):
        port = free_port()
        executor = _make_executor(root, port, timeout)
        logfile = Path(executor.logfile)
        try:
            executor.start()
            return executor, port
        except Exception as exc:
            _abandon(executor, Path(executor.datadir))
            tail = log_tail(logfile)
            port_taken = isinstance(exc, AlreadyRunning) or "already in use" in tail
            if port_taken and attempt < _START_ATTEMPTS:
                continue
            raise PostgresStartError(
                f"PostgreSQL did not start on 127.0.0.1:{port}: {exc}; log tail:\n{tail}"
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def postgres_server(*, timeout: int = 60) -> Iterator[PostgresServer]:
    """Run a fresh PostgreSQL cluster for the duration of the ``with`` block.

    Raises :class:`ComponentUnavailable` when the binaries (or, as root, the
    postgres user) are missing, :class:`PostgresStartError` when the server
    does not start (with the tail of its log).
    """
    root = Path(tempfile.mkdtemp(prefix="gateway-pg-", dir=_temp_parent()))
    root.chmod(0o755)  # postgres must traverse it to reach pg/
    try:
        executor, port = _start(root, timeout)
        datadir = Path(executor.datadir)
        pid = _postmaster_pid(datadir)
        try:
            yield PostgresServer(host="127.0.0.1", port=port, user=_SUPERUSER, pid=pid)
        finally:
            try:
                executor.stop()
            finally:
                stop_pid(pid)  # no-op when pg_ctl stop already ended it
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(server: PostgresServer, prefix: str = "test") -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards.

    The drop terminates connections still open, but a SQLAlchemy engine left
    undisposed would later warn about its dead connections: dispose engines.
    """
    from pytest_postgresql.janitor import DatabaseJanitor

    dbname = f"{prefix}_{uuid.uuid4().hex[:16]}"
    janitor = DatabaseJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        dbname=dbname,
        connection_timeout=10,
    )
    janitor.init()
    try:
        yield server.url(dbname)
    finally:
        janitor.drop()
