"""The OneRoster reads use migration 0009's indexes, on SQLite and PostgreSQL (EXPLAIN).

Timing-free: the plans must name the indexes. SQLite matches an expression index by the
expression's text, PostgreSQL by its tree, so a query that writes a membership's
``person_id`` differently from the index (a bound JSON path, another CAST) reads every
membership instead; these plans catch that. PostgreSQL runs with ``enable_seqscan`` off,
since on a handful of rows a scan is cheapest: off, it still scans when no index fits.
The bundle's roles.csv is read without names, so each user is audited once, for users.csv.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.sql import Select

from gateway.adapters.oneroster.bundle_export import export_bundle
from gateway.adapters.oneroster.query import Filter, Page, Predicate
from gateway.adapters.oneroster.roster_reads import ENROLLMENTS, USERS, RosterReads
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Group, Membership, Person, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.store.audit import audit_log

TENANT = "roc-a"
PERSON_INDEX = "ix_entities_tenant_kind_person_id"
GROUP_INDEX = "ix_entities_tenant_kind_group_id"
ID_INDEX = "ix_entities_tenant_kind_id"


def _src(ident: str) -> SourceRef:
    return SourceRef(system="sis", id=ident)


@pytest.fixture
def gateway(engine: Engine) -> Gateway:
    return bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())


@pytest.fixture
def seeded(gateway: Gateway) -> dict[str, str]:
    """Four persons, three of them in one klas (the third as its teacher)."""
    persons = [Person.create(tenant=TENANT, source=_src(f"p{i}")) for i in range(4)]
    group = Group.create(tenant=TENANT, source=_src("g"), group_kind="class", code="SD1A",
                         name="Klas SD1A")
    members = [Membership.create(tenant=TENANT, source=_src(f"m{i}"), group_id=group.id,
                                 person_id=p.id, role="teacher" if i == 2 else "student")
               for i, p in enumerate(persons[:3])]
    gateway.store.upsert([*persons, group, *members])
    return {"person": str(persons[0].id), "group": str(group.id), "teacher": str(persons[2].id)}


def _plan(conn: Connection, query: Select[Any]) -> str:
    sql = str(query.compile(conn.engine, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_one_user_seeks_its_memberships_by_person_id(engine: Engine,
                                                     seeded: dict[str, str]) -> None:
    with engine.connect() as conn:
        plan = _plan(conn, USERS.single(TENANT, seeded["person"]))
    assert PERSON_INDEX in plan, plan


def test_a_users_page_and_count_read_indexes(engine: Engine, seeded: dict[str, str]) -> None:
    query, _ = USERS.build(TENANT)
    ident = USERS.table.c.id
    finder = query.with_only_columns(ident)
    with engine.connect() as conn:
        page = _plan(conn, finder.order_by(ident).limit(5))
        counted = _plan(conn, select(func.count()).select_from(finder.subquery()))
    assert ID_INDEX in page and PERSON_INDEX in page, page
    assert PERSON_INDEX in counted, counted
    if engine.dialect.name == "sqlite":  # the id order comes from the index, not a sort
        assert "TEMP B-TREE" not in page, page


def test_enrollments_of_a_class_and_of_a_user_use_the_json_indexes(
    engine: Engine, seeded: dict[str, str]
) -> None:
    reads = RosterReads(engine)
    of_class = Filter((Predicate("class.sourcedId", "=", seeded["group"]),))
    of_user = Filter((Predicate("user.sourcedId", "=", seeded["person"]),))
    with engine.connect() as conn:
        by_class = _plan(conn, reads._query(ENROLLMENTS, TENANT, of_class, {})[0])
        by_user = _plan(conn, reads._query(ENROLLMENTS, TENANT, of_user, {})[0])
    assert GROUP_INDEX in by_class, by_class
    assert PERSON_INDEX in by_user, by_user
    # what the index finds is right: three enrollments in the class, one of the user
    assert reads.page(ENROLLMENTS, TENANT, of_class, None, Page(10, 0)).total == 3
    assert len(reads.page(ENROLLMENTS, TENANT, of_user, None, Page(10, 0)).rows) == 1


def test_the_bundle_roles_come_without_names_and_each_user_is_audited_once(
    gateway: Gateway, seeded: dict[str, str]
) -> None:
    out = io.BytesIO()
    summary = export_bundle(gateway, TENANT, out, client_id="cli:operator", issuer="gateway-cli")
    with zipfile.ZipFile(out) as archive:
        roles = list(csv.DictReader(io.StringIO(archive.read("roles.csv").decode("utf-8"))))
    with gateway.engine.connect() as conn:
        audited = sorted(conn.execute(select(audit_log.c.person_id)).scalars())
    assert summary.rows["users"] == summary.rows["roles"] == 3
    assert {r["userSourcedId"]: r["role"] for r in roles if r["role"] == "teacher"} == {
        seeded["teacher"]: "teacher"}
    assert audited == sorted(r["userSourcedId"] for r in roles)  # once each, for users.csv
