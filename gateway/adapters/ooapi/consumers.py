"""The consumer profiles: schemas of the entries in an object's ``consumers`` array.

OOAPI v5 leaves a ``consumers`` entry open (``consumerKey`` plus anything); a consumer
profile says what the entry for one consumer holds. Two profiles matter for mbo:

- ``rio`` (``ooapi-v5/consumers/RIO/V1``): what RIO needs on programs, offerings, courses
  and education specifications (``educationLocationCode``, ``registrationStatus``,
  ``requiredPermissionRegistration``, ...);
- ``nl-test-admin`` (the mbo profile NED-OOAPI, ``ooapiv5_MBO.yaml`` components
  ``nl-test-admin-*``): on offerings ``offeringState``, ``cohort`` and ``location``.

Entries for any other consumer key are left to the open OOAPI ``Consumer`` schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gateway.adapters.ooapi.openapi import convert_schema, read_yaml
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError

__all__ = [
    "CONSUMER_OBJECT_OF",
    "NL_TEST_ADMIN",
    "RIO",
    "ConsumerProfile",
    "load_consumer_profiles",
]

RIO = "rio"
NL_TEST_ADMIN = "nl-test-admin"

#: Which consumer-profile object applies to a document of an OOAPI schema.
CONSUMER_OBJECT_OF: dict[str, str] = {
    "Program": "Program",
    "ProgramExpanded": "Program",
    "Offering": "Offering",
    "ProgramOffering": "Offering",
    "CourseOffering": "Offering",
    "ComponentOffering": "Offering",
    "Course": "Course",
    "CourseExpanded": "Course",
    "EducationSpecification": "EducationSpecification",
    "EducationSpecificationExpanded": "EducationSpecification",
    "Component": "Component",
    "Person": "Person",
    "Association": "Association",
    "Result": "Result",
}

_RIO_OBJECTS = ("Program", "Offering", "Course", "EducationSpecification")
_NL_TEST_ADMIN_OBJECTS = ("Offering", "Component", "Person", "Association", "Result")


@dataclass(frozen=True)
class ConsumerProfile:
    """One consumer's schema for one kind of object, and where it was published."""

    consumer_key: str
    object_name: str
    source: str
    schema: dict[str, Any]


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read consumer profile {path}: {exc}") from exc


def load_consumer_profiles(
    standards: Standards, mbo_spec: dict[str, Any]
) -> dict[tuple[str, str], ConsumerProfile]:
    """Every known (consumer key, object name) profile, converted to JSON Schema.

    Args:
        standards: where the official files are.
        mbo_spec: the parsed mbo profile (``ooapiv5_MBO.yaml``).

    Returns:
        Profiles keyed by ``(consumerKey, object name)``, e.g. ``("rio", "Offering")``.

    Raises:
        ConfigurationError: a profile file is missing or unreadable.
    """
    profiles: dict[tuple[str, str], ConsumerProfile] = {}
    rio_dir = standards.ooapi_consumers / "RIO" / "V1"
    for name in _RIO_OBJECTS:
        path = rio_dir / f"{name}.yaml"
        if not path.is_file():
            raise ConfigurationError(f"consumer profile {path} not found")
        source = f"ooapi-v5/consumers/RIO/V1/{name}.yaml#"
        profiles[(RIO, name)] = ConsumerProfile(
            RIO, name, source, convert_schema(_read_yaml(path)))
    schemas = mbo_spec.get("components", {}).get("schemas", {})
    for name in _NL_TEST_ADMIN_OBJECTS:
        key = f"{NL_TEST_ADMIN}-{name}"
        if key not in schemas:
            raise ConfigurationError(f"the mbo profile has no schema {key}")
        # Resolve the YAML anchors into plain data, then convert.
        plain = json.loads(json.dumps(schemas[key]))
        source = f"ooapi-v5-mbo/ooapiv5_MBO.yaml#/components/schemas/{key}"
        profiles[(NL_TEST_ADMIN, name)] = ConsumerProfile(
            NL_TEST_ADMIN, name, source, convert_schema(plain))
    return profiles
