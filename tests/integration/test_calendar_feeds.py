"""iCalendar feeds over real HTTP on SQLite and PostgreSQL: subscribe, poll, change, revoke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import Engine, event

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.conditional import http_date
from gateway.api.routers import calendar, calendar_admin
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import SourceRef
from gateway.domain.rostering import (
    ActivityStatus,
    Group,
    GroupKind,
    Membership,
    MembershipState,
    TimetableActivity,
)
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.icalendar_out import AMSTERDAM, feed_uid
from gateway.testing.serving import serve_in_thread

TENANT = "roc-a"
PERSON = UUID("5d1f0a7e-2b8c-4a33-9e0f-1c2d3e4f5a6b")
CLIENTS = {"admin": (TENANT, ["calendar:admin"]), "admin-b": ("roc-b", ["calendar:admin"]),
           "reader": (TENANT, ["events:read"])}


@dataclass
class Api:
    base: str
    gateway: Gateway
    secrets: dict[str, str]

    def client(self, client_id: str | None = None) -> httpx.Client:
        headers = {}
        if client_id:
            reply = httpx.post(f"{self.base}/oauth/token",
                               data={"grant_type": "client_credentials"},
                               auth=(client_id, self.secrets[client_id]), timeout=10)
            assert reply.status_code == 200, reply.text
            headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)

    def subscribe(self, kind: str, ref: str) -> str:
        """The feed path of a new subscription (made through the admin API)."""
        with self.client("admin") as admin:
            reply = admin.post("/api/v1/calendar-subscriptions", json={"kind": kind, "ref": ref})
        assert reply.status_code == 201, reply.text
        return str(httpx.URL(reply.json()["feedUrl"]).path)


class Clock:
    """The gateway's clock, moved by the test (the store stamps changes with it too)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    with _serve(engine, None) as served:
        yield served


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_api(engine: Engine, clock: Clock) -> Iterator[Api]:
    with _serve(engine, clock) as served:
        yield served


@contextmanager
def _serve(engine: Engine, clock: Clock | None) -> Iterator[Api]:
    extra: dict[str, Any] = {} if clock is None else {"clock": clock}
    gateway = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher(),
                        **extra)
    app = create_app(gateway)
    paths = {getattr(route, "path", "") for route in app.routes}
    for router in (calendar.router, calendar_admin.router):  # until app.py includes them
        if not {getattr(r, "path", "") for r in router.routes} <= paths:
            app.include_router(router)
    registry = ClientRegistry.for_gateway(gateway)
    client_secrets = {cid: registry.register(tenant, cid, scopes)
                      for cid, (tenant, scopes) in CLIENTS.items()}
    try:
        with serve_in_thread(app) as port:
            yield Api(f"http://127.0.0.1:{port}", gateway, client_secrets)
    finally:
        gateway.close()


def _next_week(hour: int) -> datetime:
    day = datetime.now(AMSTERDAM).date() + timedelta(days=7)
    return datetime.combine(day, time(hour), AMSTERDAM)


def _group(code: str) -> Group:
    group: Group = Group.create(tenant=TENANT, source=SourceRef(system="sis", id=code),
                                group_kind=GroupKind.CLASS, code=code, name=f"Klas {code}")
    return group


def _activity(ident: str, **over: Any) -> TimetableActivity:
    fields: dict[str, Any] = {"title": "Nederlands", "start": _next_week(9),
                              "end": _next_week(10), "rooms": ("A1.02",)}
    fields.update(over)
    activity: TimetableActivity = TimetableActivity.create(
        tenant=TENANT, source=SourceRef(system="rooster", id=ident), **fields)
    return activity


def _membership(group: Group, state: MembershipState = MembershipState.ACTIVE) -> Membership:
    membership: Membership = Membership.create(
        tenant=TENANT, source=SourceRef(system="sis", id=f"{group.code}-{PERSON}"),
        group_id=group.id, person_id=PERSON, state=state)
    return membership


def _events(reply: httpx.Response) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(reply.content).walk("VEVENT")}


