"""The OneRoster CSV bundle under test (a zip or a folder) and the REST endpoint, as checks
read them.

A bundle is read whole and safely: only the zip's top-level ``.csv`` entries, each at most
:data:`MAX_ENTRY_BYTES` once inflated (a zip bomb is refused as the supplier's error, not
read). Files are UTF-8 with an optional BOM, which the binding tells readers to tolerate;
a file that is not, or whose quoting is broken, keeps the reason and is reported by the
parse check.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from contract_tests.checks import NotApplicable
from contract_tests.http import HttpRecorder
from contract_tests.target import Target, TargetError

__all__ = ["MAX_ENTRY_BYTES", "Bundle", "CsvFile", "OneRosterContext", "make_context",
           "read_bundle"]

MAX_ENTRY_BYTES = 256 * 1024 * 1024
REST_PATH = "/ims/oneroster/rostering/v1p2"


@dataclass
class CsvFile:
    """One file: its header and rows (data rows start at line 2), or why it cannot be read."""

    filename: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    error: str | None = None

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each data row as (line number, column -> value) by the file's own header."""
        for number, row in enumerate(self.rows, start=2):
            yield number, dict(zip(self.header, row, strict=False))

    def where(self, line: int | None = None, column: str = "") -> str:
        return self.filename + (f":{line}" if line else "") + (f" {column}" if column else "")


@dataclass
class Bundle:
    """The files of a bundle by name without ``.csv`` (``users``), manifest included."""

    source: str
    files: dict[str, CsvFile]

    @property
    def manifest(self) -> CsvFile | None:
        return self.files.get("manifest")

    def modes(self) -> dict[str, str]:
        """``file.<name>`` properties of a readable manifest: data file name -> mode."""
        manifest = self.manifest
        if manifest is None or manifest.error is not None:
            return {}
        return {record.get("propertyName", "").removeprefix("file."): record.get("value", "")
                for _, record in manifest.records()
                if record.get("propertyName", "").startswith("file.")}


def _parse(filename: str, data: bytes) -> CsvFile:
    found = CsvFile(filename)
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=True))
    except UnicodeDecodeError as exc:
        found.error = f"not UTF-8: {exc}"
        return found
    except csv.Error as exc:
        found.error = f"not RFC 4180 CSV: {exc}"
        return found
    if not rows:
        found.error = "the file is empty (the header row is required)"
        return found
    found.header, found.rows = rows[0], [row for row in rows[1:] if row]
    return found


def _from_zip(path: Path) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or "/" in info.filename or not info.filename.endswith(".csv"):
                    continue
                if info.file_size > MAX_ENTRY_BYTES:
                    raise TargetError(f"{path}: {info.filename} inflates to {info.file_size} "
                                      f"bytes, more than {MAX_ENTRY_BYTES}")
                with archive.open(info) as entry:
                    contents[info.filename] = entry.read(MAX_ENTRY_BYTES + 1)[:MAX_ENTRY_BYTES]
    except (zipfile.BadZipFile, OSError) as exc:
        raise TargetError(f"cannot read the zip {path}: {exc}") from exc
    return contents


def read_bundle(path: Path) -> Bundle:
    """The bundle at ``path``: a ``.zip`` file or a folder of ``.csv`` files.

    Raises:
        TargetError: the path is not a readable zip or folder, or holds no ``.csv`` file.
    """
    if path.is_file():
        contents = _from_zip(path)
    else:
        try:
            contents = {p.name: p.read_bytes() for p in sorted(path.glob("*.csv"))
                        if p.is_file()}
        except OSError as exc:
            raise TargetError(f"cannot read {path}: {exc}") from exc
    if not contents:
        raise TargetError(f"{path} holds no .csv file")
    return Bundle(str(path), {name.removesuffix(".csv"): _parse(name, data)
                              for name, data in contents.items()})


@dataclass
class OneRosterContext:
    """What the checks share: the bundle (``--files``) and/or the REST service (``--base-url``)."""

    bundle: Bundle | None = None
    rest: HttpRecorder | None = None

    def csv_bundle(self) -> Bundle:
        """The bundle, for a check of the CSV binding.

        Raises:
            NotApplicable: the run has no bundle (a REST-only run): the check is skipped.
        """
        if self.bundle is None:
            raise NotApplicable("no CSV bundle was given (--files): this run checks the REST "
                                "service only")
        return self.bundle

    def service(self) -> HttpRecorder:
        """The REST service, for a check of the REST binding.

        Raises:
            NotApplicable: the run has no service (a files-only run): the check is skipped.
        """
        if self.rest is None:
            raise NotApplicable("no REST service was given (--base-url): this run checks the "
                                "CSV bundle only")
        return self.rest

    def close(self) -> None:
        if self.rest is not None:
            self.rest.close()


def make_context(target: Target) -> OneRosterContext:
    """The bundle of ``--files`` and the REST service of ``--base-url`` (the server's root or
    the service's ``.../ims/oneroster/rostering/v1p2``; credentials as for every suite).

    Raises:
        TargetError: neither is given, the files cannot be read, or the credentials are refused.
    """
    if target.files is None and not target.base_url:
        raise TargetError("the oneroster-1.2 suite needs --files (a CSV bundle) and/or "
                          "--base-url (the REST service)")
    bundle = read_bundle(target.require_files()) if target.files is not None else None
    rest = None
    if target.base_url:
        rest = HttpRecorder.from_target(target)
        if not rest.base_url.endswith(REST_PATH):
            rest.base_url += REST_PATH
    return OneRosterContext(bundle, rest)
