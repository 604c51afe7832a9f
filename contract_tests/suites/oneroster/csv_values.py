"""Checks of the values in the bundle's rows: required fields, identity, references,
enumerations and dates.

Columns are found by the file's own header, so a renamed column is reported once (by the
header check) and its values are not reported again as missing. A check that saw no value
of its kind (a bundle of headers only, or rows without dates) is skipped with that reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.oneroster.bundle import Bundle, CsvFile, OneRosterContext
from contract_tests.suites.oneroster.csv_files import data_files, no_record
from contract_tests.suites.oneroster.definition import suite, violation
from contract_tests.suites.oneroster.spec import BINDING, DATE, DATETIME, FILES, YEAR, FileSpec

__all__: list[str] = []


def _specified(bundle: Bundle) -> list[tuple[FileSpec, CsvFile]]:
    """The readable files of the binding's rostering tables, with their table.

    Raises:
        NotApplicable: the bundle holds no readable data file.
    """
    return [(FILES[name], found) for found in data_files(bundle)
            if (name := found.filename.removesuffix(".csv")) in FILES]


def _skip(tables: list[tuple[FileSpec, CsvFile]], what: str) -> NotApplicable:
    return no_record([found for _, found in tables], what)


@suite.check(
    "oneroster.csv.required", title="Required fields have values",
    rule="Every field the binding marks required has a value in every row",
    reference=f"{BINDING}, one table per file (the Required column)",
)
def required(ctx: OneRosterContext) -> Iterator[Finding]:
    tables, seen = _specified(ctx.csv_bundle()), 0
    for spec, found in tables:
        columns = [c for c in spec.required if c in found.header]
        for number, record in found.records():
            seen += bool(columns)
            for column in columns:
                if not record.get(column, "").strip():
                    yield violation("oneroster.csv.required", f"{column} is required",
                                    found.where(number, column),
                                    value=record.get("sourcedId", ""))
    if not seen:
        raise _skip(tables, "row with a required column")


#: Files whose sourcedId is another file's by definition (a user's demographics).
_SHARED_IDS = frozenset({"demographics"})


@suite.check(
    "oneroster.csv.sourcedid-unique", title="sourcedIds are unique",
    rule="A sourcedId occurs once in its file, and names one object across the bundle's "
         "files (a course and a class never share one); demographics, which takes its "
         "user's sourcedId, excepted",
    reference=f"{BINDING}, sourcedId (GUID, unique per object)",
)
def unique(ctx: OneRosterContext) -> Iterator[Finding]:
    elsewhere: dict[str, str] = {}
    tables, identified = _specified(ctx.csv_bundle()), 0
    for spec, found in tables:
        seen: dict[str, int] = {}
        for number, record in found.records():
            ident = record.get("sourcedId", "")
            identified += bool(ident)
            if ident and ident in seen:
                yield violation("oneroster.csv.sourcedid-unique", f"sourcedId {ident} was "
                                f"already used on line {seen[ident]}",
                                found.where(number, "sourcedId"), value=ident)
            elif ident and ident in elsewhere:
                yield violation("oneroster.csv.sourcedid-unique", f"sourcedId {ident} already "
                                f"names a record of {elsewhere[ident]}",
                                found.where(number, "sourcedId"), value=ident)
            seen.setdefault(ident, number)
        if spec.name not in _SHARED_IDS:
            for ident in seen:
                elsewhere.setdefault(ident, found.filename)
    if not identified:
        raise _skip(tables, "sourcedId")


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
    tables, resolved = _specified(bundle), 0
    bulk = [(spec, found) for spec, found in tables if modes.get(spec.name, "bulk") != "delta"]
    if tables and not bulk:  # a delta may refer to records delivered before
        raise NotApplicable(f"every file of the bundle ({len(tables)}) is a delta: its "
                            "references may name records delivered before, nothing to "
                            "resolve them against")
    for spec, found in bulk:
        for column, ref in spec.refs.items():
            if column not in found.header or modes.get(ref.file) == "delta":
                continue
            for number, record in found.records():
                value = record.get(column, "").strip()
                wanted = [v.strip() for v in value.split(",")] if ref.many else [value]
                for ident in (v for v in wanted if v):
                    resolved += 1
                    if ident not in known.get(ref.file, set()):
                        yield violation("oneroster.csv.references", f"{column} {ident} is not "
                                        f"a sourcedId of {ref.file}.csv",
                                        found.where(number, column), value=ident)
    if not resolved:
        raise _skip(bulk, "reference (a *SourcedId value of a bulk file to a bulk file)")


@suite.check(
    "oneroster.csv.enumerations", title="Enumerated fields hold allowed values",
    rule="role, roleType, classType, the session and org type, enabledUser and primary hold "
         "values of their enumerations (exact case); optional ones may be blank",
    reference=f"{BINDING}, enumerations of the rostering model (RoleEnum, ClassTypeEnum, "
              "SessionTypeEnum, OrgTypeEnum, EnrolRoleEnum)",
)
def enumerations(ctx: OneRosterContext) -> Iterator[Finding]:
    tables, checked = _specified(ctx.csv_bundle()), 0
    for spec, found in tables:
        for number, record in found.records():
            for column, allowed in spec.enums.items():
                value = record.get(column, "")
                checked += bool(value)
                if value and value not in allowed:
                    yield violation("oneroster.csv.enumerations", f"{column} {value!r} is not "
                                    f"one of {', '.join(sorted(allowed))}",
                                    found.where(number, column), value=value)
    if not checked:
        raise _skip(tables, "value of an enumerated field")


@suite.check(
    "oneroster.csv.dates", title="Dates and datetimes in the binding's formats",
    rule="date fields are YYYY-MM-DD, dateTime fields ISO 8601 in UTC "
         "(YYYY-MM-DDThh:mm:ss[.fff]Z), schoolYear a four-digit year",
    reference=f"{BINDING}, data types (date, dateTime, year)",
)
def dates(ctx: OneRosterContext) -> Iterator[Finding]:
    tables, checked = _specified(ctx.csv_bundle()), 0
    for spec, found in tables:
        checks = [(c, DATE, "YYYY-MM-DD") for c in spec.dates]
        checks += [(c, YEAR, "YYYY") for c in spec.years]
        checks.append(("dateLastModified", DATETIME, "YYYY-MM-DDThh:mm:ssZ"))
        for number, record in found.records():
            for column, pattern, form in checks:
                value = record.get(column, "")
                checked += bool(value)
                if value and not pattern.fullmatch(value):
                    yield violation("oneroster.csv.dates", f"{column} is not {form}",
                                    found.where(number, column), value=value)
    if not checked:
        raise _skip(tables, "date, dateTime or year value")
