"""Fault modes of RIO V4 messages: mutations of a conformant delivery, for the ``rio-v4`` suite.

A *message set* maps file names to the bytes of a RIO message or SOAP envelope, in
delivery order by name, as a producer's dry run writes them (the gateway's own
:func:`gateway.mappings.rio_v4.build_aanleveren` output, wrapped or not by
:func:`gateway.adapters.rio.soap.build_envelope`). Each mutation returns a new set with one
fault; the set must hold what the fault needs (an envelope, a cohort, an offering delivered
twice) or the mutation raises ``ValueError``, so a fault never silently becomes a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

from contract_tests.target import Target
from gateway.adapters.rio.soap import WSA, RioService
from gateway.adapters.rio.xml import parse_xml
from gateway.adapters.standards import Standards, standards_from_env
from simulators.conformant import rio_delivery
from simulators.fault_proof import mutator_proof, register_proof
from simulators.faults import fault

__all__ = ["MessageSet", "standards", "write_messages"]

MessageSet = Mapping[str, bytes]
_SUITE = "rio-v4"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _all(root: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and _local(e) == name]


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _trees(messages: MessageSet) -> Iterator[tuple[str, etree._Element]]:
    for name in sorted(messages):
        yield name, parse_xml(messages[name])


def _edit_first(messages: MessageSet, edit: Callable[[etree._Element], bool],
                what: str) -> dict[str, bytes]:
    """Apply ``edit`` to the first file (by name) where it returns True."""
    result = dict(messages)
    for name, root in _trees(messages):
        if edit(root):
            result[name] = _serialise(root)
            return result
    raise ValueError(f"the message set holds no {what}")


def _first(root: etree._Element, name: str) -> etree._Element | None:
    found = _all(root, name)
    return found[0] if found else None


@fault("rio-v4.xsd-invalid", _SUITE, "onderwijsaanbiedercode breaks the XSD pattern \\d{3}A\\d{3}")
def xsd_invalid(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        code = _first(root, "onderwijsaanbiedercode")
        if code is None:
            return False
        code.text = "ROC-A"
        return True

    return _edit_first(messages, edit, "onderwijsaanbiedercode")


@fault("rio-v4.missing-required", _SUITE, "an aangeboden opleiding without its begindatum")
def missing_required(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        offering = _first(root, "aangebodenMboOpleiding")
        begin = next((c for c in offering if isinstance(c.tag, str)
                      and _local(c) == "begindatum"), None) if offering is not None else None
        if offering is None or begin is None:
            return False
        offering.remove(begin)
        return True

    return _edit_first(messages, edit, "aangebodenMboOpleiding with a begindatum")


@fault("rio-v4.end-before-begin", _SUITE, "an offering whose einddatum is before its begindatum")
def end_before_begin(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        offering = _first(root, "aangebodenMboOpleiding")
        if offering is None:
            return False
        children = [c for c in offering if isinstance(c.tag, str)]
        begin = next(c for c in children if _local(c) == "begindatum")
        end = next((c for c in children if _local(c) == "einddatum"), None)
        if end is None:
            end = etree.Element(etree.QName(etree.QName(begin).namespace, "einddatum").text)
            begin.addnext(end)
        end.text = (date.fromisoformat(str(begin.text)) - timedelta(days=1)).isoformat()
        return True

    return _edit_first(messages, edit, "aangebodenMboOpleiding")


@fault("rio-v4.aanmeldperiode-after-start", _SUITE,
       "a cohort whose application window opens after its instroommoment")
def aanmeldperiode_after_start(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        for cohort in _all(root, "aangebodenMboOpleidingCohort"):
            start, opens = _first(cohort, "instroommoment"), _first(cohort, "beginAanmeldperiode")
            if start is not None and opens is not None:
                begin = date.fromisoformat(str(start.text))
                opens.text = (begin + timedelta(days=7)).isoformat()
                closes = _first(cohort, "eindeAanmeldperiode")
                if closes is not None:  # keep the window itself in order: one fault only
                    closes.text = (begin + timedelta(days=30)).isoformat()
                return True
        return False

    return _edit_first(messages, edit, "cohort with a fixed instroommoment")


@fault("rio-v4.value-not-listed", _SUITE, "a cohortstatus that is not on DUO's value list")
def value_not_listed(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        status = _first(root, "cohortstatus")
        if status is None:
            return False
        status.text = "X"
        return True

    return _edit_first(messages, edit, "cohortstatus")


def _cohort_code(cohort: etree._Element) -> str:
    code = _first(cohort, "cohortcode")
    return str(code.text) if code is not None else ""


def _offering_codes(root: etree._Element) -> list[str]:
    return [str(c.text).strip().lower() for c in _all(root, "aangebodenOpleidingCode")]


@fault("rio-v4.cohort-dropped", _SUITE,
       "a later full-state delivery of an offering leaves out a cohort delivered before")
def cohort_dropped(messages: MessageSet) -> dict[str, bytes]:
    delivered: dict[str, set[str]] = {}
    for name, root in _trees(messages):
        for offering in _all(root, "aangebodenMboOpleiding"):
            earlier = delivered.setdefault(_offering_codes(offering)[0], set())
            cohorts = _all(offering, "aangebodenMboOpleidingCohort")
            for cohort in cohorts:
                if _cohort_code(cohort) in earlier:
                    offering.remove(cohort)
                    return {**messages, name: _serialise(root)}
            earlier.update(_cohort_code(c) for c in cohorts)
    raise ValueError("the message set delivers no offering twice with a cohort in common")


def _header(root: etree._Element, name: str) -> etree._Element | None:
    return root.find(f".//{{{WSA}}}{name}")


@fault("rio-v4.no-message-id", _SUITE, "a SOAP envelope without wsa:MessageID")
def no_message_id(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        element = _header(root, "MessageID")
        parent = element.getparent() if element is not None else None
        if element is None or parent is None:
            return False
        parent.remove(element)
        return True

    return _edit_first(messages, edit, "envelope with a wsa:MessageID")


@fault("rio-v4.message-id-reused", _SUITE, "two envelopes share one wsa:MessageID")
def message_id_reused(messages: MessageSet) -> dict[str, bytes]:
    first: str | None = None
    for name, root in _trees(messages):
        element = _header(root, "MessageID")
        if element is None:
            continue
        if first is None:
            first = element.text
            continue
        element.text = first
        return {**messages, name: _serialise(root)}
    raise ValueError("the message set holds fewer than two envelopes")


@fault("rio-v4.action-mismatch", _SUITE, "wsa:Action names another operation than the body")
def action_mismatch(messages: MessageSet) -> dict[str, bytes]:
    def edit(root: etree._Element) -> bool:
        element = _header(root, "Action")
        if element is None:
            return False
        element.text = RioService.BEHEREN.action("verwijderen_opleidingseenheid")
        return True

    return _edit_first(messages, edit, "envelope with a wsa:Action")


@fault("rio-v4.doctype-entity", _SUITE, "a message declaring a DOCTYPE with an entity (XXE)")
def doctype_entity(messages: MessageSet) -> dict[str, bytes]:
    name = sorted(messages)[0]
    body = messages[name]
    if body.startswith(b"<?xml"):
        body = body[body.index(b"?>") + 2:].lstrip()
    hostile = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
               b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + body)
    return {**messages, name: hostile}


def standards() -> Standards:
    """The official files: ``GATEWAY_STANDARDS_DIR``, else ``../shared/standards``."""
    return standards_from_env(Path(__file__).resolve().parents[2] / "shared" / "standards")


def write_messages(messages: MessageSet, folder: Path) -> Target:
    """Write a message set into ``folder``; the ``rio-v4`` target that checks it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in messages.items():
        (folder / name).write_bytes(body)
    return Target(files=folder, options={"standards_dir": str(standards().root)})


register_proof(mutator_proof(_SUITE, lambda _: rio_delivery(standards()), write_messages))