def test_subscribe_poll_change_cancel_and_revoke_a_group_feed(api: Api) -> None:
    group = _group("1A")
    lesson = _activity("les-1", group_ids=(group.id,))
    api.gateway.store.upsert([group, lesson])
    feed = api.subscribe("group", str(group.id))
    with api.client() as client:
        first = client.get(feed)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert first.headers["cache-control"] == "private, no-cache"
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        event_ = _events(first)[feed_uid(lesson.id)]
        assert (event_["SEQUENCE"], str(event_["STATUS"]), str(event_["LOCATION"])) == (
            0, "CONFIRMED", "A1.02")
        assert event_.decoded("DTSTART") == lesson.start
        assert "TZID=Europe/Amsterdam" in first.text
        assert str(Calendar.from_ical(first.content)["NAME"]) == "Rooster 1A"

        unchanged = client.get(feed, headers={"If-None-Match": etag})
        assert (unchanged.status_code, unchanged.content) == (304, b"")
        assert unchanged.headers["etag"] == etag

        api.gateway.store.upsert([lesson.model_copy(update={"rooms": ("B2.01",)})])
        moved = client.get(feed, headers={"If-None-Match": etag})
        assert moved.status_code == 200
        assert moved.headers["etag"] != etag
        event_ = _events(moved)[feed_uid(lesson.id)]
        assert (event_["SEQUENCE"], str(event_["LOCATION"])) == (1, "B2.01")

        api.gateway.store.upsert([lesson.model_copy(update={
            "rooms": ("B2.01",), "status": ActivityStatus.CANCELLED})])
        cancelled = client.get(feed, headers={"If-None-Match": moved.headers["etag"]})
        assert cancelled.status_code == 200
        event_ = _events(cancelled)[feed_uid(lesson.id)]
        assert (event_["SEQUENCE"], str(event_["STATUS"])) == (2, "CANCELLED")

        with api.client("admin") as admin:
            [listed] = admin.get("/api/v1/calendar-subscriptions").json()["items"]
            assert feed.split("/")[-1].removesuffix(".ics") not in str(listed)
            assert admin.delete(f"/api/v1/calendar-subscriptions/{listed['id']}"
                                ).status_code == 204
            assert admin.delete(f"/api/v1/calendar-subscriptions/{listed['id']}"
                                ).status_code == 204  # idempotent
            assert admin.get("/api/v1/calendar-subscriptions").json()["items"] == []
            [revoked] = admin.get("/api/v1/calendar-subscriptions",
                                  params={"includeRevoked": "true"}).json()["items"]
            assert revoked["revokedAt"] is not None
        gone = client.get(feed)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert feed.split("/")[-1].removesuffix(".ics") not in gone.text  # the token is not echoed


def test_a_304_reads_no_activity_and_renders_nothing(api: Api) -> None:
    group = _group("1B")
    api.gateway.store.upsert([group, *(_activity(f"les-{n}", group_ids=(group.id,),
                                                 start=_next_week(8 + n),
                                                 end=_next_week(9 + n)) for n in range(5))])
    feed = api.subscribe("group", str(group.id))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with api.client() as client:
        etag = client.get(feed).headers["etag"]
        event.listen(api.gateway.engine, "before_cursor_execute", record)
        try:
            assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
        finally:
            event.remove(api.gateway.engine, "before_cursor_execute", record)
    assert statements, "the listener saw the 304's queries"
    assert not [s for s in statements if "entities" in s]
    assert len(statements) <= 4  # subscription, freshness check, stamp (+ a pool ping)


def test_a_person_feed_holds_their_groups_and_their_own_lessons_as_staff(api: Api) -> None:
    member_of, other = _group("2A"), _group("2B")
    theirs = _activity("les-a", group_ids=(member_of.id,))
    not_theirs = _activity("les-b", group_ids=(other.id,))
    teaching = _activity("les-c", group_ids=(other.id,), staff_ids=(PERSON,),
                         start=_next_week(13), end=_next_week(14))
    api.gateway.store.upsert([member_of, other, theirs, not_theirs, teaching,
                              _membership(member_of)])
    feed = api.subscribe("person", str(PERSON))
    with api.client() as client:
        reply = client.get(feed)
        assert set(_events(reply)) == {feed_uid(theirs.id), feed_uid(teaching.id)}
        assert str(PERSON) not in reply.text  # the staff id is not in the feed
        assert str(Calendar.from_ical(reply.content)["NAME"]) == "Rooster"

        api.gateway.store.upsert([_membership(member_of, MembershipState.CANCELLED)])
        after = client.get(feed, headers={"If-None-Match": reply.headers["etag"]})
    assert after.status_code == 200
    assert set(_events(after)) == {feed_uid(teaching.id)}


