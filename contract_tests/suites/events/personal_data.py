"""Heuristics that spot personal data in an event: fields named for it, and its shapes.

Events carry ids only; names, birth dates, contact details and citizen service numbers stay
in the gateway's personal-data store. A consumer-side check cannot know the persons, so
(unlike ``tests/e2e/leak_search.py``, which searches for known persons' values) it looks
for what personal data looks like:

- a property named for personal data (``given_name``, ``birthDate``, ``email``, ...) that
  holds a value;
- an e-mail address, a Dutch phone number or an international one (``+31 6 ...``), or a
  nine-digit number passing the BSN eleven-test, anywhere in a text (data or header).

Numbers inside ids (a UUID's groups, a longer digit run) are not taken for a BSN or phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["PersonalData", "is_bsn", "scan_text", "scan_value"]

#: Property names (lower case, without ``_`` and ``-``) that hold personal data.
PERSONAL_FIELDS = frozenset({
    "givenname", "familyname", "firstname", "lastname", "surname", "surnameprefix",
    "initials", "nickname", "displayname", "fullname", "middlename", "voornaam", "voornamen",
    "achternaam", "roepnaam", "tussenvoegsel", "birthdate", "dateofbirth", "birthday",
    "geboortedatum", "email", "emailaddress", "mail", "mailaddress", "phone", "phonenumber",
    "mobile", "mobilenumber", "telephone", "telefoonnummer", "address", "streetaddress",
    "street", "streetname", "housenumber", "postalcode", "postcode", "zipcode", "bsn", "ssn",
    "citizenservicenumber", "nationalidentifier", "iban",
})

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w/-])(?:(?:\+|00)31[ -]?(?:\(0\))?[ -]?|0)(?:6[ -]?\d{8}|[1-9]\d(?:[ -]?\d){7})"
    r"(?![\w-])"
    r"|(?<![\w/-])\+(?!31)[1-9]\d{0,2}[ -]?\d(?:[ -]?\d){6,12}(?![\w-])"
)
_NINE_DIGITS = re.compile(r"(?<![\w-])\d{9}(?![\w-])")


@dataclass(frozen=True)
class PersonalData:
    """One suspected piece of personal data: where (JSON Pointer), what kind, the value."""

    pointer: str
    kind: str
    value: str


def is_bsn(digits: str) -> bool:
    """Whether nine digits pass the BSN eleven-test (9*d1 + 8*d2 + ... + 2*d8 - d9)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def scan_text(text: str, pointer: str = "") -> Iterator[PersonalData]:
    """Shapes of personal data in one text."""
    for match in _EMAIL.finditer(text):
        yield PersonalData(pointer, "e-mail address", match.group())
    for match in _PHONE.finditer(text):
        yield PersonalData(pointer, "phone number", match.group())
    for match in _NINE_DIGITS.finditer(text):
        if is_bsn(match.group()):
            yield PersonalData(pointer, "BSN-like number", match.group())


def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def scan_value(value: Any, pointer: str = "") -> Iterator[PersonalData]:
    """Personal-data fields and shapes anywhere in a JSON value (JSON Pointers to each)."""
    if isinstance(value, dict):
        for name, item in value.items():
            where = f"{pointer}/{_escape(str(name))}"
            if _normal(str(name)) in PERSONAL_FIELDS and item not in (None, "", [], {}):
                yield PersonalData(where, f"personal-data field {name!r}", str(item))
            yield from scan_value(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from scan_value(item, f"{pointer}/{index}")
    elif isinstance(value, str):
        yield from scan_text(value, pointer)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield from scan_text(str(value), pointer)
