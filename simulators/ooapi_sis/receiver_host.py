"""A receiver of the mbo profile to prove the ``ooapi-v5-mbo`` suite's ``receiver`` role:
the gateway's own ``/ooapi/v5-mbo`` on a fresh SQLite file, on loopback, optionally with a
receiving-side fault mode switched on (:mod:`.fault_modes`).

    with running_receiver(workdir, standards_dir, fault=None) as receiver:
        target = Target(base_url=receiver.base_url, client_id=receiver.client_id,
                        client_secret=receiver.client_secret, token_url=receiver.token_url,
                        options={"role": "receiver", ...})
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import TENANT_A, gateway_on_sqlite, settings_for_tests
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.fault_switch import with_fault

__all__ = ["Receiver", "running_receiver"]

CLIENT_ID = "contract-sis"
#: The SIS's scope in the profile (``ErrorHandling.md``: flow 1-5, SIS and toetsplanner).
FLOW_1_5 = "nl-test-admin-flow-1-5"


@dataclass(frozen=True)
class Receiver:
    """Where the receiver listens and the client credentials of the pushing SIS."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str


@contextmanager
def running_receiver(workdir: Path, standards_dir: Path,
                     fault: str | None = None) -> Iterator[Receiver]:
    """The gateway's receiver on ``workdir/receiver.db`` until the block ends.

    Raises:
        KeyError: ``fault`` names no fault mode.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "receiver.db"
    database.unlink(missing_ok=True)
    with ExitStack() as stack:
        gateway = gateway_on_sqlite(database, settings_for_tests(
            token_ttl_seconds=3600, standards_dir=standards_dir))
        stack.callback(gateway.close)
        secret = ClientRegistry.for_gateway(gateway).register(TENANT_A, CLIENT_ID, [FLOW_1_5])
        app = create_app(gateway)
        port = stack.enter_context(serve_in_thread(app if fault is None
                                                   else with_fault(app, fault)))
        base = f"http://127.0.0.1:{port}"
        yield Receiver(f"{base}/ooapi/v5-mbo", f"{base}/oauth/token", CLIENT_ID, secret)
