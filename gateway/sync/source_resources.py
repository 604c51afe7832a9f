"""What a sync of one source runs: its resources, each through one entry of a dispatch table.

A source (``SourceConfig``) serves several kinds of records: an ``ooapi-v5`` SIS its
catalogue, its persons and enrolments, its groups; an ``icalendar`` source one feed. Each
is a *resource* with its own runner and its own last-run state, so one that fails (an SIS
that serves no ``/persons``) never stops the others, and each decides full or
incremental by itself. :data:`RUNNERS` maps a source kind and a resource name to its
:class:`ResourceSync`; :func:`planned` says which run for a source, in table order (the
catalogue first: associations refer to its cohorts). Example::

    report = run_source_sync(gateway, "roc-a", "sis", full=False)   # the source's resources
    report = run_source_sync(gateway, "roc-a", "sis", full=True, resources=["enrolment"])
    print(report.line())          # one line per resource; report.failed names the failures

:class:`~gateway.sync.scheduler.SyncScheduler` runs the same table on each interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError, GatewayError
from gateway.settings import SourceConfig
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.enrolment_report import state_key as enrolment_state_key
from gateway.sync.ical_import import run_ical_sync
from gateway.sync.ical_import import state_key as ical_state_key
from gateway.sync.ooapi_catalogue import OoapiCatalogueSync
from gateway.sync.ooapi_enrolment import run_enrolment_sync
from gateway.sync.ooapi_rostering import run_rostering_sync
from gateway.sync.rostering_report import state_key as rostering_state_key

__all__ = ["ICALENDAR_RESOURCE", "RUNNERS", "ResourceOutcome", "ResourceReport",
           "ResourceSync", "Runners", "SourceSyncReport", "planned", "run_catalogue_sync",
           "run_source_sync", "sync_resources"]

log = logging.getLogger(__name__)


class ResourceReport(Protocol):
    """What a resource's run returns: its counts, printed on one line."""

    def line(self) -> str: ...


#: ``(gateway, tenant, source_name, *, full) -> report``; raises on failure.
ResourceRun = Callable[..., ResourceReport]


@dataclass(frozen=True)
class ResourceSync:
    """One entry of the table: the runner, and the sync-state key its runs are recorded
    under (the scheduler reads the last full run there)."""

    run: ResourceRun
    state_key: Callable[[str], str]


_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _source_lock(tenant: str, source: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((tenant, source), threading.Lock())


def run_catalogue_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool
) -> CatalogueSyncReport:
    """Sync one source's catalogue once; within a process never twice at once.

    Raises:
        ConfigurationError: no such source, or the standards folder is not configured.
        UpstreamError: the source failed (after retries); nothing was deleted.
    """
    source = gateway.settings.source(tenant, source_name)
    if source is None:
        raise ConfigurationError(f"no source {source_name!r} configured for tenant {tenant!r}")
    with _source_lock(tenant, source_name):
        return OoapiCatalogueSync.for_gateway(gateway).run(source, full=full)


#: The resource an ``icalendar`` source has: its one feed.
ICALENDAR_RESOURCE = "calendar"
Runners = Mapping[str, Mapping[str, ResourceSync]]

#: Source kind -> resource name -> runner, in the order a source's resources run.
RUNNERS: dict[str, dict[str, ResourceSync]] = {
    "ooapi-v5": {
        "catalogue": ResourceSync(run_catalogue_sync, lambda name: name),
        "enrolment": ResourceSync(run_enrolment_sync, enrolment_state_key),
        "rostering": ResourceSync(run_rostering_sync, rostering_state_key),
    },
    "icalendar": {
        ICALENDAR_RESOURCE: ResourceSync(run_ical_sync, ical_state_key),
    },
}