def test_a_room_feed_follows_its_room_and_drops_a_deleted_activity(api: Api) -> None:
    here = _activity("les-r1", rooms=("C0.10", "C0.11"))
    elsewhere = _activity("les-r2", rooms=("D1.01",))
    api.gateway.store.upsert([here, elsewhere])
    feed = api.subscribe("room", "C0.11")
    with api.client() as client:
        reply = client.get(feed)
        assert set(_events(reply)) == {feed_uid(here.id)}
        assert str(Calendar.from_ical(reply.content)["NAME"]) == "Rooster lokaal C0.11"
        api.gateway.store.upsert([elsewhere.model_copy(update={"rooms": ("C0.11",)})])
        joined = client.get(feed, headers={"If-None-Match": reply.headers["etag"]})
        assert set(_events(joined)) == {feed_uid(here.id), feed_uid(elsewhere.id)}
        api.gateway.store.delete(TENANT, [here.id])
        left = client.get(feed, headers={"If-None-Match": joined.headers["etag"]})
    assert left.status_code == 200
    assert set(_events(left)) == {feed_uid(elsewhere.id)}


def test_an_activity_outside_the_window_is_left_out(api: Api) -> None:
    group = _group("3A")
    now = datetime.now(AMSTERDAM)
    old = _activity("old", group_ids=(group.id,), start=now - timedelta(weeks=6),
                    end=now - timedelta(weeks=6) + timedelta(hours=1))
    far = _activity("far", group_ids=(group.id,), start=now + timedelta(days=400),
                    end=now + timedelta(days=400, hours=1))
    near = _activity("near", group_ids=(group.id,))
    api.gateway.store.upsert([group, old, far, near])
    with api.client() as client:
        reply = client.get(api.subscribe("group", str(group.id)))
    assert set(_events(reply)) == {feed_uid(near.id)}


@pytest.mark.parametrize("path", ["/calendar/nope.ics", f"/calendar/{'A' * 43}.ics",
                                  f"/calendar/{'A' * 200}.ics"])
def test_an_unknown_or_malformed_token_is_a_404_problem(api: Api, path: str) -> None:
    with api.client() as client:
        reply = client.get(path)
    assert reply.status_code == 404
    assert reply.json()["type"] == "urn:mbo-gateway:problem:not-found"


def test_the_admin_api_checks_scope_target_and_tenant(api: Api) -> None:
    group = _group("4A")
    api.gateway.store.upsert([group])
    with api.client("reader") as reader:
        refused = reader.post("/api/v1/calendar-subscriptions",
                              json={"kind": "group", "ref": str(group.id)})
    assert refused.status_code == 403
    with api.client() as anonymous:
        assert anonymous.get("/api/v1/calendar-subscriptions").status_code == 401
    with api.client("admin") as admin:
        unknown = admin.post("/api/v1/calendar-subscriptions",
                             json={"kind": "group", "ref": str(PERSON)})
        assert unknown.status_code == 422
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["errors"][0]["path"] == "/ref"
        assert admin.post("/api/v1/calendar-subscriptions",
                          json={"kind": "group", "ref": "1A"}).status_code == 422
        assert admin.post("/api/v1/calendar-subscriptions",
                          json={"kind": "teacher", "ref": "x"}).status_code == 422
        assert admin.post("/api/v1/calendar-subscriptions",
                          json={"kind": "room", "ref": "A1,A2"}).status_code == 422
        made = admin.post("/api/v1/calendar-subscriptions",
                          json={"kind": "group", "ref": str(group.id).upper()})
        assert made.status_code == 201
        assert made.headers["cache-control"] == "no-store"
        assert made.json()["ref"] == str(group.id)
        assert made.headers["location"] == f"/api/v1/calendar-subscriptions/{made.json()['id']}"
    with api.client("admin-b") as other_school:
        assert other_school.get("/api/v1/calendar-subscriptions").json()["items"] == []
        assert other_school.delete(f"/api/v1/calendar-subscriptions/{made.json()['id']}"
                                   ).status_code == 404
        assert other_school.post("/api/v1/calendar-subscriptions",
                                 json={"kind": "group", "ref": str(group.id)}
                                 ).status_code == 422  # roc-a's group is unknown to roc-b
    with api.client() as client:
        assert client.get(httpx.URL(made.json()["feedUrl"]).path).status_code == 200


