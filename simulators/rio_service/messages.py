"""The answers the simulated RIO builds, in DUO's namespaces and the XSDs' element order.

An offering is stored as it was delivered (Beheren namespace). Raadplegen answers carry it
in the Raadplegen namespace, whose ``AangebodenOpleiding`` differs a little: RIO adds the
``opleidingseenheidcode`` it resolved from the crebo, and a cohort's ``bedrijfsopleiding``
comes after its ``einddatum``. :func:`as_raadplegen` makes those changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from gateway.adapters.rio.codec import BEHEREN_NS, RAADPLEGEN_NS
from gateway.adapters.rio.document import DocumentHeader, add, start_message
from simulators.rio_service.rules import Foutmelding

__all__ = [
    "as_raadplegen",
    "beheren_response",
    "opleidingseenheidcode",
    "opvragen_lijst_response",
    "opvragen_response",
]


def _header(sender: str, receiver: str) -> DocumentHeader:
    return DocumentHeader.new(sender, receiver)


def _foutmeldingen(root: etree._Element, foutmeldingen: Sequence[Foutmelding]) -> None:
    for fout in foutmeldingen[:99]:
        element = add(root, "foutmelding")
        add(element, "foutcode", fout.code)
        add(element, "fouttekst", fout.text[:200])
        for name, value in (fout.keys or (("melding", fout.code),))[:5]:
            key = add(element, "sleutelgegeven")
            add(key, "sleutelnaam", name[:25])
            add(key, "sleutelwaarde", value[:25] or "-")


def beheren_response(
    operation: str, *, sender: str, receiver: str, foutmeldingen: Sequence[Foutmelding] = ()
) -> etree._Element:
    """``<operation>_response``: accepted when there are no foutmeldingen."""
    root = start_message(BEHEREN_NS, f"{operation}_response", _header(sender, receiver))
    add(root, "requestGoedgekeurd", "false" if foutmeldingen else "true")
    _foutmeldingen(root, foutmeldingen)
    return root


def opvragen_response(
    offering: etree._Element | None, *, sender: str, receiver: str,
    foutmeldingen: Sequence[Foutmelding] = (),
) -> etree._Element:
    """``opvragen_aangebodenOpleiding_response`` with the offering, or why there is none."""
    root = start_message(RAADPLEGEN_NS, "opvragen_aangebodenOpleiding_response",
                         _header(sender, receiver))
    add(root, "requestGoedgekeurd", "true" if offering is not None else "false")
    if offering is not None:
        root.append(as_raadplegen(offering))
    else:
        _foutmeldingen(root, foutmeldingen)
    return root


def opvragen_lijst_response(
    offerings: Sequence[etree._Element], *, page: int, pages: int, total: int, sender: str,
    receiver: str,
) -> etree._Element:
    """One page of ``opvragen_aangebodenOpleidingenVanOrganisatie_response``."""
    root = start_message(RAADPLEGEN_NS, "opvragen_aangebodenOpleidingenVanOrganisatie_response",
                         _header(sender, receiver))
    add(root, "requestGoedgekeurd", "true")
    for offering in offerings:
        root.append(as_raadplegen(offering))
    paging = add(root, "paginering")
    add(paging, "pagina", page)
    add(paging, "aantalPaginas", pages)
    add(paging, "aantalResultaten", total)
    return root


def opleidingseenheidcode(crebo: str) -> str:
    """The (simulated) opleidingseenheid RIO links a crebo to: 4 digits, ``O``, 4 digits."""
    number = int(crebo) if crebo.isdigit() else 0
    return f"{number // 10 % 10000:04d}O{number % 10000:04d}"


def _renamed(element: etree._Element, parent: etree._Element | None) -> etree._Element:
    name = f"{{{RAADPLEGEN_NS}}}{etree.QName(element).localname}"
    copy = (etree.Element(name, nsmap={"duo": RAADPLEGEN_NS}) if parent is None
            else etree.SubElement(parent, name))
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).namespace == BEHEREN_NS:
            _renamed(child, copy)
    return copy


def _local(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if isinstance(c.tag, str)
                 and etree.QName(c).localname == name), None)


def as_raadplegen(offering: etree._Element) -> etree._Element:
    """A stored (Beheren) ``aangebodenMboOpleiding`` as Raadplegen answers carry it."""
    result = _renamed(offering, None)
    key = _local(result, "opleidingserkenningSleutel")
    crebo = (_local(key, "opleidingscode") if key is not None else None)
    aanbieder = _local(result, "onderwijsaanbiedercode")
    unit = etree.Element(f"{{{RAADPLEGEN_NS}}}opleidingseenheidcode")
    unit.text = opleidingseenheidcode((crebo.text or "") if crebo is not None else "")
    if aanbieder is not None:
        aanbieder.addnext(unit)
    for cohort in (c for c in result if isinstance(c.tag, str)
                   and etree.QName(c).localname.endswith("OpleidingCohort")):
        company, end = _local(cohort, "bedrijfsopleiding"), _local(cohort, "einddatum")
        if company is not None and end is not None:
            end.addnext(company)
    return result
