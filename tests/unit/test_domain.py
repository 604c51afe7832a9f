from datetime import UTC, date, datetime, timedelta

import pydantic
import pytest

from gateway.domain import ENTITY_TYPES, Cohort, ProgrammeOffering, entity_id, event_id
from gateway.domain.enrolment import EnrolmentState, transition
from gateway.domain.rostering import TimetableActivity
from gateway.errors import TransitionError
from tests import factories


def test_every_kind_has_a_valid_instance_and_is_frozen() -> None:
    made = factories.one_of_each()
    assert {e.kind for e in made} == set(ENTITY_TYPES)
    with pytest.raises(pydantic.ValidationError):
        made[0].name = "other"  # type: ignore[misc]


def test_ids_are_uuid5_of_tenant_source_and_kind() -> None:
    a = entity_id("roc-a", "sis", "programme-offering", "1")
    assert a.version == 5
    assert a == factories.offering(ident="1").__class__.create(
        tenant="roc-a", source=factories.src("1", "sis"), crebo="25604", leerweg="BOL",
        level=4, location="123X456", valid_from=date(2026, 8, 1), name="x").id
    assert a != entity_id("roc-b", "sis", "programme-offering", "1")
    assert a != entity_id("roc-a", "other", "programme-offering", "1")
    assert a != entity_id("roc-a", "sis", "course", "1")
    assert event_id("roc-a", a, 1) == event_id("roc-a", a, 1) != event_id("roc-a", a, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [("crebo", "2560"), ("crebo", "256044"), ("crebo", "2560a"), ("location", "123A456"),
     ("location", "12X456"), ("leerweg", "VAVO"), ("level", 5), ("level", 0)],
)
def test_offering_refuses_bad_mbo_facts(field: str, value: object) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        factories.offering(**{field: value})
    assert info.value.errors()[0]["loc"][0] == field


def test_offering_validity_must_be_ordered() -> None:
    with pytest.raises(pydantic.ValidationError, match="valid_until"):
        factories.offering(valid_from=date(2026, 8, 1), valid_until=date(2026, 7, 31))


def test_tenant_settings_codes_are_checked() -> None:
    from gateway.settings import TenantConfig

    TenantConfig(id="roc-a", name="A", onderwijsaanbiedercode="123A456", oin="0" * 20)
    for bad in ({"onderwijsaanbiedercode": "123X456"}, {"oin": "123"}, {"id": "Roc.A"}):
        with pytest.raises(pydantic.ValidationError):
            TenantConfig(**{"id": "roc-a", "name": "A", **bad})


def test_cohort_dates() -> None:
    with pytest.raises(pydantic.ValidationError, match="application_end"):
        factories.cohort(application_start=date(2026, 5, 1), application_end=date(2026, 4, 1))
    with pytest.raises(pydantic.ValidationError, match="before applications open"):
        factories.cohort(application_start=date(2026, 10, 1), application_end=None)
    with pytest.raises(pydantic.ValidationError, match="either a fixed start_date"):
        factories.cohort(start_date=None)
    flexible = factories.cohort(start_date=None,
                                flexible_intake={"start": "2026-09-01", "end": "2027-06-01"})
    assert isinstance(flexible, Cohort)
    assert flexible.open_for_application(date(2026, 3, 1))
    assert not flexible.open_for_application(date(2025, 12, 31))
    assert not flexible.open_for_application(date(2026, 8, 16))


def test_timetable_activity_needs_aware_ordered_times() -> None:
    start = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(pydantic.ValidationError, match="time zone"):
        TimetableActivity.create(tenant="roc-a", source=factories.src("t"), title="x",
                                 start=start.replace(tzinfo=None), end=start)
    with pytest.raises(pydantic.ValidationError, match="after start"):
        TimetableActivity.create(tenant="roc-a", source=factories.src("t"), title="x",
                                 start=start, end=start - timedelta(minutes=1))


def test_state_machine_allows_and_refuses() -> None:
    s = EnrolmentState
    assert transition(s.RECEIVED, s.ACCEPTED) is s.ACCEPTED
    assert transition(s.ENROLLED, s.ENROLLED) is s.ENROLLED
    with pytest.raises(TransitionError, match="rejected -> accepted"):
        transition(s.REJECTED, s.ACCEPTED)
    with pytest.raises(TransitionError, match="allowed: ended, interrupted"):
        transition(s.ENROLLED, s.RECEIVED)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="extra"):
        factories.offering(colour="blue")
    assert ProgrammeOffering.model_config["frozen"] is True
