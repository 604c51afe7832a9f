"""A rule with nothing to look at is skipped as not applicable, never passed (issue 6).

The OOAPI suites against endpoints over real loopback HTTP that serve nothing to check: one
offering no list at all, one whose every list is empty. A supplier must not read PASS for
a rule about items, dates or links when no item was read; the rules the endpoint does
break (it offers no list; an SIS serves no person) still fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target
from gateway.adapters.standards import Standards
from gateway.testing.serving import serve_in_thread

NO_LIST = "no OOAPI list answered"


def _empty_endpoint(*, lists: bool) -> Starlette:
    """``/`` answers; each list answers an empty page (``lists``) or 404; the rest 404."""

    async def answer(request: Request) -> Response:
        path = request.url.path.rstrip("/")
        if not path:
            return JSONResponse({"contactEmail": "x@example.org", "specification": "x",
                                 "documentation": "x"})
        is_list = path.count("/") == 1 or path.endswith(("/offerings", "/associations",
                                                         "/members"))
        if lists and is_list:
            size, number = request.query_params.get("pageSize", "10"), \
                request.query_params.get("pageNumber", "1")
            return JSONResponse({"pageSize": int(size), "pageNumber": int(number),
                                 "hasPreviousPage": int(number) > 1, "hasNextPage": False,
                                 "items": []})
        return JSONResponse({"status": "404", "title": "Not Found"}, status_code=404,
                            media_type="application/problem+json")

    return Starlette(routes=[Route("/{path:path}", answer)])


@pytest.fixture(scope="module", params=[False, True], ids=["no-list", "empty-lists"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    with serve_in_thread(_empty_endpoint(lists=request.param)) as port:
        yield f"http://127.0.0.1:{port}", request.param


def _run(suite: str, base: str, standards: Standards, **options: str) -> Report:
    return run(get_suite(suite), Target(base_url=base, token="t0ken",
                                        options={"standards_dir": str(standards.root),
                                                 **options}))


def _verdicts(report: Report) -> dict[str, tuple[Status, str]]:
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {r.check.id: (r.status, r.reason) for r in report.results}


#: Rules about items an endpoint serves: with no item read, nothing was tested.
ITEM_RULES = (
    "ooapi-v5.schema.items", "ooapi-v5.schema.nested-lists", "ooapi-v5.ids.stable",
    "ooapi-v5.links.offering-references", "ooapi-v5.links.offerings-of-parent",
    "ooapi-v5.links.catalogue-references", "ooapi-v5.links.association-offering",
    "ooapi-v5.dates.offerings", "ooapi-v5.dates.periods",
    "ooapi-v5.paging.no-item-lost-or-repeated", "ooapi-v5.sort.ids-and-dates",
    "ooapi-v5.sort.name", "ooapi-v5.filters.q", "ooapi-v5.filters.teaching-language",
    "ooapi-v5.filters.since-until",
)
#: Rules about the lists themselves: with no list offered, nothing was tested.
LIST_RULES = ("ooapi-v5.paging.page-size", "ooapi-v5.paging.page-number",
              "ooapi-v5.paging.has-next-page", "ooapi-v5.errors.not-found",
              "ooapi-v5.errors.bad-request", "ooapi-v5.auth.no-token",
              "ooapi-v5.auth.invalid-token")


def test_ooapi_v5_passes_no_rule_about_items_it_never_read(
    endpoint: tuple[str, bool], standards: Standards
) -> None:
    base, lists = endpoint
    verdicts = _verdicts(_run("ooapi-v5", base, standards))
    assert {c for c in ITEM_RULES + LIST_RULES} <= set(verdicts)
    for check_id in ITEM_RULES:
        assert verdicts[check_id][0] is Status.SKIPPED, (check_id, verdicts[check_id])
    if not lists:
        assert verdicts["ooapi-v5.schema.collections"][0] is Status.FAILED
        for check_id in (*ITEM_RULES, *LIST_RULES):
            assert verdicts[check_id][0] is Status.SKIPPED, check_id
        assert all(NO_LIST in verdicts[c][1] for c in LIST_RULES[:5])
        passed = {c for c, (status, _) in verdicts.items() if status is Status.PASSED}
        assert passed <= {"ooapi-v5.schema.service"}


def test_an_sis_without_persons_passes_no_rule_about_associations(
    endpoint: tuple[str, bool], standards: Standards
) -> None:
    base, _ = endpoint
    verdicts = _verdicts(_run("ooapi-v5-mbo", base, standards, role="sis"))
    assert verdicts["ooapi-v5-mbo.sis.persons"][0] is Status.FAILED  # absence breaks it
    for check_id in ("ooapi-v5-mbo.sis.associations", "ooapi-v5-mbo.sis.association-states",
                     "ooapi-v5-mbo.sis.crebo"):
        assert verdicts[check_id][0] is Status.SKIPPED, (check_id, verdicts[check_id])
    assert "no person was sampled" in verdicts["ooapi-v5-mbo.sis.associations"][1]
