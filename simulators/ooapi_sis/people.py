"""Made-up people of the simulated school: names, birth dates, addresses, e-mail, ECK iD.

Everything is derived from (seed, person number) with its own random stream, so person
``n`` is the same whenever it is asked for and nothing needs to be kept per person. The
data looks real (common Dutch given names and surnames, ``1234 AB`` postal codes) but is
obviously invented: e-mail addresses are at ``example.nl`` domains (RFC 2606), house
numbers and postal codes are random, and every ECK iD is a hash of the seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple, TypeVar

__all__ = ["CITIES", "STREETS", "SURNAMES", "Identity", "identity", "student_number"]

T = TypeVar("T")

GIVEN_F = ("Emma", "Julia", "Sophie", "Tess", "Zoë", "Sara", "Noor", "Eva", "Fenna", "Lotte",
           "Mila", "Anna", "Lieke", "Sanne", "Fleur", "Yasmina", "Fatima", "Amira", "Elif",
           "Priya", "Chantal", "Naomi", "Iris", "Demi", "Kim", "Romy", "Lisa", "Maartje")
GIVEN_M = ("Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Jesse", "Thijs", "Bram", "Luuk",
           "Ruben", "Stijn", "Noah", "Mohammed", "Yusuf", "Emre", "Ayoub", "Rayan", "Kevin",
           "Dylan", "Tim", "Joris", "Sven", "Mees", "Jayden", "Raj", "Anouar", "Gijs")
SURNAMES = (("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"),
            ("", "Bakker"), ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
            ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"),
            ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"),
            ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"),
            ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"),
            ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"), ("van der", "Veen"),
            ("van den", "Broek"), ("de", "Bruijn"), ("", "Yılmaz"), ("", "El Amrani"),
            ("", "Kaya"), ("", "Bouzid"), ("", "Ramdin"), ("", "Sewnath"), ("", "Nguyen"))
STREETS = ("Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianalaan",
           "Beatrixstraat", "Wilhelminastraat", "Irisstraat", "Lindelaan", "Eikenlaan",
           "Populierenweg", "Vogelzang", "Merelstraat", "Parkweg", "Nieuwstraat", "Brink",
           "Hoofdstraat", "Zuiderweg", "Noorderhaven")
CITIES = ("Utrecht", "Amersfoort", "Zeist", "Nieuwegein", "Houten", "Veenendaal", "Woerden",
          "Soest", "IJsselstein", "Maarssen", "Bunnik", "De Bilt", "Leusden", "Baarn")


class Identity(NamedTuple):
    """The personal data of one made-up person."""

    given_name: str
    surname_prefix: str
    surname: str
    gender: str
    birth_date: date
    street: str
    house_number: str
    postal_code: str
    city: str
    eck_id: str | None

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.surname_prefix, self.surname) if p)

    @property
    def initials(self) -> str:
        return f"{self.given_name[0]}."


def student_number(number: int) -> str:
    """A seven-digit student number (leerlingnummer), unique per person number."""
    return f"{1_000_000 + number}"


class _Draws:
    """Choices drawn from one BLAKE2b digest: a person costs one hash, not a PRNG seeding."""

    def __init__(self, key: str) -> None:
        self._value = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=64).digest(),
                                     "big")

    def below(self, bound: int) -> int:
        self._value, drawn = divmod(self._value, bound)
        return drawn

    def choice(self, options: Sequence[T]) -> T:
        return options[self.below(len(options))]


def identity(seed: int, number: int, *, today: date, staff: bool, eck_share: float) -> Identity:
    """The identity of person ``number``: students are 16 to 24, staff 24 to 64 years old.

    Args:
        seed: the school's seed.
        number: the person's number (0 upwards).
        today: the simulated date (ages are counted from it).
        staff: an employee rather than a student.
        eck_share: the share of persons that have an ECK iD.
    """
    draw = _Draws(f"{seed}/person/{number}")
    female = draw.below(2) == 0
    given = draw.choice(GIVEN_F if female else GIVEN_M)
    prefix, surname = draw.choice(SURNAMES)
    lowest, highest = (24, 64) if staff else (16, 24)
    age_days = lowest * 365 + draw.below((highest - lowest) * 365)
    eck = None
    if draw.below(10_000) < eck_share * 10_000:
        digest = hashlib.sha256(f"eck/{seed}/{number}".encode()).hexdigest()
        eck = f"https://ketenid.nl/201703/{digest}"
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    return Identity(
        given_name=given, surname_prefix=prefix, surname=surname,
        gender=("X" if draw.below(40) == 0 else "F" if female else "M"),
        birth_date=today - timedelta(days=age_days),
        street=draw.choice(STREETS), house_number=str(1 + draw.below(239)),
        postal_code=f"{1000 + draw.below(9000)} {draw.choice(letters)}{draw.choice(letters)}",
        city=draw.choice(CITIES), eck_id=eck,
    )
