"""The canonical model: the hub every adapter maps to and from."""

from gateway.domain.base import Domain, Entity, SourceRef, content_hash
from gateway.domain.catalogue import Cohort, Course, ProgrammeOffering, Qualification
from gateway.domain.enrolment import Application, Enrolment, EnrolmentState, Participation
from gateway.domain.ids import entity_id, event_id
from gateway.domain.person import Person, PersonalData
from gateway.domain.rostering import Group, Membership, TimetableActivity

#: Every entity type by its kind; the store, the event schemas and AsyncAPI derive from it.
ENTITY_TYPES: dict[str, type[Entity]] = {
    cls.kind: cls
    for cls in (
        Qualification,
        ProgrammeOffering,
        Cohort,
        Course,
        Person,
        Application,
        Enrolment,
        Participation,
        Group,
        Membership,
        TimetableActivity,
    )
}

__all__ = [
    "ENTITY_TYPES",
    "Application",
    "Cohort",
    "Course",
    "Domain",
    "Enrolment",
    "EnrolmentState",
    "Entity",
    "Group",
    "Membership",
    "Participation",
    "Person",
    "PersonalData",
    "ProgrammeOffering",
    "Qualification",
    "SourceRef",
    "TimetableActivity",
    "content_hash",
    "entity_id",
    "event_id",
]
