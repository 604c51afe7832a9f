"""The students and staff of the simulated school, their enrolments, klassen and changes.

``SisSchool(catalogue, students=50_000)`` adds the running cohorts to the catalogue and
enrols the students in them. Per student it keeps a few small integers (which cohort,
which application, which keuzedeel, and the state of each) in compact arrays; persons,
associations and groups are built as documents only when asked for (from the seed and the
person's number, :mod:`.people`), so 50,000 students cost a few megabytes. Example::

    school = SisSchool(SisCatalogue(200, seed=7), students=50_000)
    school.person(school.person_id(41))             # the person document of student 41
    school.associations_of_person(school.person_id(41))

Every student but the applicants (5 %) has a programme offering association (the
enrolment, "opleidingsblad") with a running cohort: ``associated``, or ``canceled`` when
they left. One in ten also applied for a cohort of next school year and about 58 % signed
up for a keuzedeel (a course offering): on average 1.65 associations per student. The
applicants have only their application (``pending``, ``associated``, ``denied``, ...).
Each running cohort is split into klassen of ``class_size`` students with a mentor from
the staff. ``version`` goes up with every change, so servers may cache per version.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from datetime import date
from typing import Any

from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.numbered_ids import NumberedIds
from simulators.ooapi_sis.people import identity, student_number
from simulators.ooapi_sis.received import Received
from simulators.ooapi_sis.timetable import SisTimetable

__all__ = ["APPLICATION", "KEUZEDEEL", "PROGRAMME", "STATES", "SisSchool"]

Doc = dict[str, Any]
#: Association states, as stored per student (an index into this tuple).
STATES = ("associated", "pending", "canceled", "denied", "queued")
ASSOCIATED, PENDING, CANCELED, DENIED, QUEUED = range(5)
#: The association slots of a student: association number = person number * 4 + slot.
PROGRAMME, APPLICATION, KEUZEDEEL = 0, 1, 2
_APPLICATION_STATES = (PENDING,) * 12 + (ASSOCIATED,) * 3 + (DENIED, DENIED, CANCELED,
                                                             CANCELED, QUEUED)
_KEUZEDEEL_STATES = (ASSOCIATED,) * 16 + (PENDING,) * 3 + (CANCELED,)


class SisSchool:
    """The population of one simulated school (see the module docstring).

    Args:
        catalogue: the school's catalogue; running cohorts are added to it.
        students: the number of students, at least 1.
        staff: the number of employees; default one per 25 students.
        eck_share: the share of persons with an ECK iD.
        class_size: students per klas.
        sessions_per_klas: lessons and exam sessions (component offerings) per klas
            (:mod:`.timetable`); 0, the default, serves none.
    """

    def __init__(self, catalogue: SisCatalogue, students: int = 1000, *,
                 staff: int | None = None, eck_share: float = 0.35,
                 class_size: int = 28, sessions_per_klas: int = 0) -> None:
        if students < 1 or class_size < 1:
            raise ValueError("a school needs students and klassen of at least one")
        self.catalogue = catalogue
        self.lock = catalogue.lock
        self.today = catalogue.today
        self.seed = catalogue.seed
        self.students = students
        self.staff = max(1, students // 25) if staff is None else staff
        self.eck_share = eck_share
        self.class_size = class_size
        self.domain = "roc-midden.example.nl"
        self.version = 0
        self.person_ids = NumberedIds(self.seed, "person")
        self.association_ids = NumberedIds(self.seed, "association")
        self.group_ids = NumberedIds(self.seed, "group")
        self.running = catalogue.open_running_cohorts()
        self.upcoming = sorted(i for i, d in catalogue.offerings.items()
                               if d["offeringType"] == "program" and i in catalogue.cohort_keys)
        self.courses = sorted(i for i, d in catalogue.offerings.items()
                              if d["offeringType"] == "course")
        #: Per student: the index of its cohort / application / keuzedeel (-1: none) ...
        self.slot_offering = [array("i", [-1]) * students for _ in range(3)]
        #: ... and the state of each (an index into STATES).
        self.slot_state = [bytearray(students) for _ in range(3)]
        #: offering id -> association numbers (person number * 4 + slot), ascending.
        self.by_offering: dict[str, array[int]] = {}
        #: Klassen: (running cohort index, klas number in the cohort, position of its first
        #: student among the cohort's associations, student count).
        self.groups: list[tuple[int, int, int, int]] = []
        #: Changed fields of generated persons, by person number (None removes a field).
        self.person_changes: dict[int, Doc] = {}
        #: Persons and associations pushed to the SIS (``PUT``).
        self.received = Received()
        self.rng = random.Random(f"{self.seed}/school-changes")
        #: Changed fields of klassen, klassen removed, and (klas, person number) pairs of
        #: members taken out of their klas (:mod:`.roster_changes`).
        self.group_changes: dict[int, Doc] = {}
        self.removed_groups: set[int] = set()
        self.removed_members: set[tuple[int, int]] = set()
        self._enrol()
        self.timetable = SisTimetable(self, sessions_per_klas)

    # -- building -------------------------------------------------------------------------
    def _offerings_of(self, slot: int) -> list[str]:
        return (self.running, self.upcoming, self.courses)[slot]

    def _enrol(self) -> None:
        rng = random.Random(f"{self.seed}/population/{self.students}")
        for n in range(self.students):
            if not self.running or rng.random() < 0.05:  # an applicant, not yet a student
                self._assign(n, APPLICATION, rng.randrange(len(self.upcoming)),
                             rng.choice(_APPLICATION_STATES))
                continue
            state = ASSOCIATED if rng.random() < 0.95 else CANCELED
            self._assign(n, PROGRAMME, rng.randrange(len(self.running)), state)
            if rng.random() < 0.10:
                self._assign(n, APPLICATION, rng.randrange(len(self.upcoming)),
                             rng.choice(_APPLICATION_STATES))
            if self.courses and rng.random() < 0.58:
                self._assign(n, KEUZEDEEL, rng.randrange(len(self.courses)),
                             rng.choice(_KEUZEDEEL_STATES))
        for index, offering in enumerate(self.running):
            cohort = len(self.by_offering.get(offering, ()))
            klassen = -(-cohort // self.class_size)  # as even as they come
            for k in range(klassen):
                first, last = cohort * k // klassen, cohort * (k + 1) // klassen
                self.groups.append((index, k, first, last - first))

    def _assign(self, n: int, slot: int, offering_index: int, state: int) -> None:
        self.slot_offering[slot][n] = offering_index
        self.slot_state[slot][n] = state
        offering = self._offerings_of(slot)[offering_index]
        self.by_offering.setdefault(offering, array("q")).append(n * 4 + slot)

    # -- persons --------------------------------------------------------------------------
    @property
    def persons(self) -> int:
        """Generated persons: students, then staff."""
        return self.students + self.staff

    def person_id(self, number: int) -> str:
        return self.person_ids.encode(number)

    def person_number(self, ident: str) -> int | None:
        number = self.person_ids.decode(ident)
        return number if number is not None and number < self.persons else None

    def person(self, ident: str) -> Doc | None:
        """The person document, or None when the SIS does not know the id."""
        number = self.person_number(ident)
        if number is None:
            return self.received.persons.get(ident)
        return self.person_of(number)

    def person_of(self, number: int) -> Doc:
        staff = number >= self.students
        who = identity(self.seed, number, today=self.today, staff=staff,
                       eck_share=self.eck_share)
        code = f"MW{number - self.students:05d}" if staff else student_number(number)
        active = not staff and self.slot_offering[PROGRAMME][number] >= 0 \
            and self.slot_state[PROGRAMME][number] == ASSOCIATED
        doc = pdocs.person(self.person_id(number), who, code=code, staff=staff,
                           active=True if staff else active, domain=self.domain)
        for key, value in self.person_changes.get(number, {}).items():
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
        return doc

    # -- associations ---------------------------------------------------------------------
    def association_number(self, ident: str) -> int | None:
        number = self.association_ids.decode(ident)
        if number is None or number // 4 >= self.students or number % 4 > KEUZEDEEL:
            return None
        return number if self.slot_offering[number % 4][number // 4] >= 0 else None

    def association(self, number: int) -> tuple[Doc, str, str] | None:
        """(association, person id, offering id) of association ``number``, if it exists."""
        n, slot = divmod(number, 4)
        offering_id = self._offerings_of(slot)[self.slot_offering[slot][n]]
        offering = self.catalogue.offerings.get(offering_id)
        if offering is None:  # the catalogue withdrew the cohort
            return None
        programme = None
        if slot == KEUZEDEEL and self.slot_offering[PROGRAMME][n] >= 0:
            programme = self.association_ids.encode(n * 4 + PROGRAMME)
        doc = pdocs.association(
            self.association_ids.encode(number), offering["offeringType"],
            STATES[self.slot_state[slot][n]], start=date.fromisoformat(offering["startDate"]),
            expected_end=date.fromisoformat(offering["endDate"]),
            sequence=f"{student_number(n)}-{slot + 1}", programme_association=programme)
        return doc, self.person_id(n), offering_id

    def association_numbers_of(self, person_number: int) -> Iterator[int]:
        if person_number < self.students:
            for slot in (PROGRAMME, APPLICATION, KEUZEDEEL):
                if self.slot_offering[slot][person_number] >= 0:
                    yield person_number * 4 + slot

    def associations_of_person(self, ident: str) -> list[tuple[Doc, str, str]]:
        """Every association of a person (generated and pushed), or [] for none."""
        found = []
        number = self.person_number(ident)
        if number is not None:
            found = [a for a in map(self.association, self.association_numbers_of(number)) if a]
        return found + self.received.of_person(ident)

    def associations_of_offering(self, offering_id: str) -> list[tuple[Doc, str, str]]:
        found = [a for a in map(self.association, self.by_offering.get(offering_id, ())) if a]
        return found + self.received.of_offering(offering_id)

    def find_association(self, ident: str) -> tuple[Doc, str, str] | None:
        number = self.association_number(ident)
        if number is not None:
            return self.association(number)
        return self.received.association(ident)

    # -- groups ---------------------------------------------------------------------------
    def group_number(self, ident: str) -> int | None:
        number = self.group_ids.decode(ident)
        if number is None or number >= len(self.groups) or number in self.removed_groups:
            return None
        return number

    def group_numbers(self) -> Iterator[int]:
        """The klassen the SIS lists now."""
        return (n for n in range(len(self.groups)) if n not in self.removed_groups)

    def group_code(self, number: int) -> str:
        index, klas, _, _ = self.groups[number]
        offering = self.catalogue.offerings[self.running[index]]
        crebo, leerweg, location, year = offering["primaryCode"]["code"].split("-")
        return f"{location[-3:]}-{crebo}{leerweg}{int(year) % 100:02d}{_klas_letter(klas)}"

    def group(self, number: int) -> Doc:
        index, _, _, count = self.groups[number]
        offering = self.catalogue.offerings[self.running[index]]
        code = self.group_code(number)
        count += 1 if self.staff else 0
        if self.removed_members:
            count = len(self.members(number))
        doc = pdocs.group(self.group_ids.encode(number), code=code,
                          name=f"Klas {code} {offering['name'][0]['value']}",
                          start=date.fromisoformat(offering["startDate"]),
                          end=date.fromisoformat(offering["endDate"]), count=count,
                          organization=offering["organization"])
        doc.update(self.group_changes.get(number, {}))
        return doc

    def members(self, number: int) -> list[Doc]:
        """The klas's students, then its mentor (role ``lecturer``)."""
        index, _, first, count = self.groups[number]
        offering = self.catalogue.offerings[self.running[index]]
        start = date.fromisoformat(offering["startDate"])
        end = date.fromisoformat(offering["endDate"])
        numbers = self.by_offering[self.running[index]][first:first + count]
        found = [pdocs.member(self.person_id(a // 4), start=start, end=end, role="student",
                              active=self.slot_state[PROGRAMME][a // 4] == ASSOCIATED)
                 for a in numbers if (number, a // 4) not in self.removed_members]
        mentor = self.students + number % self.staff if self.staff else None
        if mentor is not None and (number, mentor) not in self.removed_members:
            found.append(pdocs.member(self.person_id(mentor), start=start, end=end,
                                      role="lecturer", active=True))
        return found


def _klas_letter(klas: int) -> str:
    return chr(ord("A") + klas) if klas < 26 else f"Z{klas}"
