"""The quarantine as one run of a source sees it: put bad items once, close what went away.

Every pull (catalogue, enrolment, rostering, iCalendar) reads the same bad item on each
run until the school fixes it at its source. :class:`RunQuarantine` keeps it once (a
fingerprint of kind and payload of the rows still open) and notes each open row the run
*meets* again as bad. Once a run has seen everything, a row it did not meet again was
fixed at the source (the fixed record was stored) or left it: :meth:`RunQuarantine.close_unmet`
marks it handled, so ``gateway dlq list`` shows only what still waits.

Only the caller knows whether a run saw everything; it calls :meth:`close_unmet` at the
end of a complete full run, never after an incremental one or one that stopped early
(an upstream failure raises before it is reached). What a run may close is scoped by the
kinds it is responsible for: the catalogue, enrolment and rostering pulls of one source
share its name but not their kinds, so one resource's run never closes another's rows.
How an open row is recognised again is the caller's choice (``identity``): by kind and
payload for OOAPI items (a fixed item has another payload), by kind and path for an
iCalendar series (its UID, whatever its text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from gateway.store.quarantine import Quarantine

__all__ = ["Identity", "RunQuarantine", "by_kind", "by_path", "by_payload", "fingerprint"]

#: ``(kind, raw, path) -> key``: what makes two quarantined items the same item.
Identity = Callable[[str, str, str], str]


def fingerprint(kind: str, raw: str) -> str:
    """A quarantined payload's fingerprint, with its kind."""
    return hashlib.sha256(f"{kind}\x1f{raw}".encode()).hexdigest()


def by_payload(kind: str, raw: str, path: str) -> str:
    """Same kind and payload: the same item (a fixed item has another payload)."""
    return fingerprint(kind, raw)


def by_path(kind: str, raw: str, path: str) -> str:
    """Same kind and path: the same item, whatever its payload now."""
    return f"{kind}\x1f{path}"


def by_kind(kind: str, raw: str, path: str) -> str:
    """Same kind: the same item (a source's one feed)."""
    return kind


class RunQuarantine:
    """One run's view of the quarantine of ``tenant`` + ``source`` (see the module docstring).

    Args:
        quarantine: the store's quarantine.
        tenant: the tenant of the run.
        source: the source's name.
        kinds: the kinds of row this run is responsible for (the only ones it may close).
        identity: recognises an open row again (default: kind and payload).
    """

    def __init__(self, quarantine: Quarantine, tenant: str, source: str, kinds: Iterable[str],
                 *, identity: Identity = by_payload) -> None:
        self.quarantine = quarantine
        self.tenant = tenant
        self.source = source
        self.kinds = set(kinds)
        self.identity = identity
        #: Items put or met this run (every call of :meth:`put`).
        self.count = 0
        self._ids: dict[str, int] = {}
        self._open: dict[int, tuple[str, str]] = {}
        self._met: set[str] = set()
        for row in quarantine.list(tenant):
            if row.source != source:
                continue
            self._ids.setdefault(fingerprint(row.kind, row.raw), row.id)
            self._open[row.id] = (row.kind, identity(row.kind, row.raw, row.path))

    def put(self, kind: str, raw: str, reason: str, path: str = "") -> int:
        """Count a bad item and keep it, unless the same payload already waits.

        Returns:
            The quarantine id of the item (the waiting row's when it was kept before).
        """
        self.count += 1
        kind = kind[:40]
        self.meet(kind, raw, path)
        known = fingerprint(kind, raw)
        if known in self._ids:
            return self._ids[known]
        record_id = self.quarantine.put(tenant=self.tenant, source=self.source, kind=kind,
                                        reason=reason, raw=raw, path=path)
        self._ids[known] = record_id
        return record_id

    def meet(self, kind: str, raw: str = "", path: str = "") -> None:
        """Note an item as still bad without putting it (e.g. known bad, not read again)."""
        self._met.add(self.identity(kind[:40], raw, path))

    def not_all_seen(self, kind: str) -> None:
        """This run did not read every item of ``kind``: it closes none of them."""
        self.kinds.discard(kind)

    def close_unmet(self) -> int:
        """After a complete full run: mark handled the open rows of this run's kinds that
        it did not meet again.

        Returns:
            How many rows were marked handled.
        """
        gone = [record_id for record_id, (kind, key) in self._open.items()
                if kind in self.kinds and key not in self._met]
        return self.quarantine.mark_all_replayed(self.tenant, gone) if gone else 0
