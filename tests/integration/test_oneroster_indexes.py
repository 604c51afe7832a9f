"""The OneRoster reads use their indexes, on SQLite and PostgreSQL (EXPLAIN).

Timing-free: the plans must name the indexes: migration 0009's (tenant, kind, id) and
0010's on the columns the database derives from the JSON (a membership's ``person_ref``
and ``group_ref``, the familyName sort key ``person_data.family_name_key``). A query that
reads a membership's person differently (from the JSON, through another index) reads
every membership instead, and a sort by familyName that computes the key from the names
reads every person's personal data; these plans catch that. The users count and the
sorted page must be answered from indexes alone (PostgreSQL: index-only scans; SQLite: a
covering index). PostgreSQL runs with fresh statistics and ``enable_seqscan`` off, since
on a handful of rows a scan is cheapest: off, it still scans when no index fits. The
bundle's roles.csv is read without names, so each user is audited once, for users.csv.
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
from gateway.adapters.oneroster.query import Filter, Page, Predicate, Sort
from gateway.adapters.oneroster.roster_collections import ENROLLMENTS, USERS
from gateway.adapters.oneroster.roster_reads import RosterReads
from gateway.adapters.oneroster.sql_filter import order_by
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Group, Membership, Person, PersonalData, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.store.audit import audit_log
from gateway.store.persons import PersonItem, PersonStore

TENANT = "roc-a"
PERSON_INDEX = "ix_entities_tenant_kind_person_ref"
GROUP_INDEX = "ix_entities_tenant_kind_group_ref"
ID_INDEX = "ix_entities_tenant_kind_id"
KEY_INDEX = "ix_person_data_family_name_key"
#: Family names whose order depends on case, prefix, blanks and non-ASCII letters.
FAMILIES = [("", "Bakker"), ("de", "Vries"), ("", "de Boer"), ("", "ÖZTÜRK"), ("", "öztürk"),
            ("van der", "Berg"), ("", "bakker"), ("", "Zeeman"), ("", ""), ("", "Ä")]


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


@pytest.fixture
def named(gateway: Gateway) -> list[str]:
    """Members of one klas, with :data:`FAMILIES` (and two without personal data)."""
    persons = [Person.create(tenant=TENANT, source=_src(f"n{i}"))
               for i in range(len(FAMILIES) + 2)]
    PersonStore(gateway.store).upsert_many([
        PersonItem(p, PersonalData(family_name_prefix=prefix or None, family_name=name or None))
        for p, (prefix, name) in zip(persons, FAMILIES, strict=False)])
    group = Group.create(tenant=TENANT, source=_src("k"), group_kind="class", code="K",
                         name="Klas K")
    gateway.store.upsert([*persons[len(FAMILIES):], group, *(
        Membership.create(tenant=TENANT, source=_src(f"nm{i}"), group_id=group.id,
                          person_id=p.id, role="student") for i, p in enumerate(persons))])
    return [str(p.id) for p in persons]


def _plan(conn: Connection, query: Select[Any], *, verbose: bool = False) -> str:
    """The plan; SQLite's ``verbose`` plan is its bytecode (which names each function)."""
    sql = str(query.compile(conn.engine, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE entities")  # the statistics a live database has
        conn.exec_driver_sql("ANALYZE person_data")
        conn.exec_driver_sql("SET enable_seqscan = off")
        explain = "EXPLAIN VERBOSE" if verbose else "EXPLAIN"
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"{explain} {sql}"))
    if verbose:
        return "\n".join(" ".join(str(c) for c in r)
                         for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def _sorted_finder(engine: Engine, descending: bool = False, *,
                   ready: bool = True) -> Select[Any]:
    """The users page query sorted by familyName: by the sort key, or (``ready`` False)
    by lower() of the names as 0009 sorted them."""
    query, columns = USERS.build(TENANT)
    ident = USERS.table.c.id
    order = order_by(Sort("familyName", descending), columns, ident,
                     byte_order=engine.dialect.name == "postgresql",
                     keys=USERS.sort_keys() if ready else None)
    return query.with_only_columns(ident, func.count().over()).order_by(*order)


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



def test_the_users_count_reads_the_person_ref_index_alone(
    engine: Engine, seeded: dict[str, str]
) -> None:
    query, _ = USERS.build(TENANT)
    counted = select(func.count()).select_from(query.with_only_columns(USERS.table.c.id)
                                               .subquery())
    with engine.connect() as conn:
        plan = _plan(conn, counted)
        total = conn.execute(counted).scalar_one()
    if engine.dialect.name == "postgresql":  # no heap row, so no membership's JSON
        assert f"Index Only Scan using {PERSON_INDEX}" in plan, plan
    else:
        assert f"COVERING INDEX {PERSON_INDEX}" in plan, plan
    assert total == 3


def test_a_users_sort_by_family_name_reads_the_sort_key_not_the_names(
    engine: Engine, named: list[str]
) -> None:
    with engine.connect() as conn:
        plan = _plan(conn, _sorted_finder(engine).limit(5).offset(2))
        verbose = _plan(conn, _sorted_finder(engine).limit(5).offset(2), verbose=True)
        before = _plan(conn, _sorted_finder(engine, ready=False).limit(5), verbose=True)
    if engine.dialect.name == "postgresql":
        assert f"Index Only Scan using {KEY_INDEX}" in plan, plan
        sort_key = next(line for line in verbose.splitlines() if "Sort Key:" in line)
        assert "family_name_key" in sort_key and "->" not in sort_key, sort_key
        assert "personalData" not in verbose and "personalData" in before, verbose
    else:
        assert f"COVERING INDEX {KEY_INDEX}" in plan, plan
        assert "json_extract" not in verbose.lower() and "json_extract" in before.lower()


@pytest.mark.parametrize("descending", [False, True])
def test_the_sort_key_orders_users_exactly_as_the_names_did(
    engine: Engine, named: list[str], descending: bool
) -> None:
    with engine.connect() as conn:
        by_key = [r[0] for r in conn.execute(_sorted_finder(engine, descending))]
        by_names = [r[0] for r in conn.execute(_sorted_finder(engine, descending, ready=False))]
        reads = RosterReads(engine)
        page = reads.page(USERS, TENANT, None, Sort("familyName", descending), Page(4, 3))
    assert by_key == by_names and sorted(by_key) == sorted(named)
    assert [str(r.record.state["id"]) for r in page.rows] == by_key[3:7]
    assert page.total == len(named)
