"""A running OOAPI provider with a catalogue of a few hundred entities, for the provider tests.

:func:`running_provider` (for a module fixture, once on SQLite and once on PostgreSQL)
serves two tenants
over real HTTP on loopback. Tenant ``roc-a`` has 60 programme offerings with three cohorts
each, their qualifications and 90 courses; ``roc-b`` a small catalogue of its own. The
cohorts start in September of ``YEARS``: last year's have started, the other two lie ahead
whatever the date (bearer tokens need the real clock, so the catalogue moves with it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import bootstrap
from gateway.domain import Cohort, Course, Entity, ProgrammeOffering, Qualification, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.settings import TenantConfig
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.testing.postgres import fresh_database
from gateway.testing.serving import serve_in_thread

#: The school years of the cohorts: one that has started, two to come.
YEARS = (date.today().year - 1, date.today().year + 1, date.today().year + 2)
WORDS = ("Zorg", "Techniek", "Handel", "ICT", "Logistiek", "Horeca", "Bouw", "Media")


def _src(ident: str) -> SourceRef:
    return SourceRef(system="sis", id=ident)


def catalogue_of(tenant: str, programmes: int, courses: int) -> list[Entity]:
    """Programme offerings with cohorts of three school years, qualifications, courses."""
    entities: list[Entity] = []
    offerings: list[ProgrammeOffering] = []
    for n in range(programmes):
        crebo = f"{25000 + n // 2}"
        offering = ProgrammeOffering.create(
            tenant=tenant, source=_src(f"p{n}"), crebo=crebo,
            leerweg="BOL" if n % 2 == 0 else "BBL", level=1 + n % 4,
            location=f"{100 + n % 3}X456", valid_from=date(YEARS[0], 8, 1),
            valid_until=date(YEARS[-1] + 3, 7, 31) if n % 5 == 0 else None,
            name=f"{WORDS[n % len(WORDS)]} opleiding {n:03d}",
            description=f"Beschrijving nummer {n}" if n % 4 else None,
            language="ENG" if n % 10 == 0 else "NLD",
        )
        offerings.append(offering)
        entities.append(offering)
        if n % 2 == 0:
            entities.append(Qualification.create(
                tenant=tenant, source=_src(f"q{n}"), crebo=crebo,
                name=f"Kwalificatie {WORDS[n % len(WORDS)]} {n:03d}", level=1 + n % 4))
        for year in YEARS:
            entities.append(_cohort(tenant, offering, n, year))
    for n in range(courses):
        keuzedeel = n % 3 != 2
        entities.append(Course.create(
            tenant=tenant, source=_src(f"k{n}"),
            course_kind="keuzedeel" if keuzedeel else "module",
            code=f"K{n:04d}" if keuzedeel else f"M-{n}", name=f"Cursus {WORDS[n % 8]} {n:03d}",
            study_load_hours=240 if keuzedeel else None,
            offering_id=offerings[n % len(offerings)].id if n % 4 else None))
    return entities


def _cohort(tenant: str, offering: ProgrammeOffering, n: int, year: int) -> Cohort:
    fields: dict[str, Any] = {
        "offering_id": offering.id, "code": f"{year}-{year + 1}",
        "status": "closed" if year == YEARS[0] else "open",
        "application_start": date(year - 1, 10, 1), "application_end": date(year, 8, 15),
        "consent_required": n % 3 == 0, "capacity": 10 + n,
    }
    if n % 7 == 3 and year == YEARS[1]:
        fields["flexible_intake"] = {"start": date(year, 9, 1), "end": date(year + 1, 3, 1)}
    else:
        fields["start_date"] = date(year, 9, 1 + n % 20)
    if n % 6 == 1:
        fields["end_date"] = date(year + 2, 7, 1 + n % 20)
    if n % 5 == 2:
        fields["price"] = {"amount": f"{1000 + n}.50"}
        fields["consent_explanation"] = "Na een intakegesprek"
        fields["mode_of_delivery"] = "hybrid"
    return Cohort.create(tenant=tenant, source=_src(f"c{n}-{year}"), **fields)


@dataclass
class Provider:
    """The running provider, its catalogue, and a client per token."""

    base: str
    http: httpx.Client
    tokens: dict[str, str]
    catalogue: dict[str, list[Entity]] = field(default_factory=dict)

    def get(self, path: str, client: str | None = "a", **params: Any) -> httpx.Response:
        """GET ``/ooapi/v5<path>`` with the token of ``client`` (None: no token)."""
        headers = {"Authorization": f"Bearer {self.tokens[client]}"} if client else {}
        return self.http.get(f"{self.base}{path}", params=params, headers=headers)

    def of(self, tenant: str, kind: str) -> list[Any]:
        return [e for e in self.catalogue[tenant] if e.kind == kind]


#: Parameters of a module's ``ooapi_provider`` fixture: each test runs on both databases.
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def running_provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    """The provider on the database ``request.param`` names, stopped and dropped after.

    Use it in a module's fixture::

        @pytest.fixture(scope="module", params=DATABASES)
        def ooapi_provider(request, tmp_path_factory):
            with running_provider(request, tmp_path_factory) as provider:
                yield provider
    """
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('ooapi')}/gw.db"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        tenants = [TenantConfig(id="roc-a", name="ROC Amstelland", brin="12AB",
                                onderwijsaanbiedercode="123A456"),
                   TenantConfig(id="roc-b", name="ROC Brabant")]
        gateway = bootstrap(
            settings_for_tests(tenants=tenants, token_ttl_seconds=3600), engine=engine,
            publisher=InMemoryEventPublisher())
        stack.callback(gateway.close)
        catalogue = {"roc-a": catalogue_of("roc-a", 60, 90), "roc-b": catalogue_of("roc-b", 8, 6)}
        gateway.store.upsert(catalogue["roc-a"] + catalogue["roc-b"])
        registry = ClientRegistry.for_gateway(gateway)
        clients = {"a": ("roc-a", ["catalogue:read"]), "b": ("roc-b", ["catalogue:read"]),
                   "events": ("roc-a", ["events:read"])}
        client_secrets = {name: registry.register(tenant, f"ooapi-{name}", scopes)
                          for name, (tenant, scopes) in clients.items()}
        base = f"http://127.0.0.1:{stack.enter_context(serve_in_thread(create_app(gateway)))}"
        http = stack.enter_context(httpx.Client(timeout=30))
        tokens = {}
        for name, secret in client_secrets.items():
            reply = http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(f"ooapi-{name}", secret))
            assert reply.status_code == 200, reply.text
            tokens[name] = reply.json()["access_token"]
        tokens["forged"] = secrets.token_urlsafe(32)
        yield Provider(f"{base}/ooapi/v5", http, tokens, catalogue)
