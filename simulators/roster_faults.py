"""Fault modes of OneRoster bundles (``oneroster-1.2`` suite), and the proofs of both roster
suites: every fault of :mod:`simulators.ical_faults` and of this module against the
gateway's own output.

A *bundle* maps file names (``users.csv``, ``manifest.csv``) to the files of a OneRoster 1.2
CSV bundle, as :func:`simulators.conformant_roster.roster_bundle` exports it. Each mutation
returns a new bundle with one fault; when the bundle lacks what the fault needs (a file, a
column, a second row) the mutation raises ``ValueError``, so a fault never silently
becomes a no-op. Listed in :data:`simulators.faults.FAULT_MODULES`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from contract_tests.target import Target
from simulators import ical_faults
from simulators.fault_proof import mutator_proof, register_proof
from simulators.faults import fault

__all__ = ["Bundle", "conformant_bundle", "conformant_feeds", "write_bundle"]

Bundle = Mapping[str, bytes]
_SUITE = "oneroster-1.2"
Rows = list[list[str]]


def _edit(bundle: Bundle, filename: str, edit: Callable[[list[str], Rows], None]) -> dict[
        str, bytes]:
    """Apply ``edit(header, rows)`` (in place) to one file of the bundle."""
    if filename not in bundle:
        raise ValueError(f"the bundle has no {filename}")
    rows = list(csv.reader(io.StringIO(bundle[filename].decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    edit(header, body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    return {**bundle, filename: out.getvalue().encode("utf-8")}


def _set(filename: str, column: str, value: str, row: int = 0) -> Callable[[Bundle], dict[
        str, bytes]]:
    """A mutation setting ``column`` of data row ``row`` of ``filename`` to ``value``."""

    def mutate(bundle: Bundle) -> dict[str, bytes]:
        def edit(header: list[str], rows: Rows) -> None:
            if column not in header or len(rows) <= row:
                raise ValueError(f"{filename} has no {column} in row {row + 1}")
            rows[row][header.index(column)] = value

        return _edit(bundle, filename, edit)

    return mutate


@fault("oneroster-1.2.renamed-column", _SUITE, "users.csv names its givenName column firstName")
def renamed_column(bundle: Bundle) -> dict[str, bytes]:
    def edit(header: list[str], rows: Rows) -> None:
        header[header.index("givenName")] = "firstName"

    return _edit(bundle, "users.csv", edit)


@fault("oneroster-1.2.missing-column", _SUITE, "classes.csv without its classType column")
def missing_column(bundle: Bundle) -> dict[str, bytes]:
    def edit(header: list[str], rows: Rows) -> None:
        at = header.index("classType")
        for row in [header, *rows]:
            del row[at]

    return _edit(bundle, "classes.csv", edit)


@fault("oneroster-1.2.missing-required", _SUITE, "a user without a username")
def missing_required(bundle: Bundle) -> dict[str, bytes]:
    return _set("users.csv", "username", "")(bundle)


@fault("oneroster-1.2.dangling-enrollment", _SUITE, "an enrollment of a user not in users.csv")
def dangling_enrollment(bundle: Bundle) -> dict[str, bytes]:
    return _set("enrollments.csv", "userSourcedId", "9d0c3a5e-0000-4000-8000-000000000bad")(
        bundle)


@fault("oneroster-1.2.bad-date", _SUITE, "an academic session starting on 01-08-2025 (DD-MM)")
def bad_date(bundle: Bundle) -> dict[str, bytes]:
    return _set("academicSessions.csv", "startDate", "01-08-2025")(bundle)


@fault("oneroster-1.2.bad-role", _SUITE, "an enrollment with role 'learner'")
def bad_role(bundle: Bundle) -> dict[str, bytes]:
    return _set("enrollments.csv", "role", "learner")(bundle)


@fault("oneroster-1.2.bad-class-type", _SUITE, "a class with classType 'lecture'")
def bad_class_type(bundle: Bundle) -> dict[str, bytes]:
    return _set("classes.csv", "classType", "lecture")(bundle)


@fault("oneroster-1.2.duplicate-sourcedid", _SUITE, "two users sharing one sourcedId")
def duplicate_sourcedid(bundle: Bundle) -> dict[str, bytes]:
    def edit(header: list[str], rows: Rows) -> None:
        if len(rows) < 2:
            raise ValueError("users.csv holds fewer than two users")
        rows[1][0] = rows[0][0]

    return _edit(bundle, "users.csv", edit)


@fault("oneroster-1.2.course-shares-class-id", _SUITE,
       "a class's course carrying the class's own sourcedId, references kept consistent")
def course_shares_class_id(bundle: Bundle) -> dict[str, bytes]:
    found: dict[str, str] = {}

    def classes(header: list[str], rows: Rows) -> None:
        if not rows or "courseSourcedId" not in header:
            raise ValueError("classes.csv holds no class with a course")
        column = header.index("courseSourcedId")
        found.update(course=rows[0][column], klass=rows[0][0])
        for row in rows:
            if row[column] == found["course"]:
                row[column] = found["klass"]

    def courses(header: list[str], rows: Rows) -> None:
        for row in rows:
            if row[0] == found["course"]:
                row[0] = found["klass"]
                return
        raise ValueError("courses.csv lacks the class's course")

    return _edit(_edit(bundle, "classes.csv", classes), "courses.csv", courses)


@fault("oneroster-1.2.bulk-with-status", _SUITE, "a bulk file with status and dateLastModified")
def bulk_with_status(bundle: Bundle) -> dict[str, bytes]:
    changed = _set("orgs.csv", "status", "active")(bundle)
    return _set("orgs.csv", "dateLastModified", "2026-03-01T09:30:00Z")(changed)


@fault("oneroster-1.2.no-manifest", _SUITE, "a bundle without manifest.csv")
def no_manifest(bundle: Bundle) -> dict[str, bytes]:
    if "manifest.csv" not in bundle:
        raise ValueError("the bundle has no manifest.csv")
    return {name: body for name, body in bundle.items() if name != "manifest.csv"}


@fault("oneroster-1.2.unlisted-file", _SUITE, "roles.csv present, the manifest says absent")
def unlisted_file(bundle: Bundle) -> dict[str, bytes]:
    def edit(header: list[str], rows: Rows) -> None:
        for row in rows:
            if row[0] == "file.roles":
                row[1] = "absent"
                return
        raise ValueError("the manifest has no file.roles")

    return _edit(bundle, "manifest.csv", edit)


def write_bundle(bundle: Bundle, folder: Path) -> Target:
    """Zip a bundle into ``folder/oneroster.zip``; the ``oneroster-1.2`` target checking it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "oneroster.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in sorted(bundle.items()):
            archive.writestr(name, body)
    return Target(files=path)


_MADE: dict[str, Any] = {}


# The gateway's roster output is imported when a proof first needs it, not when the fault
# registry loads: the registry (every suite's faults) must load even while it is broken.
def conformant_feeds(folder: Path) -> dict[str, bytes]:
    """The gateway's two fetches of a feed (made once per process, in ``folder`` first)."""
    if "feeds" not in _MADE:
        from simulators.conformant_roster import feed_fetches

        _MADE["feeds"] = feed_fetches(folder / "gateway")
    return dict(_MADE["feeds"])


def conformant_bundle(folder: Path) -> dict[str, bytes]:
    """The gateway's CSV bundle (made once per process, in ``folder`` first)."""
    if "bundle" not in _MADE:
        from simulators.conformant_roster import roster_bundle

        _MADE["bundle"] = roster_bundle(folder / "gateway")
    return dict(_MADE["bundle"])


register_proof(mutator_proof("icalendar", conformant_feeds, ical_faults.write_feeds))
register_proof(mutator_proof(_SUITE, conformant_bundle, write_bundle))
