"""Schemathesis with the OFFICIAL ``ooapi.json`` against the running OOAPI provider.

The provider runs in uvicorn on loopback with a catalogue of two tenants; schemathesis
reads the unmodified official OpenAPI document, keeps the operations the provider
implements, maps them onto ``/ooapi/v5`` and sends valid and invalid requests (a bearer
token of tenant A on each), checking every response: no server error, a status code the
spec lists, the content type it lists, a body that conforms to its schema, valid data
accepted and invalid data refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.mappings.ooapi_v5_institution import Institution, academic_session_id
from gateway.settings import TenantConfig
from gateway.testing.serving import serve_in_thread
from tests.integration.ooapi_catalogue import YEARS, catalogue_of

#: The official paths the provider implements (``/offerings`` is the mbo profile's: it is
#: not in ``ooapi.json``; test_ooapi_provider.py validates it).
IMPLEMENTED = (
    "/", "/organizations", "/programs", "/programs/{programId}",
    "/programs/{programId}/offerings", "/courses", "/courses/{courseId}",
    "/courses/{courseId}/offerings", "/offerings/{offeringId}", "/academic-sessions",
    "/education-specifications", "/organizations/{organizationId}",
    "/academic-sessions/{academicSessionId}",
    "/education-specifications/{educationSpecificationId}",
)
#: The 200 of this operation is ``oneOf`` EducationSpecification and
#: EducationSpecificationExpanded, which only adds an optional ``timelineOverrides``: every
#: document matches both, so no response can pass schemathesis' schema check as written.
#: That check is off for it alone; test_ooapi_provider_items.py validates every
#: specification against the alternative the spec's titles name, as the contract suite does.
UNSATISFIABLE_ONE_OF = "/education-specifications/{educationSpecificationId}"
#: Hypothesis examples per operation and generation mode: enough to reach every
#: parameter's enum values and several invalid values each, and under two minutes in all.
EXAMPLES = 60
#: The query parameters that are arrays with ``explode: false`` (comma-separated).
_COMMA_ARRAYS = frozenset({"sort", "expand"})


@dataclass
class Provider:
    base: str
    headers: dict[str, str]
    #: Ids by path parameter: tenant A's (found) and tenant B's (not found for A's token).
    ids: dict[str, list[str]]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    tenants = [TenantConfig(id="roc-a", name="ROC A", brin="12AB",
                            onderwijsaanbiedercode="123A456"),
               TenantConfig(id="roc-b", name="ROC B")]
    with ExitStack() as stack:
        gateway = gateway_on_sqlite(
            tmp_path_factory.mktemp("ooapi") / "gw.db",
            settings_for_tests(tenants=tenants, token_ttl_seconds=3600))
        stack.callback(gateway.close)
        catalogue = catalogue_of("roc-a", 8, 8) + catalogue_of("roc-b", 4, 4)
        gateway.store.upsert(catalogue)
        ids = {param: [str(e.id) for e in catalogue if e.kind == kind]
               for param, kind in (("programId", "programme-offering"), ("courseId", "course"),
                                   ("offeringId", "cohort"),
                                   ("educationSpecificationId", "qualification"))}
        ids["organizationId"] = [str(Institution(t.id, t.name).organization_id)
                                 for t in tenants]
        ids["academicSessionId"] = [str(academic_session_id(t.id, year))
                                    for t in tenants for year in YEARS]
        secret = ClientRegistry.for_gateway(gateway).register(
            "roc-a", "ooapi-a", ["catalogue:read"])
        base = f"http://127.0.0.1:{stack.enter_context(serve_in_thread(create_app(gateway)))}"
        reply = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("ooapi-a", secret), timeout=10)
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
        yield Provider(f"{base}/ooapi/v5", {"Authorization": f"Bearer {token}"}, ids)


@dataclass
class Run:
    """What one schemathesis run did."""

    operations: list[str]
    cases: Counter[str]
    failures: list[str]
    errors: list[str]


def _is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(UUID(value)) == value.lower()
    except ValueError:
        return False


def _leave_out_empty_arrays(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A ``before_call`` hook: leave out an empty comma-separated array (``sort=``).

    Schemathesis sends the empty array ``[]`` as ``sort=`` and expects it accepted, yet
    reads the same ``sort=`` as the one-item array ``[""]`` (an invalid item) and expects
    that refused. OpenAPI's ``form`` style follows RFC 6570, which leaves an empty list out;
    the provider reads ``sort=`` as ``[""]`` and answers 400 (test_ooapi_provider_errors).
    """
    for name in _COMMA_ARRAYS:
        if case.query and case.query.get(name) in ("", []):
            del case.query[name]


def _record(run: Run, event: Any) -> None:
    if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        for node in event.recorder.cases.values():
            run.cases[node.value.operation.label] += 1
        for checks in event.recorder.checks.values():
            run.failures.extend(
                f"{event.label} ({event.phase.name}): {c.name}: "
                f"{c.failure_info.failure.title}\n"
                f"{c.failure_info.failure.message}\n{c.failure_info.code_sample}"
                for c in checks if c.status is Status.FAILURE and c.failure_info)
    elif isinstance(event, events.NonFatalError | events.FatalError):
        run.errors.append(str(getattr(event, "info", event)))


def _run_schemathesis(spec: Path, provider: Provider) -> Run:
    """Every phase of ``schemathesis run`` (examples, coverage, fuzzing, stateful)."""
    config = SchemathesisConfig.from_dict({
        "base-url": provider.base,
        "headers": provider.headers,
        "generation": {"max-examples": EXAMPLES, "deterministic": True},
        "operations": [{"include-path": UNSATISFIABLE_ONE_OF,
                        "checks": {"response_schema_conformance": {"enabled": False}}}],
    })
    # (``include(path=...)`` is ignored once the config has per-operation settings: the
    # paths are kept with an ``exclude`` function instead.)
    schema = schemathesis.openapi.from_path(spec, config=config).include(method="GET").exclude(
        func=lambda ctx: ctx.operation.path not in IMPLEMENTED)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        """Random UUIDs find nothing: half of the valid ids become stored ones."""
        for name, value in (path_parameters or {}).items():
            if name in provider.ids and _is_uuid(value):
                known = st.sampled_from(provider.ids[name]).map(
                    lambda ident, n=name: {**path_parameters, n: ident})
                return st.one_of(st.just(path_parameters), known)
        return st.just(path_parameters)

    run = Run([r.ok().label for r in schema.get_all_operations()], Counter(), [], [])
    schemathesis.hook("before_call")(_leave_out_empty_arrays)  # only global, this one
    try:
        for event in engine.from_schema(schema).execute():
            _record(run, event)
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(_leave_out_empty_arrays)
    return run


def test_provider_conforms_to_the_official_schema(
    standards: Standards, provider: Provider, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _run_schemathesis(standards.ooapi_json, provider)
    with capsys.disabled():
        print(f"\nschemathesis: {len(run.operations)} operations, "
              f"{sum(run.cases.values())} test cases, {len(run.failures)} failures")
    assert sorted(run.operations) == sorted(f"GET {path}" for path in IMPLEMENTED)
    assert set(run.cases) == set(run.operations), "an operation was never exercised"
    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, "\n\n".join(dict.fromkeys(run.failures))
