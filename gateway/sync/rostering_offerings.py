"""The component-offering step of the rostering pull: which offerings wait, and their relations.

:mod:`gateway.sync.ooapi_rostering` reads the groups, then calls :func:`pull_offerings`.
A component the SIS serves broken is quarantined, and each offering of it is spared (left
as it was, neither rewritten nor deleted) until the component is fixed. Every other
offering gets its groups and staff (``/offerings/{offeringId}/groups`` and
``/associations``, :mod:`gateway.adapters.ooapi.offering_relations`): a relation item that
names no usable group or person is quarantined alone; an offering that went away between
the list and its relation lists is spared. Whenever an offering's relation lists were not
read, their bad items may still be there, so the run closes no quarantine row of their
kinds.
"""

from __future__ import annotations

from datetime import date

from gateway.adapters.ooapi.offering_relations import OfferingRelations
from gateway.adapters.ooapi.rostering_source import OFFERING, OoapiRosteringSource
from gateway.sync.pull_quarantine import schema_reason
from gateway.sync.rostering_pages import RELATION_KINDS, RosterPageWriter, RosterRun, record_key

__all__ = ["pull_offerings"]


def pull_offerings(run: RosterRun, writer: RosterPageWriter, reader: OoapiRosteringSource,
                   since: date | None) -> None:
    """Read the components, then the component offerings page by page, and write them.

    Args:
        run: the run's bookkeeping (report, quarantine, spared records).
        writer: writes each page of offerings with the relations found.
        reader: the source's rostering reads.
        since: an incremental run's day; offerings that started before it are not read.
    """
    components, rejected = reader.components()
    broken: set[str] = set()
    for bad in rejected:
        run.quarantine.put("Component", bad.raw, schema_reason(bad.errors),
                           bad.errors[0].schema_path if bad.errors else "")
        ident = bad.raw.get("componentId") if isinstance(bad.raw, dict) else None
        if isinstance(ident, str):
            broken.add(ident)
    for page in reader.offerings(components, since=since):
        kept = []
        relations: dict[str, OfferingRelations] = {}
        for item in page:
            component = (item.document or {}).get("component")
            if isinstance(component, str) and component in broken and item.source_id:
                run.spared.add(record_key(OFFERING, item.source_id))  # waits for it
                _relations_unread(run)
                continue
            if item.document is not None and item.source_id:
                found = _relations(run, reader, item.source_id)
                if found is None:
                    continue
                relations[item.source_id] = found
            kept.append(item)
        writer.offerings(run, kept, relations)
    run.report.relation_pages = reader.relation_pages
    run.report.relations_not_offered = reader.relations_not_offered


def _relations(run: RosterRun, reader: OoapiRosteringSource,
               offering_id: str) -> OfferingRelations | None:
    """The groups and staff of an offering; None (and the offering spared, left as it
    was) when it went away between the list and its relation lists."""
    found = reader.relations(offering_id)
    for bad in found.rejected:
        run.quarantine.put(RELATION_KINDS.get(bad.schema, bad.schema), bad.raw, bad.reason,
                           bad.pointer)
    if not found.found:
        run.spared.add(record_key(OFFERING, offering_id))
        _relations_unread(run)
        return None
    return found


def _relations_unread(run: RosterRun) -> None:
    """An offering's relation lists were not read: their bad items may still be there,
    so this run closes no row of their kinds (``Group`` rows included: the row does
    not say which list it came from)."""
    for kind in RELATION_KINDS.values():
        run.quarantine.not_all_seen(kind)
