"""Checks of the bundle's files: the manifest and its modes, each file's form and header.

A receiving platform reads columns by position and files by the manifest: a renamed or
missing column shifts every value after it, and a file the manifest does not announce is
ignored (or, announced as ``bulk`` and missing, wipes the platform's copy).
"""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.oneroster.bundle import Bundle, CsvFile, OneRosterContext
from contract_tests.suites.oneroster.definition import suite, violation
from contract_tests.suites.oneroster.spec import BINDING, DATETIME, FILES, MODES

__all__ = ["data_files", "no_record"]

_MANIFEST_HEADER = ["propertyName", "value"]
_VERSIONS = {"manifest.version": "1.0", "oneroster.version": "1.2"}
_STATUSES = frozenset({"active", "tobedeleted"})


def data_files(bundle: Bundle) -> list[CsvFile]:
    """The readable data files (everything but the manifest).

    Raises:
        NotApplicable: the bundle holds no readable data file (only ``manifest.csv``, or
            every other file is unreadable): a rule about the files has nothing to look at.
    """
    others = [found for name, found in sorted(bundle.files.items()) if name != "manifest"]
    readable = [found for found in others if found.error is None]
    if not readable:
        said = (f"all {len(others)} data file(s) are unreadable (oneroster.csv.readable "
                "reports why)" if others else "it holds only manifest.csv")
        raise NotApplicable(f"the bundle holds no readable data file: {said}")
    return readable


def no_record(files: list[CsvFile], what: str) -> NotApplicable:
    """The skip of a check that saw no ``what`` ("data row", "date value") in ``files``, the
    readable data files it looked at; says whether they held rows at all, so a header-only
    bundle is told apart from one whose rows lack the fields."""
    rows = sum(len(found.rows) for found in files)
    if not files:
        held = ("none is a rostering table of the binding (the others are only checked "
                "against the manifest)")
    elif rows:
        held = f"their {rows} data row(s) hold none"
    else:
        held = "they hold no data rows (oneroster.csv.readable reports it)"
    return NotApplicable(f"no {what} in the readable data files: {held}")


