"""The RIO V4 files a supplier hands in, read safely, and the context the checks share.

A target is a file or a folder of ``.xml`` files: bare RIO messages (what a producer's dry
run prints, e.g. ``gateway translate``) or whole SOAP 1.1 envelopes (what goes over
Edukoppeling). Files are taken in the order of their path names, which is the order of
delivery for the full-state rule.

Options (``--option key=value``):

- ``standards_dir``: the folder holding ``rio-v4/`` (default: ``GATEWAY_STANDARDS_DIR``).
- ``previous``: a file or folder of earlier deliveries (what RIO holds now); the full-state
  rule compares the target's first delivery of an offering with the last one found there.
- ``removed_cohorts``: comma-separated cohort codes the supplier deliberately removes.
- ``value_lists``: an override file of DUO's waardenlijsten (same shape as the gateway's).

Every document is parsed by :func:`gateway.adapters.rio.xml.parse_xml`: a DTD, an entity,
an oversized or too deep document is refused and never parsed further.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from contract_tests.target import Target, TargetError
from gateway.adapters.rio.codec import SOAP11_NS
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.adapters.rio.xml import MalformedXmlError, UnsafeXmlError, line_of, parse_xml
from gateway.adapters.standards import Standards, standards_from_env
from gateway.errors import ConfigurationError

__all__ = ["RioContext", "RioDocument", "children", "local", "make_context", "read_documents"]


@dataclass
class RioDocument:
    """One file: its bytes, the parsed root, and the RIO message inside (if any).

    ``refused`` holds why the XML was refused as hostile, ``malformed`` why it did not
    parse; ``envelope`` is the SOAP envelope when the file holds one, ``payload`` the RIO
    message (the root itself for a bare message).
    """

    name: str
    data: bytes
    root: etree._Element | None = None
    refused: str | None = None
    malformed: str | None = None
    envelope: etree._Element | None = None
    payload: etree._Element | None = None

    def where(self, element: etree._Element | None = None) -> str:
        """``file:line /xpath`` of an element (the file alone without one)."""
        if element is None:
            return self.name
        path = element.getroottree().getpath(element)
        line = line_of(element)
        return f"{self.name}:{line} {path}" if line else f"{self.name} {path}"


@dataclass
class RioContext:
    """What every check of the suite reads: the documents in delivery order, and the rules."""

    documents: list[RioDocument]
    standards: Standards
    values: ValueLists
    previous: list[RioDocument] = field(default_factory=list)
    removed_cohorts: frozenset[str] = frozenset()

    def messages(self) -> Iterator[tuple[RioDocument, etree._Element]]:
        """Each document that holds a RIO message, with that message."""
        for document in self.documents:
            if document.payload is not None:
                yield document, document.payload


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def children(element: etree._Element, name: str | None = None) -> list[etree._Element]:
    """Child elements (all, or those with local name ``name``), in any namespace."""
    return [c for c in element if isinstance(c.tag, str) and (name is None or local(c) == name)]


def _read_one(name: str, data: bytes) -> RioDocument:
    document = RioDocument(name, data)
    try:
        root = parse_xml(data)
    except UnsafeXmlError as exc:
        document.refused = exc.message
        return document
    except MalformedXmlError as exc:
        document.malformed = exc.message
        return document
    document.root = root
    if etree.QName(root).namespace == SOAP11_NS and local(root) == "Envelope":
        document.envelope = root
        bodies = children(root, "Body")
        elements = children(bodies[0]) if bodies else []
        document.payload = elements[0] if len(elements) == 1 else None
    else:
        document.payload = root
    return document


def read_documents(path: Path) -> list[RioDocument]:
    """The ``.xml`` files at ``path`` (one file, or a folder read recursively), by name.

    Raises:
        TargetError: the path holds no ``.xml`` file or cannot be read.
    """
    if path.is_file():
        files = [(path.name, path)]
    else:
        files = sorted((p.relative_to(path).as_posix(), p) for p in path.rglob("*.xml")
                       if p.is_file())
    if not files:
        raise TargetError(f"{path} holds no .xml file")
    try:
        return [_read_one(name, file.read_bytes()) for name, file in files]
    except OSError as exc:
        raise TargetError(f"cannot read {path}: {exc}") from exc


def make_context(target: Target) -> RioContext:
    """The suite's context for ``target`` (see the module docstring for the options).

    Raises:
        TargetError: no files, no standards folder, or an unusable value-list override.
    """
    documents = read_documents(target.require_files())
    previous_option = target.option("previous")
    previous = read_documents(Path(previous_option)) if previous_option else []
    standards_dir = target.option("standards_dir")
    try:
        standards = (Standards(Path(standards_dir)) if standards_dir
                     else standards_from_env())
        standards.rio_beheren_xsd  # noqa: B018 - fail now, not in every check
        standards.rio_raadplegen_xsd  # noqa: B018
        override = target.option("value_lists")
        values = load_value_lists(Path(override) if override else None)
    except ConfigurationError as exc:
        raise TargetError(f"{exc.message} (set --option standards_dir=DIR)") from exc
    removed = target.option("removed_cohorts") or ""
    return RioContext(
        documents=documents, standards=standards, values=values, previous=previous,
        removed_cohorts=frozenset(code.strip() for code in removed.split(",") if code.strip()),
    )
