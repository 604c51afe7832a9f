"""Checks of the values in the bundle's rows: required fields, identity, references,
enumerations and dates.

Columns are found by the file's own header, so a renamed column is reported once (by the
header check) and its values are not reported again as missing.
"""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding
from contract_tests.suites.oneroster.bundle import Bundle, CsvFile, OneRosterContext
from contract_tests.suites.oneroster.csv_files import data_files
from contract_tests.suites.oneroster.definition import suite, violation
from contract_tests.suites.oneroster.spec import BINDING, DATE, DATETIME, FILES, YEAR, FileSpec

__all__: list[str] = []


def _specified(bundle: Bundle) -> Iterator[tuple[FileSpec, CsvFile]]:
    for found in data_files(bundle):
        spec = FILES.get(found.filename.removesuffix(".csv"))
        if spec is not None:
            yield spec, found


@suite.check(
    "oneroster.csv.required", title="Required fields have values",
    rule="Every field the binding marks required has a value in every row",
    reference=f"{BINDING}, one table per file (the Required column)",
)
def required(ctx: OneRosterContext) -> Iterator[Finding]:
    for spec, found in _specified(ctx.csv_bundle()):
        columns = [c for c in spec.required if c in found.header]
        for number, record in found.records():
            for column in columns:
                if not record.get(column, "").strip():
                    yield violation("oneroster.csv.required", f"{column} is required",
                                    found.where(number, column),
                                    value=record.get("sourcedId", ""))


@suite.check(
    "oneroster.csv.sourcedid-unique", title="sourcedIds are unique",
    rule="A sourcedId occurs once in its file",
    reference=f"{BINDING}, sourcedId (GUID, unique per object)",
)
def unique(ctx: OneRosterContext) -> Iterator[Finding]:
    for _, found in _specified(ctx.csv_bundle()):
        seen: dict[str, int] = {}
        for number, record in found.records():
            ident = record.get("sourcedId", "")
            if ident and ident in seen:
                yield violation("oneroster.csv.sourcedid-unique", f"sourcedId {ident} was "
                                f"already used on line {seen[ident]}",
                                found.where(number, "sourcedId"), value=ident)
            seen.setdefault(ident, number)


@suite.check(
    "oneroster.csv.references", title="References resolve within the bundle",
    rule="A *SourcedId(s) column of a bulk file names records of the file it refers to "
         "(enrollments -> classes, users, orgs; classes -> courses, terms, orgs; roles and "
         "users -> orgs), which must be in the bundle",
    reference=f"{BINDING}, Appendix A (file dependency matrix)",
)
def references(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    modes = bundle.modes()
    known: dict[str, set[str]] = {
        name: {record.get("sourcedId", "") for _, record in found.records()}
        for name, found in bundle.files.items() if found.error is None}
    for spec, found in _specified(bundle):
        if modes.get(spec.name, "bulk") == "delta":
            continue  # a delta may refer to records delivered before
        for column, ref in spec.refs.items():
            if column not in found.header or modes.get(ref.file) == "delta":
                continue
            for number, record in found.records():
                value = record.get(column, "").strip()
                wanted = [v.strip() for v in value.split(",")] if ref.many else [value]
                for ident in (v for v in wanted if v):
                    if ident not in known.get(ref.file, set()):
                        yield violation("oneroster.csv.references", f"{column} {ident} is not "
                                        f"a sourcedId of {ref.file}.csv",
                                        found.where(number, column), value=ident)


@suite.check(
    "oneroster.csv.enumerations", title="Enumerated fields hold allowed values",
    rule="role, roleType, classType, the session and org type, enabledUser and primary hold "
         "values of their enumerations (exact case); optional ones may be blank",
    reference=f"{BINDING}, enumerations of the rostering model (RoleEnum, ClassTypeEnum, "
              "SessionTypeEnum, OrgTypeEnum, EnrolRoleEnum)",
)
def enumerations(ctx: OneRosterContext) -> Iterator[Finding]:
    for spec, found in _specified(ctx.csv_bundle()):
        for number, record in found.records():
            for column, allowed in spec.enums.items():
                value = record.get(column, "")
                if value and value not in allowed:
                    yield violation("oneroster.csv.enumerations", f"{column} {value!r} is not "
                                    f"one of {', '.join(sorted(allowed))}",
                                    found.where(number, column), value=value)


@suite.check(
    "oneroster.csv.dates", title="Dates and datetimes in the binding's formats",
    rule="date fields are YYYY-MM-DD, dateTime fields ISO 8601 in UTC "
         "(YYYY-MM-DDThh:mm:ss[.fff]Z), schoolYear a four-digit year",
    reference=f"{BINDING}, data types (date, dateTime, year)",
)
def dates(ctx: OneRosterContext) -> Iterator[Finding]:
    for spec, found in _specified(ctx.csv_bundle()):
        for number, record in found.records():
            checks = [(c, DATE, "YYYY-MM-DD") for c in spec.dates]
            checks += [(c, YEAR, "YYYY") for c in spec.years]
            checks.append(("dateLastModified", DATETIME, "YYYY-MM-DDThh:mm:ssZ"))
            for column, pattern, form in checks:
                value = record.get(column, "")
                if value and not pattern.fullmatch(value):
                    yield violation("oneroster.csv.dates", f"{column} is not {form}",
                                    found.where(number, column), value=value)
