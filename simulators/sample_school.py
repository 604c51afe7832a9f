"""A small simulated school catalogue: the foundation's first sample source.

It serves plain JSON records (an offering with its cohorts) that change over time, and
now and then a broken one, so the demo shows events flowing and the quarantine at work.
The OOAPI v5 SIS simulator of the catalogue issue replaces it as the real source.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = ["SampleSchool"]

_QUALIFICATIONS = [
    ("25604", "Software developer", 4),
    ("25651", "Verzorgende IG", 3),
    ("25180", "Kok", 2),
    ("25498", "Eerste monteur elektrotechnische installaties", 3),
    ("25169", "Logistiek medewerker", 2),
    ("25486", "Pedagogisch medewerker kinderopvang", 3),
    ("25726", "Entree - assistent logistiek", 1),
    ("25609", "Expert IT systems and devices", 4),
]


@dataclass
class SampleSchool:
    """Deterministic for a seed; ``tick()`` changes a few records like a real school would."""

    offerings: int = 12
    seed: int = 7
    locations: tuple[str, ...] = ("123X456", "123X457")
    school_year: int = 2026
    _rng: random.Random = field(init=False, repr=False)
    _records: list[dict[str, Any]] = field(init=False, repr=False)
    _ticks: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._records = [self._offering(n) for n in range(self.offerings)]

    def _offering(self, n: int) -> dict[str, Any]:
        crebo, name, level = _QUALIFICATIONS[n % len(_QUALIFICATIONS)]
        leerweg = "BOL" if n % 3 else "BBL"
        start = date(self.school_year, 9, 1)
        return {
            "kind": "offering",
            "id": f"off-{n:05d}",
            "crebo": crebo,
            "leerweg": leerweg,
            "level": level,
            "location": self.locations[n % len(self.locations)],
            "name": f"{name} ({leerweg})",
            "valid_from": date(self.school_year - 1, 8, 1).isoformat(),
            "cohorts": [
                {
                    "code": f"{self.school_year + y}-{leerweg}",
                    "application_start": (start.replace(year=start.year + y)
                                          - timedelta(days=270)).isoformat(),
                    "application_end": (start.replace(year=start.year + y)
                                        - timedelta(days=14)).isoformat(),
                    "start_date": start.replace(year=start.year + y).isoformat(),
                    "capacity": 20 + 5 * (n % 4),
                }
                for y in range(2)
            ],
        }

    def records(self) -> list[dict[str, Any]]:
        """The full current set (a snapshot), as the source would serve it."""
        return [dict(r) for r in self._records]

    def tick(self) -> list[str]:
        """Change the catalogue a little; returns what changed, for the demo to print."""
        self._ticks += 1
        changes = []
        target = self._rng.randrange(len(self._records))
        record = self._records[target]
        cohort = record["cohorts"][0]
        cohort["capacity"] += 1
        changes.append(f"capacity of {record['id']} cohort {cohort['code']} -> "
                       f"{cohort['capacity']}")
        if self._ticks % 4 == 0:
            self._records.append(self._offering(len(self._records)))
            changes.append(f"new offering {self._records[-1]['id']}")
        if self._ticks % 5 == 0 and len(self._records) > 2:
            gone = self._records.pop(self._rng.randrange(len(self._records)))
            changes.append(f"offering {gone['id']} withdrawn")
        if self._ticks % 3 == 0:
            broken = dict(self._records[0], id="off-broken", crebo="2560")
            self._records = [r for r in self._records if r["id"] != "off-broken"] + [broken]
            changes.append("a record with a 4-digit crebo arrives (will be quarantined)")
        return changes
