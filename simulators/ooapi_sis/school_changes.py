"""The changes a school's population goes through, one at a time, and decisions on applications.

Drawn with the school's seeded random stream, so a sequence of calls is reproducible:

- persons: a person moves (a new address), corrects a surname, or gets an ECK iD;
- enrolments: a student leaves (``associated`` -> ``canceled``), an application is decided
  (``pending`` -> ``associated`` or ``denied``), a keuzedeel sign-up is confirmed or
  cancelled.

:meth:`SchoolMutator.decide` accepts or rejects one application, pushed or generated;
:meth:`SchoolMutator.cancel` ends one association (the student leaves).
The descriptions returned name ids only: the personal data stays in the documents.
"""

from __future__ import annotations

from collections.abc import Callable

from simulators.ooapi_sis.people import CITIES, STREETS, SURNAMES
from simulators.ooapi_sis.population import (
    APPLICATION,
    ASSOCIATED,
    CANCELED,
    DENIED,
    KEUZEDEEL,
    PENDING,
    PROGRAMME,
    STATES,
    SisSchool,
)

__all__ = ["NotDecidable", "SchoolMutator"]

_TRIES = 500


class NotDecidable(ValueError):
    """The association is not in a state the change applies to (answered with 409)."""


class SchoolMutator:
    """Applies changes to a :class:`SisSchool`; the caller holds its lock."""

    def __init__(self, school: SisSchool) -> None:
        self.school = school

    def persons(self, count: int) -> list[str]:
        kinds: tuple[Callable[[int], str], ...] = (self._move, self._move, self._surname,
                                                   self._eck)
        rng = self.school.rng
        changes = [rng.choice(kinds)(rng.randrange(self.school.persons)) for _ in range(count)]
        self.school.version += 1
        return changes

    def enrolments(self, count: int) -> list[str]:
        kinds: tuple[Callable[[], str | None], ...] = (self._leave, self._decide_generated,
                                                       self._keuzedeel)
        rng = self.school.rng
        changes = []
        for _ in range(count):
            for kind in rng.sample(kinds, len(kinds)):
                change = kind()
                if change is not None:
                    changes.append(change)
                    break
        self.school.version += 1
        return changes

    def decide(self, ident: str, *, accept: bool) -> str:
        """Accept (``associated``) or reject (``denied``) a pending or queued application.

        Raises:
            KeyError: the SIS has no such association.
            NotDecidable: it is not waiting for a decision.
        """

        school = self.school
        target = ASSOCIATED if accept else DENIED
        number = school.association_number(ident)
        if number is not None:
            n, slot = divmod(number, 4)
            if slot != APPLICATION or STATES[school.slot_state[slot][n]] not in ("pending",
                                                                                  "queued"):
                raise NotDecidable(f"association {ident} is not a pending application")
            school.slot_state[slot][n] = target
        else:
            found = school.received.association(ident)
            if found is None:
                raise KeyError(ident)
            if found[0].get("state") not in ("pending", "queued"):
                raise NotDecidable(f"association {ident} is not a pending application")
            school.received.set_state(ident, STATES[target])
        school.version += 1
        return f"association {ident}: {STATES[target]}"

    def cancel(self, ident: str) -> str:
        """End an ``associated`` association: the student leaves (``canceled``).

        Raises:
            KeyError: the SIS has no such association.
            NotDecidable: it is not ``associated``.
        """
        school = self.school
        number = school.association_number(ident)
        if number is not None:
            n, slot = divmod(number, 4)
            if school.slot_state[slot][n] != ASSOCIATED:
                raise NotDecidable(f"association {ident} is not associated")
            school.slot_state[slot][n] = CANCELED
        else:
            found = school.received.association(ident)
            if found is None:
                raise KeyError(ident)
            if found[0].get("state") != "associated":
                raise NotDecidable(f"association {ident} is not associated")
            school.received.set_state(ident, "canceled")
        school.version += 1
        return f"association {ident}: canceled"

    # -- persons --------------------------------------------------------------------------
    def _changed(self, number: int, **fields: object) -> None:
        self.school.person_changes.setdefault(number, {}).update(fields)

    def _move(self, number: int) -> str:
        rng = self.school.rng
        self._changed(number, address={
            "addressType": "postal", "street": rng.choice(STREETS),
            "streetNumber": str(rng.randrange(1, 240)),
            "postalCode": f"{rng.randrange(1000, 9999)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
                          f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            "city": rng.choice(CITIES), "countryCode": "NL"})
        return f"person {self.school.person_id(number)} moved"

    def _surname(self, number: int) -> str:
        prefix, surname = self.school.rng.choice(SURNAMES)
        doc = self.school.person_of(number)
        self._changed(number, surname=surname, surnamePrefix=prefix or None,  # None removes
                      displayName=" ".join(p for p in (doc["givenName"], prefix, surname) if p))
        return f"person {self.school.person_id(number)}: surname corrected"

    def _eck(self, number: int) -> str:
        code = f"https://ketenid.nl/201703/{self.school.rng.getrandbits(256):064x}"
        self._changed(number, otherCodes=[{"codeType": "eckid", "code": code}])
        return f"person {self.school.person_id(number)}: new ECK iD"

    # -- enrolments -----------------------------------------------------------------------
    def _find(self, slot: int, states: tuple[int, ...]) -> int | None:
        school = self.school
        for _ in range(_TRIES):
            n = school.rng.randrange(school.students)
            if school.slot_offering[slot][n] >= 0 and school.slot_state[slot][n] in states:
                return n
        return None

    def _leave(self) -> str | None:

        n = self._find(PROGRAMME, (ASSOCIATED,))
        if n is None:
            return None
        self.school.slot_state[PROGRAMME][n] = CANCELED
        return f"association {self._ident(n, PROGRAMME)}: canceled (student left)"

    def _decide_generated(self) -> str | None:

        n = self._find(APPLICATION, (PENDING,))
        if n is None:
            return None
        target = ASSOCIATED if self.school.rng.random() < 0.8 else DENIED
        self.school.slot_state[APPLICATION][n] = target
        word = "associated" if target == ASSOCIATED else "denied"
        return f"association {self._ident(n, APPLICATION)}: {word} (application decided)"

    def _keuzedeel(self) -> str | None:

        n = self._find(KEUZEDEEL, (PENDING, ASSOCIATED))
        if n is None:
            return None
        before = self.school.slot_state[KEUZEDEEL][n]
        self.school.slot_state[KEUZEDEEL][n] = ASSOCIATED if before == PENDING else CANCELED
        word = "associated" if before == PENDING else "canceled"
        return f"association {self._ident(n, KEUZEDEEL)}: {word} (keuzedeel)"

    def _ident(self, n: int, slot: int) -> str:
        return self.school.association_ids.encode(n * 4 + slot)
