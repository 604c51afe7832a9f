"""The changes a school makes to its catalogue over time, one at a time.

Kinds, drawn with the catalogue's seeded random stream (so a sequence of ``mutate``
calls is reproducible): a cohort's capacity changes, a program is renamed, a course is
renamed, a new cohort (the next school year) is opened, a cohort is withdrawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.ooapi_sis.reference import QUALIFICATIONS

if TYPE_CHECKING:
    from simulators.ooapi_sis.generator import SisCatalogue

__all__ = ["Mutator"]

_KINDS = ("capacity", "capacity", "rename-program", "rename-course", "new-cohort", "withdraw")


class Mutator:
    """Applies one change at a time to a :class:`SisCatalogue` (the caller holds its lock)."""

    def __init__(self, catalogue: SisCatalogue) -> None:
        self.catalogue = catalogue
        self.renames = 0

    def one(self) -> str:
        kind = self.catalogue.rng.choice(_KINDS)
        if kind == "rename-course" and not self.catalogue.courses:
            kind = "rename-program"
        if kind == "withdraw" and len(self.catalogue.cohort_keys) < 2:
            kind = "new-cohort"
        return getattr(self, "_" + kind.replace("-", "_"))()  # type: ignore[no-any-return]

    def _random_cohort(self) -> str:
        keys = self.catalogue.cohort_keys
        return self.catalogue.rng.choice(list(keys))

    def _capacity(self) -> str:
        ident = self._random_cohort()
        offering = self.catalogue.offerings[ident]
        before = offering["maxNumberStudents"]
        step = self.catalogue.rng.choice((-4, -2, 2, 4, 6))
        offering["maxNumberStudents"] = max(8, before + step)
        return f"capacity of offering {ident}: {before} -> {offering['maxNumberStudents']}"

    def _rename_program(self) -> str:
        ident = self.catalogue.rng.choice(list(self.catalogue.programs))
        self.renames += 1
        name = self.catalogue.programs[ident]["name"][0]
        base = name["value"].split(" - editie ")[0]
        name["value"] = f"{base} - editie {self.renames}"
        return f"program {ident} renamed to {name['value']!r}"

    def _rename_course(self) -> str:
        ident = self.catalogue.rng.choice(list(self.catalogue.courses))
        self.renames += 1
        name = self.catalogue.courses[ident]["name"][0]
        base = name["value"].split(" - editie ")[0]
        name["value"] = f"{base} - editie {self.renames}"
        return f"course {ident} renamed to {name['value']!r}"

    def _new_cohort(self) -> str:
        catalogue = self.catalogue
        q_index, leerweg, location_index, _ = catalogue.cohort_keys[self._random_cohort()]
        taken = [year for (q, lw, loc, year) in catalogue.cohort_keys.values()
                 if (q, lw, loc) == (q_index, leerweg, location_index)]
        year = max(taken) + 1
        program_id = catalogue.program_of(q_index, leerweg)
        ident = catalogue.add_cohort(q_index, leerweg, location_index, year, program_id)
        crebo = QUALIFICATIONS[q_index].crebo
        return (f"new cohort {year}-{year + 1} of {crebo} {leerweg} at "
                f"{catalogue.locations[location_index]}: offering {ident}")

    def _withdraw(self) -> str:
        catalogue = self.catalogue
        ident = self._random_cohort()
        offering = catalogue.offerings.pop(ident)
        catalogue.cohort_keys.pop(ident)
        catalogue.offerings_of_program[offering["program"]].remove(ident)
        return f"offering {ident} withdrawn"
