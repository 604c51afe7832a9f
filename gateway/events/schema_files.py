"""The generated schema files under ``schemas/``: write them, or check them for drift.

    python -m gateway.events.schema_files --write schemas/    (make schemas)
    python -m gateway.events.schema_files --check schemas/
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.events.asyncapi import asyncapi_yaml
from gateway.events.schemas import event_schemas, schema_json
from gateway.events.types import schema_file_for

__all__ = ["ASYNCAPI_FILE", "REGENERATE", "check_schemas", "rendered_files", "write_schemas"]

ASYNCAPI_FILE = "asyncapi.yaml"
REGENERATE = "python -m gateway.events.schema_files --write schemas/  (or: make schemas)"


def rendered_files() -> dict[str, str]:
    """Every generated file by its path relative to the schemas directory."""
    files = {
        f"events/{schema_file_for(type_)}": schema_json(schema)
        for type_, schema in event_schemas().items()
    }
    files[ASYNCAPI_FILE] = asyncapi_yaml()
    return files


def _stale(directory: Path, files: dict[str, str]) -> list[Path]:
    """Generated files of event types that no longer exist."""
    events = directory / "events"
    found = sorted(events.glob("nl.mbo.*.json")) if events.is_dir() else []
    return [p for p in found if p.relative_to(directory).as_posix() not in files]


def write_schemas(directory: str | Path) -> list[Path]:
    """Write (and prune) the event schemas and the AsyncAPI document; return changed paths."""
    root = Path(directory)
    files = rendered_files()
    changed: list[Path] = []
    for relative, text in files.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    for path in _stale(root, files):
        path.unlink()
        changed.append(path)
    return changed


def check_schemas(directory: str | Path) -> list[str]:
    """What differs between the files in ``directory`` and the code (empty when in sync)."""
    root = Path(directory)
    files = rendered_files()
    problems = []
    for relative, text in files.items():
        path = root / relative
        if not path.is_file():
            problems.append(f"missing: {relative}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {relative}")
    problems += [f"stale: {p.relative_to(root).as_posix()}" for p in _stale(root, files)]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.events.schema_files",
        description="Generate the event JSON Schemas and the AsyncAPI document.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write the files into DIR (e.g. schemas/)")
    mode.add_argument("--check", metavar="DIR", help="exit 1 when DIR differs from the code")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_schemas(args.write):
            print(f"{'wrote' if path.exists() else 'removed'} {path}")
        return 0
    problems = check_schemas(args.check)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"regenerate with: {REGENERATE}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