def planned(source: SourceConfig, runners: Runners = RUNNERS) -> list[str]:
    """The resources a run of ``source`` covers: an ``icalendar`` source its feed, an
    ``ooapi-v5`` source its configured ``resources``; known ones in table order, then any
    the table lacks (their run fails and says so)."""
    wanted = [ICALENDAR_RESOURCE] if source.kind == "icalendar" else list(source.resources)
    table = list(runners.get(source.kind, {}))
    return [r for r in table if r in wanted] + [r for r in dict.fromkeys(wanted)
                                                if r not in table]


@dataclass(frozen=True)
class ResourceOutcome:
    """One resource of one run: its report, or why it failed (class and message)."""

    resource: str
    report: ResourceReport | None = None
    error: str | None = None


@dataclass
class SourceSyncReport:
    """What one run of a source did, per resource (counts and ids only)."""

    tenant: str
    source: str
    outcomes: list[ResourceOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [o.resource for o in self.outcomes if o.error is not None]

    def report(self, resource: str) -> ResourceReport | None:
        """The report of ``resource`` (None when it failed or did not run)."""
        return next((o.report for o in self.outcomes if o.resource == resource), None)

    def lines(self) -> list[str]:
        return [o.report.line() if o.report is not None else
                f"{self.tenant}/{self.source} {o.resource}: failed: {o.error}"
                for o in self.outcomes]

    def line(self) -> str:
        return "\n".join(self.lines())


def sync_resources(
    gateway: Gateway, source: SourceConfig, plan: Sequence[tuple[str, bool]],
    runners: Runners = RUNNERS,
) -> SourceSyncReport:
    """Run ``plan`` (resource names, each with full or not) of ``source`` in order. A
    failure is logged (ids and the error class), recorded, and the next resource runs."""
    report = SourceSyncReport(source.tenant, source.name)
    table = runners.get(source.kind, {})
    for resource, full in plan:
        where = f"{source.tenant}/{source.name} {resource}"
        entry = table.get(resource)
        try:
            if entry is None:
                raise ConfigurationError(
                    f"no runner for resource {resource!r} of {source.kind} sources yet")
            result = entry.run(gateway, source.tenant, source.name, full=full)
        except GatewayError as exc:
            log.error("sync %s failed (%s): %s", where, type(exc).__name__, exc.message)
            report.outcomes.append(ResourceOutcome(
                resource, error=f"{type(exc).__name__}: {exc.message}"))
            continue
        except Exception as exc:  # a bug in one resource must not stop the others
            log.exception("sync %s crashed", where)
            report.outcomes.append(ResourceOutcome(resource, error=type(exc).__name__))
            continue
        report.outcomes.append(ResourceOutcome(resource, result))
    return report


def run_source_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool,
    resources: Sequence[str] | None = None, runners: Runners = RUNNERS,
) -> SourceSyncReport:
    """Sync the resources of one configured source once (``gateway sync``).

    Args:
        gateway: the composed gateway.
        tenant: the tenant id.
        source_name: the source's ``name`` in ``settings.sources``.
        full: full runs (which also find deletions); otherwise incremental (each falls
            back to full when its resource never ran).
        resources: which to run; default the source's own (:func:`planned`).
        runners: the dispatch table.

    Returns:
        A report per resource; ``report.failed`` names the ones that failed.

    Raises:
        ConfigurationError: no such source, or ``resources`` names one its kind lacks.
    """
    source = gateway.settings.source(tenant, source_name)
    if source is None:
        raise ConfigurationError(f"no source {source_name!r} configured for tenant {tenant!r}")
    plan = planned(source, runners)
    if resources is not None:
        known = list(runners.get(source.kind, {}))
        unknown = sorted(set(resources) - set(known))
        if unknown:
            raise ConfigurationError(
                f"a {source.kind} source has no resource {', '.join(unknown)}; it has: "
                f"{', '.join(known) or 'none wired yet'}")
        plan = [r for r in known if r in resources]
    return sync_resources(gateway, source, [(r, full) for r in plan], runners)
