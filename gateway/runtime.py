"""Long-running processes: the API server and the outbox relay, with clean shutdown."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from gateway.bootstrap import Gateway, bootstrap
from gateway.settings import Settings
from gateway.store.migrate import upgrade

__all__ = ["relay_only", "serve", "start_housekeeping", "start_relay_thread",
           "start_timetable_index"]

log = logging.getLogger(__name__)


def _returning_server_class() -> type:
    import uvicorn

    class ReturningServer(uvicorn.Server):
        """Stops on SIGTERM/SIGINT and *returns*.

        Plain uvicorn re-raises the signal after its shutdown, which ends the process before
        the gateway stops its workers and closes its connections.
        """

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return ReturningServer


def start_relay_thread(gateway: Gateway, stop: threading.Event) -> threading.Thread | None:
    """Run the relay beside the API when a publisher is configured."""
    if gateway.relay is None or not gateway.settings.run_relay:
        return None
    thread = threading.Thread(
        target=gateway.relay.run_forever, args=(stop,), name="outbox-relay", daemon=True
    )
    thread.start()
    return thread


def serve(
    settings: Settings, *, migrate: bool = False, host: str | None = None, port: int | None = None
) -> None:
    import uvicorn

    from gateway.adapters.standards import Standards
    from gateway.api.app import create_app
    from gateway.sync.intake_forwarding import start_intake_forwarding
    from gateway.sync.rio_commands import start_rio_delivery
    from gateway.sync.scheduler import SyncScheduler

    gateway = bootstrap(settings)
    if migrate:
        upgrade(gateway.engine)
    stop = threading.Event()
    relay = start_relay_thread(gateway, stop)
    workers = SyncScheduler(gateway).start(stop)
    workers += start_rio_delivery(gateway, stop, interval=settings.rio_delivery_interval)
    if settings.standards_dir is not None:
        workers += start_intake_forwarding(gateway, Standards(settings.standards_dir), stop,
                                           interval=settings.intake_forward_interval)
    workers.append(start_housekeeping(gateway, stop))
    workers.append(start_timetable_index(gateway, stop))
    _ReturningServer = _returning_server_class()  # noqa: N806 - a class
    config = uvicorn.Config(
        create_app(gateway),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,  # request lines may carry ids in paths; our metrics count them
        log_config=None,  # uvicorn logs through the gateway's redacting handler
    )
    try:
        _ReturningServer(config).run()
    finally:
        stop.set()
        for thread in [t for t in (relay, *workers) if t is not None]:
            thread.join(timeout=10)
        gateway.close()


def start_timetable_index(gateway: Gateway, stop: threading.Event) -> threading.Thread:
    """Keep the timetable index of the calendar feeds caught up in the background.

    A feed request catches up by itself too; the thread keeps that catch-up small.
    """
    from gateway.store.timetable_projection import follow_timetables

    tenants = [t.id for t in gateway.settings.tenants]
    thread = threading.Thread(
        target=follow_timetables, args=(gateway.engine, tenants, stop),
        kwargs={"clock": gateway.clock}, name="timetable-index", daemon=True)
    thread.start()
    return thread


def start_housekeeping(
    gateway: Gateway, stop: threading.Event, *, interval: float = 3600.0
) -> threading.Thread:
    """Purge expired idempotency keys every ``interval`` seconds until ``stop`` is set."""
    from gateway.store.idempotency import IdempotencyStore

    keys = IdempotencyStore(gateway.engine, clock=gateway.clock)

    def loop() -> None:
        while not stop.wait(interval):
            try:
                purged = keys.purge_expired()
            except Exception as exc:  # noqa: BLE001 - housekeeping must not stop serving
                log.warning("housekeeping failed: %s", type(exc).__name__)
            else:
                log.info("housekeeping: %d expired idempotency keys purged", purged)

    thread = threading.Thread(target=loop, name="housekeeping", daemon=True)
    thread.start()
    return thread


def relay_only(settings: Settings) -> None:
    """Run just the relay until SIGTERM/SIGINT (a separate process or container)."""
    gateway = bootstrap(settings)
    if gateway.relay is None:
        raise SystemExit("no broker configured: set GATEWAY_KAFKA_BOOTSTRAP_SERVERS")
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        gateway.relay.run_forever(stop)
    finally:
        gateway.close()
