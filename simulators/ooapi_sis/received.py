"""What others pushed to the simulated SIS: persons and associations sent with ``PUT``.

The gateway forwards an accepted application as ``PUT /associations/{associationId}``
(mbo profile), with the person expanded or, after a ``PUT /persons/{personId}``, by id.
The SIS keeps it as received (without the write-only ``remoteState`` and without the
expanded objects) and serves it with its own associations from then on; the school
decides on it later (``POST /_simulator/mutate?accept=<id>``), and the gateway's next
pull sees the new state.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Received"]

Doc = dict[str, Any]
#: Fields of a pushed association the SIS keeps (person and offering are kept as ids).
_KEPT = ("associationId", "associationType", "role", "state", "consumers", "result", "ext")


class Received:
    """Pushed persons and associations, with indexes by person and by offering."""

    def __init__(self) -> None:
        #: personId -> the person as pushed.
        self.persons: dict[str, Doc] = {}
        self._associations: dict[str, tuple[Doc, str, str]] = {}
        self._by_person: dict[str, list[str]] = {}
        self._by_offering: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._associations)

    def put_person(self, ident: str, doc: Doc) -> bool:
        """Keep a pushed person; True when it is new."""
        created = ident not in self.persons
        self.persons[ident] = {**doc, "personId": ident}
        return created

    def put_association(self, ident: str, doc: Doc, person_id: str, offering_id: str) -> bool:
        """Keep a pushed association (replacing an earlier one); True when it is new."""
        kept = {k: doc[k] for k in _KEPT if k in doc}
        kept["associationId"] = ident
        before = self._associations.get(ident)
        if before is not None:
            self._by_person[before[1]].remove(ident)
            self._by_offering[before[2]].remove(ident)
        self._associations[ident] = (kept, person_id, offering_id)
        self._by_person.setdefault(person_id, []).append(ident)
        self._by_offering.setdefault(offering_id, []).append(ident)
        return before is None

    def association(self, ident: str) -> tuple[Doc, str, str] | None:
        """(association, person id, offering id), or None."""
        found = self._associations.get(ident)
        return (dict(found[0]), found[1], found[2]) if found else None

    def set_state(self, ident: str, state: str) -> str:
        """Change the state of a pushed association; returns the state it had.

        Raises:
            KeyError: no such pushed association.
        """
        doc = self._associations[ident][0]
        before = str(doc["state"])
        doc["state"] = state
        return before

    def pending(self) -> list[str]:
        """Ids of pushed associations still waiting for the school's decision."""
        return [i for i, (d, _, _) in self._associations.items() if d.get("state") == "pending"]

    def of_person(self, person_id: str) -> list[tuple[Doc, str, str]]:
        return [self._copy(i) for i in self._by_person.get(person_id, ())]

    def of_offering(self, offering_id: str) -> list[tuple[Doc, str, str]]:
        return [self._copy(i) for i in self._by_offering.get(offering_id, ())]

    def _copy(self, ident: str) -> tuple[Doc, str, str]:
        doc, person, offering = self._associations[ident]
        return dict(doc), person, offering