def test_a_second_client_gets_the_rendered_body_without_reading_activities(api: Api) -> None:
    group = _group("1C")
    api.gateway.store.upsert([group, *(_activity(f"les-c{n}", group_ids=(group.id,),
                                                 start=_next_week(8 + n),
                                                 end=_next_week(9 + n)) for n in range(3))])
    feed = api.subscribe("group", str(group.id))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(api.gateway.engine, "before_cursor_execute", record)
    try:
        with api.client() as first_client, api.client() as second_client:
            first = first_client.get(feed)
            read_by_first = [s for s in statements if "entities.version" in s]
            statements.clear()
            second = second_client.get(feed)
    finally:
        event.remove(api.gateway.engine, "before_cursor_execute", record)
    assert first.status_code == second.status_code == 200
    assert len(read_by_first) == 1  # the activities' states, by primary key
    assert not [s for s in statements if "entities.version" in s]
    assert (second.content, second.headers["etag"]) == (first.content, first.headers["etag"])
    assert len(_events(second)) == 3


def test_head_answers_the_get_header_fields_without_a_body(api: Api) -> None:
    group = _group("5A")
    api.gateway.store.upsert([group, _activity("les-h", group_ids=(group.id,))])
    feed = api.subscribe("group", str(group.id))
    with api.client() as client:
        head = client.head(feed)
        get = client.get(feed)
        revalidated = client.head(feed, headers={"If-None-Match": get.headers["etag"]})
        unknown = client.head(f"/calendar/{'A' * 43}.ics")
    assert (head.status_code, head.content) == (200, b"")
    fields = ("etag", "content-type", "content-length", "cache-control")
    assert {f: head.headers.get(f) for f in fields} == {f: get.headers.get(f) for f in fields}
    assert int(head.headers["content-length"]) == len(get.content) > 0
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert revalidated.headers["etag"] == get.headers["etag"]
    assert (unknown.status_code, unknown.content) == (404, b"")


def test_a_renamed_group_gets_a_new_tag_and_name_but_other_group_fields_do_not(
    api: Api,
) -> None:
    group = _group("6A")
    api.gateway.store.upsert([group, _activity("les-n", group_ids=(group.id,))])
    feed = api.subscribe("group", str(group.id))
    with api.client() as client:
        first = client.get(feed)
        api.gateway.store.upsert([group.model_copy(update={"code": "6A-BOL"})])
        renamed = client.get(feed, headers={"If-None-Match": first.headers["etag"]})
        api.gateway.store.upsert([group.model_copy(update={"code": "6A-BOL",
                                                           "name": "Klas 6A (BOL)"})])
        same_code = client.get(feed, headers={"If-None-Match": renamed.headers["etag"]})
    assert str(Calendar.from_ical(first.content)["X-WR-CALNAME"]) == "Rooster 6A"
    assert renamed.status_code == 200
    assert renamed.headers["etag"] != first.headers["etag"]
    calendar_ = Calendar.from_ical(renamed.content)
    assert (str(calendar_["NAME"]), str(calendar_["X-WR-CALNAME"])) == (
        "Rooster 6A-BOL", "Rooster 6A-BOL")
    assert same_code.status_code == 304  # the long name is not in the feed


