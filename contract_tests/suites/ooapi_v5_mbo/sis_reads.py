"""What the ``role=sis`` checks read, fetched once per run and bounded by ``sample``:
a few persons, their associations, the offerings those name, a few groups."""

from __future__ import annotations

from typing import Any

from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.support import ident, reference_id
from contract_tests.suites.ooapi_v5_mbo.context import MboContext

__all__ = ["association_pages", "associations", "offering_ids", "persons_page", "sampled_persons"]

Doc = dict[str, Any]


def persons_page(ctx: MboContext) -> Exchange:
    """Page 1 of ``/persons`` (OOAPI's list; the profile reads persons one by one)."""
    return ctx.page("/persons")


def sampled_persons(ctx: MboContext) -> list[str]:
    """Up to ``sample`` person ids from the first page of ``/persons``."""
    found = (ident(p, "personId") for p in ctx.items(persons_page(ctx)))
    return [p for p in found if p is not None][: ctx.sample_size]


def association_pages(ctx: MboContext) -> list[tuple[str, Exchange]]:
    """(person id, page 1 of ``/persons/{personId}/associations``) of up to 3 persons."""
    return [(pid, ctx.page(f"/persons/{pid}/associations"))
            for pid in sampled_persons(ctx)[:3]]


def associations(ctx: MboContext) -> list[tuple[Exchange, int, Doc]]:
    """Every association on those pages: (page, index, document)."""
    return [(page, n, item) for _, page in association_pages(ctx)
            for n, item in enumerate(ctx.items(page))]


def offering_ids(ctx: MboContext) -> list[str]:
    """Up to 3 distinct offerings the sampled associations name."""
    found: list[str] = []
    for _, _, item in associations(ctx):
        oid = reference_id(item, "offering", "offeringId")
        if oid is not None and oid not in found:
            found.append(oid)
    return found[:3]
