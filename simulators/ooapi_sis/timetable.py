"""The lessons and exam sessions of the school's klassen: OOAPI components and component offerings.

``SisTimetable(school, sessions_per_klas=10)`` gives every klas ``sessions_per_klas``
component offerings, a school week at a time, half the weeks before ``today``: four
lessons (``componentType`` ``lecture``, in a room) then an exam session (``test``, at an
exam ``locationCode`` of the mbo profile's ``nl-test-admin`` entry), each of one of the two
courses the klas follows. Every course has two components: its lessons and its exam.

Nothing is stored per offering: offering ``n`` is klas ``n // sessions_per_klas``, session
``n % sessions_per_klas``, built from the seed when asked for, so 10,000 students cost no
memory. Only changes are kept (``changes``: fields that override the generated ones;
``removed``). Ids are numbered UUIDs (:mod:`.numbered_ids`), stable for a seed.

Each offering has its klas as group (``/offerings/{offeringId}/groups``) and a lecturer
from the staff (an association with role ``lecturer``, in
``/offerings/{offeringId}/associations``): the staff member ``(klas * 3 + course) % staff``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from simulators.ooapi_sis.documents import nl
from simulators.ooapi_sis.numbered_ids import NumberedIds

if TYPE_CHECKING:
    from simulators.ooapi_sis.population import SisSchool

__all__ = ["AMSTERDAM", "SisTimetable"]

Doc = dict[str, Any]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NL_TEST_ADMIN = "nl-test-admin"
_LESSON_MINUTES, _EXAM_MINUTES = 90, 120
_DAYS = 5


class SisTimetable:
    """The components and component offerings of a school (see the module docstring).

    Args:
        school: the school; its klassen and the catalogue's courses.
        sessions_per_klas: component offerings per klas (0: none).
    """

    def __init__(self, school: SisSchool, sessions_per_klas: int = 10) -> None:
        if sessions_per_klas < 0:
            raise ValueError("sessions_per_klas is at least 0")
        self.school = school
        self.per_klas = sessions_per_klas
        self.course_ids = sorted(school.catalogue.courses)
        self.component_ids = NumberedIds(school.seed, "component")
        self.offering_ids = NumberedIds(school.seed, "component-offering")
        self.room_ids = NumberedIds(school.seed, "room")
        self.staff_association_ids = NumberedIds(school.seed, "staff-association")
        coming = school.today + timedelta(days=(7 - school.today.weekday()) % 7)
        weeks = -(-sessions_per_klas // _DAYS)
        #: Half the weeks lie before the coming Monday, half from it.
        self.first_monday = coming - timedelta(days=7 * (weeks // 2))
        #: Fields that override the generated ones, by offering number.
        self.changes: dict[int, Doc] = {}
        #: Offerings the school took off the timetable.
        self.removed: set[int] = set()

    # -- components -----------------------------------------------------------------------
    @property
    def components(self) -> int:
        return 2 * len(self.course_ids) if self.per_klas else 0

    def component_number(self, ident: str) -> int | None:
        number = self.component_ids.decode(ident)
        return number if number is not None and number < self.components else None

    def component(self, number: int) -> Doc:
        """Component ``number``: the lessons (even) or the exam (odd) of a course."""
        course_id = self.course_ids[number // 2]
        code = self.school.catalogue.courses[course_id]["primaryCode"]["code"]
        exam = number % 2 == 1
        what = "Examen" if exam else "Lessen"
        return {"componentId": self.component_ids.encode(number),
                "primaryCode": {"codeType": "componentCode",
                                "code": f"{code}-{'EX' if exam else 'LES'}"},
                "componentType": "test" if exam else "lecture",
                "name": nl(f"{what} {code}"), "abbreviation": f"{code}-{what[:3].upper()}",
                "teachingLanguage": "nld", "modeOfDelivery": ["situated"],
                "description": nl(f"{what} van {code}."), "course": course_id}

    def all_components(self) -> Iterator[Doc]:
        return (self.component(n) for n in range(self.components))

    # -- component offerings --------------------------------------------------------------
    @property
    def size(self) -> int:
        """Offering numbers in use (removed ones included)."""
        return len(self.school.groups) * self.per_klas if self.course_ids else 0

    def offering_number(self, ident: str) -> int | None:
        number = self.offering_ids.decode(ident)
        if number is None or number >= self.size or number in self.removed:
            return None
        return number

    def offering(self, number: int) -> Doc:
        """Component offering ``number`` as the SIS serves it now."""
        klas, session = divmod(number, self.per_klas)
        exam = session % _DAYS == _DAYS - 1
        course = self._course(number)
        group = self.school.group_code(klas)
        day = self.first_monday + timedelta(days=7 * (session // _DAYS) + session % _DAYS)
        start = datetime.combine(day, time(8 + 2 * (klas % 4), 30), AMSTERDAM)
        minutes = _EXAM_MINUTES if exam else _LESSON_MINUTES
        component = self.component(course * 2 + int(exam))
        entry: Doc = {"consumerKey": NL_TEST_ADMIN, "offeringState": "active"}
        doc: Doc = {
            "offeringId": self.offering_ids.encode(number), "offeringType": "component",
            "primaryCode": {"codeType": "offeringCode", "code": f"{group}-{session + 1:03d}"},
            "name": nl(f"{component['name'][0]['value']} {group} ({session + 1})"),
            "description": nl(f"{'Examenzitting' if exam else 'Les'} van klas {group}."),
            "teachingLanguage": "nld", "modeOfDelivery": ["situated"], "resultExpected": exam,
            "startDateTime": start.isoformat(),
            "endDateTime": (start + timedelta(minutes=minutes)).isoformat(),
            "component": component["componentId"], "consumers": [entry],
        }
        if exam:
            entry.update({"duration": f"PT{minutes}M", "startOptions": "individualStart",
                          "locationCode": f"EX-{klas % 7 + 1}"})
        else:
            doc["room"] = self.room(klas % 40)
        for key, value in self.changes.get(number, {}).items():
            if key == "offeringState":
                entry["offeringState"] = value
            elif key == "locationCode":
                entry["locationCode"] = value
            else:
                doc[key] = value
        return doc

    def _course(self, number: int) -> int:
        klas, session = divmod(number, self.per_klas)
        return (klas * 2 + session % 2) % len(self.course_ids)

    def group_numbers_of(self, number: int) -> list[int]:
        """The klassen of offering ``number``: its own, unless it was dissolved."""
        klas = number // self.per_klas
        return [] if klas in self.school.removed_groups else [klas]

    def staff_associations(self, number: int) -> list[tuple[Doc, str]]:
        """(association, person id) of the staff of offering ``number``: its lecturer."""
        school = self.school
        if not school.staff:
            return []
        klas = number // self.per_klas
        lecturer = school.students + (klas * 3 + self._course(number)) % school.staff
        doc = {"associationId": self.staff_association_ids.encode(number),
               "associationType": "componentOfferingAssociation", "role": "lecturer",
               "state": "associated"}
        return [(doc, school.person_id(lecturer))]

    def room(self, number: int) -> Doc:
        code = f"B{number // 10 + 1}.{number % 10 + 1:02d}"
        return {"roomId": self.room_ids.encode(number), "roomType": "lecture room",
                "primaryCode": {"codeType": "roomCode", "code": code},
                "name": nl(f"Lokaal {code}")}

    def offering_numbers(self) -> Iterator[int]:
        return (n for n in range(self.size) if n not in self.removed)

    def offerings(self) -> list[Doc]:
        """Every component offering the SIS lists now."""
        return [self.offering(n) for n in self.offering_numbers()]

    def offerings_of_component(self, ident: str) -> list[Doc]:
        return [d for d in self.offerings() if d["component"] == ident]