def test_a_member_sees_a_groups_lessons_only_between_their_start_and_end_dates(
    api: Api,
) -> None:
    group = _group("7A")
    joined = datetime.now(AMSTERDAM).date() + timedelta(days=7)

    def lesson(ident: str, day: int, hour: int, minute: int = 0) -> TimetableActivity:
        start = datetime.combine(joined + timedelta(days=day), time(hour, minute), AMSTERDAM)
        return _activity(ident, group_ids=(group.id,), start=start,
                         end=start + timedelta(minutes=20))

    before = lesson("before", -1, 23, 30)      # the evening before they joined
    first_day = lesson("first-day", 0, 0, 10)  # 23:10 UTC the day before: Amsterdam counts
    last_day = lesson("last-day", 2, 23, 30)   # their end date is the last day of membership
    after = lesson("after", 3, 0, 10)
    membership = Membership.create(
        tenant=TENANT, source=SourceRef(system="sis", id=f"7A-{PERSON}"), group_id=group.id,
        person_id=PERSON, start_date=joined, end_date=joined + timedelta(days=2))
    api.gateway.store.upsert([group, before, first_day, last_day, after, membership])
    feed = api.subscribe("person", str(PERSON))
    with api.client() as client:
        member = client.get(feed)
        api.gateway.store.upsert([membership.model_copy(update={"end_date": joined})])
        left_early = client.get(feed, headers={"If-None-Match": member.headers["etag"]})
        api.gateway.store.upsert([membership.model_copy(update={"start_date": None,
                                                                "end_date": None})])
        open_ended = client.get(feed, headers={"If-None-Match": left_early.headers["etag"]})
    assert set(_events(member)) == {feed_uid(first_day.id), feed_uid(last_day.id)}
    assert left_early.status_code == 200
    assert set(_events(left_early)) == {feed_uid(first_day.id)}
    assert open_ended.status_code == 200
    assert set(_events(open_ended)) == {feed_uid(a.id) for a in (before, first_day, last_day,
                                                                 after)}


def test_last_modified_and_if_modified_since_follow_rfc_9110(
    clocked_api: Api, clock: Clock,
) -> None:
    api = clocked_api
    group = _group("8A")
    lesson = _activity("les-lm", group_ids=(group.id,))
    midnight = datetime.combine(clock.now.astimezone(AMSTERDAM).date(), time(), AMSTERDAM)
    clock.now = max(clock.now, midnight + timedelta(minutes=1))  # the change is today's
    created = clock.now
    api.gateway.store.upsert([group, lesson])
    feed = api.subscribe("group", str(group.id))
    with api.client() as client:
        fresh = client.get(feed)  # the change is not a second old: a later one could share it
        clock.now += timedelta(seconds=5)
        first = client.get(feed)
        stamp = first.headers["last-modified"]

        def since(value: str, **more: str) -> httpx.Response:
            return client.get(feed, headers={"If-Modified-Since": value, **more})

        same = since(stamp)
        later = since(http_date(created + timedelta(seconds=3)))
        earlier = since(http_date(created - timedelta(seconds=1)))
        garbage = since("yesterday")
        future = since(http_date(clock.now + timedelta(days=1)))
        other_tag = since(stamp, **{"If-None-Match": 'W/"elsewhere"'})
        head = client.head(feed, headers={"If-Modified-Since": stamp})

        clock.now += timedelta(minutes=1)
        changed = clock.now
        api.gateway.store.upsert([lesson.model_copy(update={"rooms": ("B0.01",)})])
        clock.now += timedelta(seconds=5)
        moved = since(stamp)
    assert "last-modified" not in fresh.headers
    assert first.status_code == 200 and stamp == http_date(created)
    assert (same.status_code, same.content, same.headers["etag"]) == (
        304, b"", first.headers["etag"])
    assert same.headers["last-modified"] == stamp
    assert later.status_code == 304
    assert [r.status_code for r in (earlier, garbage, future, other_tag)] == [200] * 4
    assert other_tag.content == first.content  # If-None-Match decides when present
    assert (head.status_code, head.content) == (304, b"")
    assert moved.status_code == 200
    assert moved.headers["last-modified"] == http_date(changed)
    assert moved.headers["etag"] != first.headers["etag"]
