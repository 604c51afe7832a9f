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
an oversized or too deep document is refused and never parsed further. What counts as a RIO
message is read from the official XSDs (``standards_dir``): a message element
(``..._request`` or ``..._response``) of the Beheren or Raadplegen target namespace. A check
with no such message to look at is skipped as not applicable ("no readable RIO message"),
never passed: a refused bomb leaves nothing for DUO's XSD to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from contract_tests.checks import NotApplicable
from contract_tests.target import Target, TargetError
from gateway.adapters.rio.codec import SOAP11_NS
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.adapters.rio.xml import (
    MalformedXmlError,
    UnsafeXmlError,
    line_of,
    load_schema,
    parse_xml,
)
from gateway.adapters.standards import Standards, standards_from_env
from gateway.errors import ConfigurationError

__all__ = ["NO_MESSAGE", "MessageElements", "RioContext", "RioDocument", "children", "local",
           "make_context", "message_elements", "read_documents"]

#: The reason a check is skipped when no file holds a RIO message it could look at.
NO_MESSAGE = "no readable RIO message"

#: Target namespace of each official RIO XSD -> the local names of its message elements.
MessageElements = Mapping[str, frozenset[str]]


@dataclass
class RioDocument:
    """One file: its bytes, the parsed root, and the RIO message inside (if any).

    ``refused`` holds why the XML was refused as hostile, ``malformed`` why it did not
    parse, ``not_message`` why the parsed document holds no RIO message; ``envelope`` is
    the SOAP envelope when the file holds one, ``payload`` the RIO message (the root itself
    for a bare message), set only when it is a message element of an official RIO XSD.
    """

    name: str
    data: bytes
    root: etree._Element | None = None
    refused: str | None = None
    malformed: str | None = None
    not_message: str | None = None
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

    def messages(self) -> list[tuple[RioDocument, etree._Element]]:
        """Each document that holds a RIO message, with that message.

        Raises:
            NotApplicable: no file holds a readable RIO message (the check has nothing to
                look at; ``rio-v4.xml.*`` report why).
        """
        found = [(d, d.payload) for d in self.documents if d.payload is not None]
        if not found:
            raise NotApplicable(f"{NO_MESSAGE}: {self.unreadable()}")
        return found

    def unreadable(self) -> str:
        """Why the files hold no RIO message, counted (``2 refused as unsafe XML, ...``)."""
        counts = {"refused as unsafe XML": sum(d.refused is not None for d in self.documents),
                  "not well-formed": sum(d.malformed is not None for d in self.documents),
                  "not a RIO message": sum(d.not_message is not None for d in self.documents)}
        said = [f"{n} {what}" for what, n in counts.items() if n]
        return f"of {len(self.documents)} file(s), " + ", ".join(said or ["none readable"])


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def children(element: etree._Element, name: str | None = None) -> list[etree._Element]:
    """Child elements (all, or those with local name ``name``), in any namespace."""
    return [c for c in element if isinstance(c.tag, str) and (name is None or local(c) == name)]


def message_elements(standards: Standards) -> dict[str, frozenset[str]]:
    """The message elements of the official Beheren and Raadplegen XSDs, by namespace.

    A RIO message is a global ``..._request`` or ``..._response`` element (the XSDs'
    "berichtelementen", the parts the WSDLs bind); the other global elements are the
    parts messages are made of, not messages.

    Raises:
        ConfigurationError: an XSD is missing or unusable.
    """
    found: dict[str, frozenset[str]] = {}
    for path in (standards.rio_beheren_xsd, standards.rio_raadplegen_xsd):
        schema = load_schema(path)
        found[schema.target_namespace] = frozenset(
            name for name in schema.elements if name.endswith(("_request", "_response")))
    return found


def _message_problem(element: etree._Element, messages: MessageElements) -> str | None:
    """Why ``element`` is not a RIO message (None when it is one)."""
    namespace, name = etree.QName(element).namespace, local(element)
    if namespace not in messages:
        return (f"<{name}> in namespace {namespace or '(none)'!r} is not a RIO message: "
                f"a RIO V4 message is in {' or '.join(sorted(messages))}")
    if name not in messages[namespace]:
        return f"<{name}> is not a message element (..._request/_response) of {namespace}"
    return None


def _read_one(name: str, data: bytes, messages: MessageElements) -> RioDocument:
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
        if len(elements) != 1:
            document.not_message = "the SOAP Body does not hold exactly one element"
            return document
        payload = elements[0]
    else:
        payload = root
    document.not_message = _message_problem(payload, messages)
    if document.not_message is None:
        document.payload = payload
    return document


def read_documents(path: Path, messages: MessageElements) -> list[RioDocument]:
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
        return [_read_one(name, file.read_bytes(), messages) for name, file in files]
    except OSError as exc:
        raise TargetError(f"cannot read {path}: {exc}") from exc


def make_context(target: Target) -> RioContext:
    """The suite's context for ``target`` (see the module docstring for the options).

    Raises:
        TargetError: no files, no standards folder, or an unusable value-list override.
    """
    files = target.require_files()
    standards_dir = target.option("standards_dir")
    try:
        standards = (Standards(Path(standards_dir)) if standards_dir
                     else standards_from_env())
        messages = message_elements(standards)  # reads both XSDs: fail now, not per check
        override = target.option("value_lists")
        values = load_value_lists(Path(override) if override else None)
    except ConfigurationError as exc:
        raise TargetError(f"the rio-v4 suite validates against the official RIO V4 XSDs of DUO, "
                          f"which gateway-contract does not bundle ({exc.message}): pass "
                          "--option standards_dir=PATH (the folder holding rio-v4/) or set "
                          "GATEWAY_STANDARDS_DIR") from exc
    documents = read_documents(files, messages)
    previous_option = target.option("previous")
    previous = read_documents(Path(previous_option), messages) if previous_option else []
    removed = target.option("removed_cohorts") or ""
    return RioContext(
        documents=documents, standards=standards, values=values, previous=previous,
        removed_cohorts=frozenset(code.strip() for code in removed.split(",") if code.strip()),
    )
