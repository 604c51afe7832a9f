"""The OneRoster CSV bundle: a zip of ``manifest.csv`` and the data files, written streaming.

Rows arrive in chunks (a few thousand objects at a time, read by keyset paging) and go
straight into a deflated zip entry: a school of 50,000 users never sits in memory. A
file with no rows is left out and marked ``absent`` in the manifest (the binding forbids
data files without rows), so the manifest is written last. Files are UTF-8 without BOM,
RFC 4180 with CRLF line ends; a line break inside a value becomes a space (the binding
forbids them within fields).

Example::

    with open("roster.zip", "wb") as out:
        summary = write_bundle(out, "roc-a", [BundleFile(TABLES["orgs"], [[org]])])
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from gateway.adapters.oneroster.csv_tables import CsvTable, manifest_rows

__all__ = ["BundleFile", "BundleSummary", "write_bundle"]


@dataclass(frozen=True)
class BundleFile:
    """A data file to write and its objects (REST form), in chunks, read as written."""

    table: CsvTable
    chunks: Iterable[Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class BundleSummary:
    """What a bundle holds: rows per data file, and whether it is a delta."""

    delta: bool
    rows: dict[str, int] = field(default_factory=dict)


def _clean(value: str) -> str:
    return value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


class _Entry:
    """One zip entry opened on its first row (so an empty file is never written)."""

    def __init__(self, archive: zipfile.ZipFile, table: CsvTable) -> None:
        self.archive = archive
        self.table = table
        self.text: io.TextIOWrapper | None = None
        self.writer: Any = None
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        if self.text is None:
            raw = self.archive.open(self.table.filename, "w", force_zip64=True)
            self.text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            self.writer = csv.writer(self.text)
            self.writer.writerow(self.table.columns)
        self.writer.writerow([_clean(v) for v in row])
        self.rows += 1

    def close(self) -> None:
        if self.text is not None:
            self.text.close()


def write_bundle(
    target: IO[bytes], tenant: str, files: Sequence[BundleFile], *, delta: bool = False
) -> BundleSummary:
    """Write the bundle into ``target`` (a file or any writable binary stream).

    Args:
        target: where the zip goes; not closed here.
        tenant: whose roster (for derived sourcedIds).
        files: the data files in the order to write them.
        delta: a delta bundle (status and dateLastModified filled) instead of bulk.

    Returns:
        The number of rows of each data file written.
    """
    summary = BundleSummary(delta=delta)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            entry = _Entry(archive, item.table)
            try:
                for chunk in item.chunks:
                    for obj in chunk:
                        entry.write(item.table.row(tenant, obj, delta=delta))
            finally:
                entry.close()
            summary.rows[item.table.name] = entry.rows
        manifest = io.StringIO()
        csv.writer(manifest).writerows(
            manifest_rows({name: n > 0 for name, n in summary.rows.items()}, delta=delta))
        archive.writestr("manifest.csv", manifest.getvalue().encode("utf-8"))
    return summary