@suite.check(
    "oneroster.manifest.present", title="manifest.csv with the 1.2 versions",
    rule="The bundle holds manifest.csv with the header propertyName,value, "
         "manifest.version 1.0 and oneroster.version 1.2",
    reference=f"{BINDING}, manifest.csv",
)
def manifest_present(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    manifest = bundle.manifest
    if manifest is None:
        yield violation("oneroster.manifest.present", "the bundle has no manifest.csv",
                        bundle.source)
        return
    if manifest.error is not None:
        raise NotApplicable("manifest.csv cannot be read (oneroster.csv.readable reports it)")
    if manifest.header != _MANIFEST_HEADER:
        yield violation("oneroster.manifest.present", "the manifest's header is not "
                        "propertyName,value", manifest.where(1), value=",".join(manifest.header))
    properties = {record.get("propertyName"): record.get("value") for _, record in
                  manifest.records()}
    for name, expected in _VERSIONS.items():
        if properties.get(name) != expected:
            yield violation("oneroster.manifest.present", f"{name} must be {expected}",
                            manifest.where(column=name), value=properties.get(name) or "")


@suite.check(
    "oneroster.manifest.files", title="The manifest lists the files with their modes",
    rule="Every file.<name> property is bulk, delta or absent; a file listed as bulk or delta "
         "is in the bundle, a file in the bundle is listed as bulk or delta",
    reference=f"{BINDING}, manifest.csv (file.* properties)",
)
def manifest_files(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    if bundle.manifest is None or bundle.manifest.error:
        raise NotApplicable("there is no readable manifest.csv to compare the files with "
                            "(oneroster.manifest.present and oneroster.csv.readable report it)")
    manifest, modes = bundle.manifest, bundle.modes()
    if not modes and set(bundle.files) == {"manifest"}:
        raise NotApplicable("the manifest lists no file.* property and the bundle holds no "
                            "data file: nothing to compare")
    for name, mode in sorted(modes.items()):
        if mode not in MODES:
            yield violation("oneroster.manifest.files", f"file.{name} has mode {mode!r}, not "
                            "bulk, delta or absent", manifest.where(column=f"file.{name}"),
                            value=mode)
        elif mode != "absent" and name not in bundle.files:
            yield violation("oneroster.manifest.files", f"file.{name} is {mode} but "
                            f"{name}.csv is not in the bundle", bundle.source, value=mode)
    for name in sorted(set(bundle.files) - {"manifest"}):
        if modes.get(name, "absent") == "absent":
            yield violation("oneroster.manifest.files", f"{name}.csv is in the bundle but the "
                            "manifest does not list it as bulk or delta",
                            manifest.where(column=f"file.{name}"), value=modes.get(name, ""))


@suite.check(
    "oneroster.csv.readable", title="Each file is UTF-8 CSV with a header and data rows",
    rule="Each file is RFC 4180 CSV in UTF-8 (a BOM tolerated) with a header row; files "
         "with no data rows are not permitted",
    reference=f"{BINDING}, CSV format (file format rules)",
)
def readable(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    for name, found in sorted(bundle.files.items()):
        if found.error is not None:
            yield violation("oneroster.csv.readable", found.error, found.where())
        elif name != "manifest" and not found.rows:
            yield violation("oneroster.csv.readable", "the file has no data rows",
                            found.where())


@suite.check(
    "oneroster.csv.header", title="Each file's header is the binding's columns, in order",
    rule="The header names every column the binding defines for the file, in the binding's "
         "order and case (extension columns only after them, as metadata.*), and every row "
         "has as many fields as the header",
    reference=f"{BINDING}, one table per file (column order)",
)
def header(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    tables = [found for found in data_files(bundle)
              if found.filename.removesuffix(".csv") in FILES]
    if not tables:  # gradebook or resources files: listed, not checked column by column
        raise no_record(tables, "header of a rostering table")
    for found in tables:
        spec = FILES[found.filename.removesuffix(".csv")]
        defined, extra = found.header[:len(spec.columns)], found.header[len(spec.columns):]
        if tuple(defined) != spec.columns:
            wrong = next((n for n, (got, want) in enumerate(
                zip(defined, spec.columns, strict=False)) if got != want), len(defined))
            expected = spec.columns[wrong] if wrong < len(spec.columns) else "(end)"
            yield violation("oneroster.csv.header", f"column {wrong + 1} is "
                            f"{defined[wrong] if wrong < len(defined) else '(missing)'!r}, the "
                            f"binding has {expected!r} there", found.where(1),
                            value=",".join(found.header))
        elif any(not column.startswith("metadata.") for column in extra):
            yield violation("oneroster.csv.header", "columns after the binding's must be "
                            "metadata.* extensions", found.where(1), value=",".join(extra))
        for number, row in enumerate(found.rows, start=2):
            if len(row) != len(found.header):
                yield violation("oneroster.csv.header", f"the row has {len(row)} fields, the "
                                f"header {len(found.header)}", found.where(number),
                                value=",".join(row))
                break


@suite.check(
    "oneroster.csv.mode-fields", title="status and dateLastModified follow the file's mode",
    rule="In a bulk file status and dateLastModified are blank; in a delta file status is "
         "active or tobedeleted and dateLastModified a UTC dateTime",
    reference=f"{BINDING}, manifest.csv (bulk and delta processing)",
)
def mode_fields(ctx: OneRosterContext) -> Iterator[Finding]:
    bundle = ctx.csv_bundle()
    modes = bundle.modes()
    files, seen = data_files(bundle), 0
    for found in files:
        delta = modes.get(found.filename.removesuffix(".csv")) == "delta"
        for number, record in found.records():
            seen += 1
            status, modified = record.get("status", ""), record.get("dateLastModified", "")
            if not delta and (status or modified):
                yield violation("oneroster.csv.mode-fields", "a bulk file's status and "
                                "dateLastModified must be blank", found.where(number, "status"),
                                value=f"{status},{modified}")
            elif delta and (status not in _STATUSES or not DATETIME.fullmatch(modified)):
                yield violation("oneroster.csv.mode-fields", "a delta row needs status "
                                "active|tobedeleted and a UTC dateLastModified",
                                found.where(number, "status"), value=f"{status},{modified}")
    if not seen:
        raise no_record(files, "data row")
