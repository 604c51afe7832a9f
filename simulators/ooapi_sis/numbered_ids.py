"""UUIDs that carry a number: person ``n`` of the school is a UUID that says ``n``.

A school of 50,000 students must answer ``/persons/{personId}`` without a table of 50,000
ids. So the ids of generated things are UUIDv5 of (seed, kind) whose last 48 bits (the
``node`` field) are replaced by the thing's number: they look and parse like any UUID,
are stable for a seed, sort in number order, and decode back to the number in O(1).
"""

from __future__ import annotations

import uuid

__all__ = ["NumberedIds"]

_BASE = uuid.UUID("8a1c4f0e-2b9d-5c3a-9e6f-7d5b3a1c0e2f")
_NODE_LIMIT = 1 << 48


class NumberedIds:
    """Encodes and decodes the numbered ids of one kind (``person``, ``association``, ...).

    Example::

        persons = NumberedIds(seed=7, kind="person")
        pid = persons.encode(41)      # 'xxxxxxxx-xxxx-5xxx-xxxx-000000000029'
        persons.decode(pid)           # 41
    """

    def __init__(self, seed: int, kind: str) -> None:
        base = uuid.uuid5(_BASE, f"{seed}/{kind}")
        self._prefix = str(base)[:24]

    def encode(self, number: int) -> str:
        if not 0 <= number < _NODE_LIMIT:
            raise ValueError("number out of range")
        return f"{self._prefix}{number:012x}"

    def decode(self, ident: str) -> int | None:
        """The number of an id of this kind, or None when the id is not one of them."""
        if len(ident) != 36 or not ident.startswith(self._prefix):
            return None
        try:
            return int(ident[24:], 16)
        except ValueError:
            return None
