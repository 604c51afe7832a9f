"""The order of ``GET /persons``: 50,000 persons paged without building 50,000 documents.

Generated persons have numbered ids (:mod:`.numbered_ids`) that sort in number order, so
sorted by ``personId`` (the default) a list is a few segments: pushed persons whose ids
sort before the generated block, a ``range`` of person numbers, the pushed ones after.
Only a page's persons are then built. Sorting by a name or searching (``q``) has to look
at every person once; that order is kept per school version by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from simulators.ooapi_sis.population import SisSchool

__all__ = ["PersonOrder", "person_order"]

#: A person in a list: its number when generated, its id when pushed.
Ref = int | str
_NAME_KEYS = {"givenName": "givenName", "surName": "surname", "displayName": "displayName"}


class PersonOrder(Sequence[Ref]):
    """The concatenation of segments (ranges of numbers, lists of pushed ids)."""

    def __init__(self, segments: list[Sequence[Ref]]) -> None:
        self.segments = [s for s in segments if len(s)]

    def __len__(self) -> int:
        return sum(len(s) for s in self.segments)

    @overload
    def __getitem__(self, index: int) -> Ref: ...
    @overload
    def __getitem__(self, index: slice) -> list[Ref]: ...

    def __getitem__(self, index: int | slice) -> Ref | list[Ref]:
        if isinstance(index, int):
            found = self[index:index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _ = index.indices(len(self))
        picked: list[Ref] = []
        for segment in self.segments:
            if stop <= 0:
                break
            size = len(segment)
            if start < size:
                picked.extend(segment[max(start, 0):min(stop, size)])
            start, stop = start - size, stop - size
        return picked


def _affiliated(doc: dict[str, Any], affiliation: str | None) -> bool:
    return affiliation is None or affiliation in doc.get("affiliations", ())


def _matches(doc: dict[str, Any], needle: str | None) -> bool:
    if needle is None:
        return True
    fields = (doc.get("displayName"), doc.get("mail"), doc.get("primaryCode", {}).get("code"))
    return any(needle in str(f).casefold() for f in fields if f)


def person_order(school: SisSchool, *, sort: tuple[str, ...], affiliation: str | None,
                 search: str | None) -> PersonOrder:
    """The persons of ``school`` that match, in the order asked for (see the module docstring).

    Args:
        school: the school (the caller holds its lock).
        sort: keys of the spec's enum (``personId``, ``givenName``, ``surName``,
            ``displayName``), ``-`` for descending; the id breaks ties.
        affiliation: keep only persons with this affiliation.
        search: keep persons whose display name, e-mail or code contains this.
    """
    pushed = {i: d for i, d in school.received.persons.items() if _affiliated(d, affiliation)}
    if search is None and sort in ((), ("personId",), ("-personId",)):
        if affiliation is None:
            numbers = range(school.persons)
        elif affiliation == "student":
            numbers = range(school.students)
        elif affiliation == "employee":
            numbers = range(school.students, school.persons)
        else:
            numbers = range(0)
        first = school.person_id(0)
        before = sorted(i for i in pushed if i < first)
        after = sorted(i for i in pushed if i >= first)
        if sort == ("-personId",):
            return PersonOrder([after[::-1], numbers[::-1], before[::-1]])
        return PersonOrder([before, numbers, after])
    needle = search.casefold() if search else None
    docs: dict[Ref, dict[str, Any]] = {}
    for number in range(school.persons):
        doc = school.person_of(number)
        if _affiliated(doc, affiliation) and _matches(doc, needle):
            docs[number] = {k: doc.get(k) for k in ("personId", *_NAME_KEYS.values())}
    docs.update({i: d for i, d in pushed.items() if _matches(d, needle)})
    refs = sorted(docs, key=lambda r: str(docs[r]["personId"]))
    for key in reversed(sort):
        field = _NAME_KEYS.get(key.lstrip("-"), "personId")
        refs.sort(key=lambda r, f=field: str(docs[r].get(f) or "").casefold(),  # type: ignore[misc]
                  reverse=key.startswith("-"))
    return PersonOrder([refs])
