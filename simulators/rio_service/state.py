"""What the simulated RIO holds: offerings per onderwijsaanbieder, a request log, faults.

RIO keeps one record per ``aangebodenOpleidingCode`` under the onderwijsaanbieder that
delivered it; an aanleveren replaces the record whole (full state: cohorts left out are
gone). Tests reach in through the same object to change RIO "behind the gateway's back"
and to queue faults (503, SOAP fault, hostile or oversized answers) for the next requests.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

__all__ = ["Fault", "FaultKind", "RequestRecord", "RioState"]


class FaultKind(StrEnum):
    UNAVAILABLE = "unavailable"  # HTTP 503, as a load balancer in front of DUO answers
    SOAP_FAULT = "soap-fault"  # HTTP 500 with a soapenv:Server fault
    HOSTILE = "hostile"  # HTTP 200 with a DTD and an entity bomb
    OVERSIZED = "oversized"  # HTTP 200 with a body of ``size`` bytes


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    size: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it; ``outcome`` says how it was answered."""

    operation: str
    message_id: str
    outcome: str


@dataclass
class _Offering:
    owner_oin: str
    element: etree._Element


@dataclass
class RioState:
    """Thread-safe in-memory state of the simulated RIO."""

    offerings: dict[str, dict[str, _Offering]] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    seen_message_ids: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- faults and the request log ----------------------------------------------------
    def inject(self, kind: FaultKind | str, count: int = 1, *, size: int = 0) -> None:
        """Answer the next ``count`` requests with a fault instead of processing them."""
        with self.lock:
            self.faults.extend([Fault(FaultKind(kind), size)] * count)

    def next_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None

    def log(self, operation: str, message_id: str, outcome: str) -> None:
        with self.lock:
            self.requests.append(RequestRecord(operation, message_id, outcome))

    def count(self, operation: str | None = None) -> int:
        """Requests received (for one operation), answered or not."""
        with self.lock:
            return sum(1 for r in self.requests if operation in (None, r.operation))

    def first_use(self, message_id: str) -> bool:
        """True the first time a MessageID is seen; a replayed message is refused."""
        with self.lock:
            if message_id in self.seen_message_ids:
                return False
            self.seen_message_ids.add(message_id)
            return True

    # -- offerings -----------------------------------------------------------------------
    def store(self, aanbieder: str, code: str, owner_oin: str, element: etree._Element) -> None:
        """Replace the offering whole (full state)."""
        with self.lock:
            self.offerings.setdefault(aanbieder, {})[code.lower()] = _Offering(
                owner_oin, copy.deepcopy(element))

    def find(self, owner_oin: str, code: str) -> tuple[str, etree._Element] | None:
        """The offering ``code`` delivered by ``owner_oin``: (aanbieder code, element copy)."""
        with self.lock:
            for aanbieder, held in self.offerings.items():
                found = held.get(code.lower())
                if found is not None and found.owner_oin == owner_oin:
                    return aanbieder, copy.deepcopy(found.element)
        return None

    def remove(self, owner_oin: str, code: str) -> bool:
        with self.lock:
            for held in self.offerings.values():
                found = held.get(code.lower())
                if found is not None and found.owner_oin == owner_oin:
                    del held[code.lower()]
                    return True
        return False

    def codes(self, aanbieder: str) -> list[str]:
        with self.lock:
            return sorted(self.offerings.get(aanbieder, {}))

    def element(self, aanbieder: str, code: str) -> etree._Element:
        """The live element, for tests that change RIO behind the gateway's back."""
        with self.lock:
            return self.offerings[aanbieder][code.lower()].element
