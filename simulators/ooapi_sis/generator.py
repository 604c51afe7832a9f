"""A generated mbo catalogue, deterministic for (size, seed, today), that changes on request.

``offerings`` counts programme offerings as RIO knows them: distinct (crebo, leerweg,
location) triples. Each has ``cohorts`` OOAPI program offerings (one per school year,
the first starting after ``today``); ``courses`` modules and keuzedelen come with one
course offering each. Example::

    catalogue = SisCatalogue(offerings=2000, seed=7, cohorts=3, courses=5000)
    catalogue.mutate(5)   # -> ["capacity of offering ... 24 -> 28", ...]

Ids are UUIDv5 of the seed and a natural key, so the same catalogue always has the same
ids and a mutated one keeps the ids of what it did not remove.
"""

from __future__ import annotations

import math
import random
import threading
import uuid
from datetime import date
from typing import Any

from simulators.ooapi_sis import documents as docs
from simulators.ooapi_sis.mutations import Mutator
from simulators.ooapi_sis.reference import KEUZEDELEN, MODULE_TOPICS, QUALIFICATIONS, TOWNS

__all__ = ["SisCatalogue"]

Doc = dict[str, Any]
_BASE = uuid.UUID("0c0a7b9e-4a0e-5d7e-9e57-6f6f61706973")
_MODES = {"BOL": ("full-time",), "BBL": ("part-time", "dual training")}


