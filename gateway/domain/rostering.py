"""Rostering: groups (klassen, lesgroepen), their members, and timetable activities."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field, model_validator

from gateway.domain.base import Domain, Entity
from gateway.domain.values import aware, check_order

__all__ = [
    "ActivityKind",
    "ActivityStatus",
    "Group",
    "GroupKind",
    "Membership",
    "MembershipRole",
    "MembershipState",
    "TimetableActivity",
]

AwareDatetime = Annotated[datetime, aware]


class GroupKind(StrEnum):
    CLASS = "class"  # klas
    TEACHING_GROUP = "teaching_group"  # lesgroep
    OTHER = "other"


class Group(Entity):
    kind: ClassVar[str] = "group"
    domain: ClassVar[Domain] = Domain.TIMETABLE
    summary: ClassVar[str] = "A group of persons: a klas or lesgroep."

    group_kind: GroupKind
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=500)
    valid_from: date | None = None
    valid_until: date | None = None
    offering_id: UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Group:
        check_order(self.valid_from, self.valid_until, "valid_until")
        return self


class MembershipRole(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    # The finer roles of OOAPI's ``membershipRole`` (its ``lecturer`` is ``teacher``).
    TEACHING_ASSISTANT = "teaching_assistant"
    COORDINATOR = "coordinator"
    GUEST = "guest"
    INVIGILATOR = "invigilator"
    ASSESSOR = "assessor"


class MembershipState(StrEnum):
    """OOAPI ``membershipState``: a cancelled membership is kept, as the source keeps it."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class Membership(Entity):
    kind: ClassVar[str] = "membership"
    domain: ClassVar[Domain] = Domain.TIMETABLE
    summary: ClassVar[str] = "Membership of a person in a group."

    group_id: UUID
    person_id: UUID
    role: MembershipRole = MembershipRole.STUDENT
    start_date: date | None = None
    end_date: date | None = None
    state: MembershipState = MembershipState.ACTIVE

    @model_validator(mode="after")
    def _ordered(self) -> Membership:
        check_order(self.start_date, self.end_date, "end_date")
        return self


class ActivityStatus(StrEnum):
    SCHEDULED = "scheduled"
    CHANGED = "changed"
    CANCELLED = "cancelled"


class ActivityKind(StrEnum):
    LESSON = "lesson"
    EXAM = "exam"
    OTHER = "other"


class TimetableActivity(Entity):
    """One occurrence of a lesson or exam session, in an aware time zone."""

    kind: ClassVar[str] = "timetable-activity"
    domain: ClassVar[Domain] = Domain.TIMETABLE
    summary: ClassVar[str] = "One lesson or exam session with time, rooms, staff and groups."

    activity_kind: ActivityKind = ActivityKind.LESSON
    title: str = Field(min_length=1, max_length=500)
    start: AwareDatetime
    end: AwareDatetime
    rooms: tuple[str, ...] = ()
    staff_ids: tuple[UUID, ...] = ()
    group_ids: tuple[UUID, ...] = ()
    course_id: UUID | None = None
    status: ActivityStatus = ActivityStatus.SCHEDULED

    @model_validator(mode="after")
    def _ordered(self) -> TimetableActivity:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self
