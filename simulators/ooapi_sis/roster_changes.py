"""The changes a school's klassen and timetable go through, drawn from its seeded stream.

- klassen: a klas is renamed, a klas is dissolved (it leaves ``/groups``), a student is
  taken out of a klas (it leaves ``/groups/{groupId}/members`` and ``/persons``);
- timetable: a lesson or exam session moves (a day later, the same hours), its room
  changes, it is cancelled (``offeringState`` ``canceled``), or it is taken off the
  timetable (it leaves ``/offerings``).

``POST /_simulator/mutate`` takes ``groups=N``, ``timetable=N``, ``dropGroup=<groupId>``,
``dropMember=<groupId>/<personId>`` and ``dropOffering=<offeringId>`` (repeatable) for
them (:func:`apply_roster_changes`).
Descriptions name ids only. The caller holds the school's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from simulators.ooapi_sis.documents import nl

if TYPE_CHECKING:
    from starlette.datastructures import QueryParams

    from simulators.ooapi_sis.population import SisSchool

__all__ = ["PARAMS", "RosterMutator", "apply_roster_changes"]

#: The query parameters of ``/_simulator/mutate`` that ask for these changes.
PARAMS = ("groups", "timetable", "dropGroup", "dropMember", "dropOffering")


class RosterMutator:
    """Applies klas and timetable changes to a :class:`SisSchool`."""

    def __init__(self, school: SisSchool) -> None:
        self.school = school
        self.renames = 0

    def groups(self, count: int) -> list[str]:
        kinds: tuple[Callable[[int], str], ...] = (self._rename, self._rename,
                                                   self._take_out, self._dissolve)
        rng = self.school.rng
        changes = []
        for _ in range(count):
            live = list(self.school.group_numbers())
            if len(live) < 2:
                break
            changes.append(rng.choice(kinds)(rng.choice(live)))
        self.school.version += 1
        return changes

    def timetable(self, count: int) -> list[str]:
        kinds: tuple[Callable[[int], str], ...] = (self._move, self._room, self._cancel,
                                                   self._take_off)
        timetable, rng = self.school.timetable, self.school.rng
        changes = []
        for _ in range(count):
            if timetable.size - len(timetable.removed) < 2:
                break
            number = rng.randrange(timetable.size)
            while number in timetable.removed:
                number = rng.randrange(timetable.size)
            changes.append(rng.choice(kinds)(number))
        self.school.version += 1
        return changes

    def drop_group(self, ident: str) -> str:
        """Dissolve one klas. Raises KeyError when the SIS lists no such klas."""
        number = self.school.group_number(ident)
        if number is None:
            raise KeyError(ident)
        self.school.version += 1
        return self._dissolve(number)

    def drop_member(self, key: str) -> str:
        """Take one member out of a klas. Raises KeyError when the klas does not list it."""
        group, _, person = key.partition("/")
        number = self.school.group_number(group)
        person_number = self.school.person_number(person)
        if number is None or person_number is None or person not in {
                m["personId"] for m in self.school.members(number)}:
            raise KeyError(key)
        self.school.removed_members.add((number, person_number))
        self.school.version += 1
        return f"group {group}: member {person} taken out"

    def drop_offering(self, ident: str) -> str:
        """Take one lesson or exam session off. Raises KeyError when it is not listed."""
        number = self.school.timetable.offering_number(ident)
        if number is None:
            raise KeyError(ident)
        self.school.version += 1
        return self._take_off(number)

    # -- klassen --------------------------------------------------------------------------
    def _group_id(self, number: int) -> str:
        return self.school.group_ids.encode(number)

    def _rename(self, number: int) -> str:
        self.renames += 1
        name = self.school.group(number)["name"][0]["value"].split(" - ")[0]
        self.school.group_changes.setdefault(number, {})["name"] = nl(
            f"{name} - {self.renames}")
        return f"group {self._group_id(number)} renamed"

    def _dissolve(self, number: int) -> str:
        self.school.removed_groups.add(number)
        return f"group {self._group_id(number)} dissolved"

    def _take_out(self, number: int) -> str:
        members = [m for m in self.school.members(number) if m["role"] == "student"]
        if not members:
            return self._rename(number)
        person = self.school.rng.choice(members)["personId"]
        person_number = self.school.person_number(person)
        assert person_number is not None  # noqa: S101 - members are generated persons
        self.school.removed_members.add((number, person_number))
        return f"group {self._group_id(number)}: member {person} taken out"

    # -- timetable ------------------------------------------------------------------------
    def _offering_id(self, number: int) -> str:
        return self.school.timetable.offering_ids.encode(number)

    def _move(self, number: int) -> str:
        doc = self.school.timetable.offering(number)
        changed = self.school.timetable.changes.setdefault(number, {})
        for key in ("startDateTime", "endDateTime"):
            changed[key] = (datetime.fromisoformat(doc[key]) + timedelta(days=1)).isoformat()
        return f"offering {self._offering_id(number)} moved a day"

    def _room(self, number: int) -> str:
        timetable = self.school.timetable
        doc = timetable.offering(number)
        changed = timetable.changes.setdefault(number, {})
        if "room" in doc:
            other = self.school.rng.randrange(40, 80)
            if timetable.room(other) == doc["room"]:
                other = 40 + (other - 39) % 40
            changed["room"] = timetable.room(other)
        else:
            changed["locationCode"] = f"EX-{self.school.rng.randrange(8, 20)}"
        return f"offering {self._offering_id(number)}: other room"

    def _cancel(self, number: int) -> str:
        self.school.timetable.changes.setdefault(number, {})["offeringState"] = "canceled"
        return f"offering {self._offering_id(number)} cancelled"

    def _take_off(self, number: int) -> str:
        self.school.timetable.removed.add(number)
        return f"offering {self._offering_id(number)} taken off the timetable"


def apply_roster_changes(mutator: RosterMutator, params: QueryParams | Mapping[str, str],
                         number: Callable[[str], int]) -> list[str]:
    """The changes ``params`` ask for (see the module docstring).

    Args:
        mutator: the school's mutator (the school's lock held).
        params: the query of ``/_simulator/mutate``.
        number: reads a count parameter (answers 400 to a bad one).

    Raises:
        KeyError: ``dropGroup``/``dropOffering`` names nothing the SIS lists.
    """
    changes = mutator.groups(n) if (n := number("groups")) else []
    if n := number("timetable"):
        changes += mutator.timetable(n)
    getlist = getattr(params, "getlist", lambda name: [params[name]] if name in params else [])
    changes += [mutator.drop_group(i) for i in getlist("dropGroup")]
    changes += [mutator.drop_member(i) for i in getlist("dropMember")]
    changes += [mutator.drop_offering(i) for i in getlist("dropOffering")]
    return changes