class SisCatalogue:
    """The documents of one simulated school, and indexes to serve them.

    Args:
        offerings: programme offerings (crebo x leerweg x location), at least 1.
        seed: makes the catalogue (and the sequence of mutations) reproducible.
        cohorts: program offerings (school years) per programme offering.
        courses: modules and keuzedelen; default two and a half per programme offering.
        today: the simulated date: cohorts start in the school years after it, and
            ``since`` defaults to it. Default: the real date.
    """

    def __init__(
        self, offerings: int = 100, *, seed: int = 1, cohorts: int = 3,
        courses: int | None = None, today: date | None = None,
    ) -> None:
        if offerings < 1 or cohorts < 1:
            raise ValueError("a catalogue needs at least one offering and one cohort")
        self.today = today or date.today()
        self.first_year = self.today.year + (1 if self.today >= date(self.today.year, 8, 1)
                                             else 0)
        self.seed = seed
        self.lock = threading.RLock()
        #: Bumped by every mutation; servers cache sorted lists per version.
        self.version = 0
        self.rng = random.Random(seed)
        self._ns = uuid.uuid5(_BASE, f"seed/{seed}")
        self.brin = f"{self.rng.randrange(10, 99)}{self.rng.choice('ABCDEFGHKLMNPRSTUVWXZ')}" \
                    f"{self.rng.choice('ABCDEFGHKLMNPRSTUVWXZ')}"
        self.aanbieder = f"{self.rng.randrange(100, 999)}A{self.rng.randrange(100, 999)}"
        self.service = docs.service("roc-midden.example.nl")
        self.organizations: dict[str, Doc] = {}
        self.academic_sessions: dict[str, Doc] = {}
        self.education_specifications: dict[str, Doc] = {}
        self.programs: dict[str, Doc] = {}
        self.courses: dict[str, Doc] = {}
        self.offerings: dict[str, Doc] = {}
        self.offerings_of_program: dict[str, list[str]] = {}
        self.offerings_of_course: dict[str, list[str]] = {}
        #: offeringId -> (qualification index, leerweg, location index, year)
        self.cohort_keys: dict[str, tuple[int, str, int, int]] = {}
        self._build(offerings, cohorts, offerings * 5 // 2 if courses is None else courses)
        self.mutator = Mutator(self)

    def uid(self, *key: object) -> str:
        """The id of a natural key, stable for this seed."""
        return str(uuid.uuid5(self._ns, "/".join(str(k) for k in key)))

    def mutate(self, count: int) -> list[str]:
        """Make ``count`` changes a school makes over time; returns what changed."""
        with self.lock:
            changes = [self.mutator.one() for _ in range(count)]
            self.version += 1
            return changes

    # -- building ------------------------------------------------------------------------

    def _build(self, size: int, cohorts: int, courses: int) -> None:
        root = self.uid("organization", "root")
        self.organizations[root] = docs.root_organization(
            root, "ROC Midden", "ROC Midden", self.brin, self.aanbieder)
        combos = len(QUALIFICATIONS) * 2
        n_locations = max(2, math.ceil(size / (combos * 0.75)))
        prefix = self.rng.randrange(100, 999)
        suffixes = sorted(self.rng.sample(range(1000), n_locations))
        self.locations = [f"{prefix:03d}X{s:03d}" for s in suffixes]
        self.towns = [TOWNS[i % len(TOWNS)][0] + (f" {i // len(TOWNS) + 1}" if i >= len(TOWNS)
                                                  else "") for i in range(n_locations)]
        for i, location in enumerate(self.locations):
            ident = self.uid("organization", location)
            self.organizations[ident] = docs.branch(
                ident, root, location, self.towns[i], TOWNS[i % len(TOWNS)][1])
        for year in range(self.first_year, self.first_year + cohorts):
            self.session_of(year)
        for index in sorted(self.rng.sample(range(n_locations * combos), size)):
            location_index, rest = divmod(index, combos)
            q_index, bbl = divmod(rest, 2)
            leerweg = "BBL" if bbl else "BOL"
            program_id = self.program_of(q_index, leerweg)
            for year in range(self.first_year, self.first_year + cohorts):
                self.add_cohort(q_index, leerweg, location_index, year, program_id)
        self._build_courses(courses)

    def session_of(self, year: int) -> str:
        ident = self.uid("academic-year", year)
        if ident not in self.academic_sessions:
            self.academic_sessions[ident] = docs.academic_year(ident, year)
        return ident

    def program_of(self, q_index: int, leerweg: str) -> str:
        q = QUALIFICATIONS[q_index]
        ident = self.uid("program", q.crebo, leerweg)
        if ident not in self.programs:
            spec = self.uid("education-specification", q.crebo)
            root = self.uid("organization", "root")
            if spec not in self.education_specifications:
                self.education_specifications[spec] = docs.education_specification(spec, q, root)
            self.programs[ident] = docs.program(
                ident, q, leerweg, specification=spec, organization=root,
                aanbieder=self.aanbieder, mode=self.rng.choice(_MODES[leerweg]),
                code_type=self.rng.choice(("crohoCreboCode", "nationalEducationCode")),
                valid_from=date(self.first_year - 1, 8, 1))
            self.offerings_of_program[ident] = []
        return ident

    def open_running_cohorts(self) -> list[str]:
        """Add the cohorts that have started (the school years before the first one).

        Students are enrolled in these; each programme offering gets one per year of its
        qualification's nominal duration. They are left out of ``cohort_keys``, so the
        catalogue's mutations (capacity, withdrawal) never touch a cohort with students.
        Called once, by :class:`~simulators.ooapi_sis.population.SisSchool`.

        Returns:
            The offering ids of the running cohorts, in a stable order.
        """
        with self.lock:
            triples = sorted({k[:3] for k in self.cohort_keys.values()})
            running = []
            for q_index, leerweg, location_index in triples:
                years = QUALIFICATIONS[q_index].years
                for year in range(self.first_year - years, self.first_year):
                    program_id = self.program_of(q_index, leerweg)
                    ident = self.add_cohort(q_index, leerweg, location_index, year, program_id)
                    del self.cohort_keys[ident]
                    running.append(ident)
            self.version += 1
            return running

    def add_cohort(self, q_index: int, leerweg: str, location_index: int, year: int,
                   program_id: str) -> str:
        q = QUALIFICATIONS[q_index]
        location = self.locations[location_index]
        ident = self.uid("program-offering", q.crebo, leerweg, location, year)
        bbl = leerweg == "BBL"
        self.offerings[ident] = docs.program_offering(
            ident, q, leerweg, program_id=program_id, location=location,
            town=self.towns[location_index], year=year, session=self.session_of(year),
            organization=self.uid("organization", location),
            capacity=self.rng.randrange(10, 21) if bbl else self.rng.randrange(16, 33),
            price=("313.00" if q.level <= 2 else "651.00") if bbl else "1392.00",
            today=self.today, flexible=bbl and self.rng.random() < 0.3,
            consent=self.rng.random() < 0.1)
        self.offerings_of_program[program_id].append(ident)
        self.cohort_keys[ident] = (q_index, leerweg, location_index, year)
        return ident

    def _build_courses(self, count: int) -> None:
        programs = list(self.programs)
        root = self.uid("organization", "root")
        session = self.session_of(self.first_year)
        for n in range(count):
            keuzedeel = n % 10 < 3
            if keuzedeel:
                j = n // 10 * 3 + n % 10
                base = KEUZEDELEN[j % len(KEUZEDELEN)]
                code = base.code if j < len(KEUZEDELEN) else f"K{(1000 + j) % 10000:04d}"
                name = base.name if j < len(KEUZEDELEN) else f"{base.name} {j // len(KEUZEDELEN)}"
                sbu, linked = base.sbu, self.rng.sample(programs, min(len(programs), 3))
            else:
                program_id = programs[n % len(programs)]
                q_name = self.programs[program_id]["name"][0]["value"]
                topic = MODULE_TOPICS[n % len(MODULE_TOPICS)]
                code = f"M{n:05d}"
                name, sbu, linked = f"{topic} - {q_name}", self.rng.choice((40, 80, 120, 240)), \
                    [program_id]
            ident = self.uid("course", n)
            self.courses[ident] = docs.course(ident, code=code, name=name, sbu=sbu,
                                              keuzedeel=keuzedeel, programs=linked,
                                              organization=root)
            offering = self.uid("course-offering", n, self.first_year)
            self.offerings[offering] = docs.course_offering(
                offering, course_id=ident, code=code, name=name, year=self.first_year,
                session=session, capacity=self.rng.randrange(15, 61))
            self.offerings_of_course[ident] = [offering]
