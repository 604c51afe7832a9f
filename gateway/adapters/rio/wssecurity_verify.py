"""Verify the WS-Security signature of a received Edukoppeling message.

Strict on purpose (it guards the simulated RIO service and any signed response): one
algorithm each, ids unique in the document (no signature wrapping), every required part
found *where it belongs* (a direct child of Header, Body or Security) and covered by a
reference, a fresh Timestamp, and optionally a trusted signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from gateway.adapters.rio.soap import SOAP_ENV, WSA, WSU
from gateway.adapters.rio.wssecurity import (
    BASE64,
    DS,
    EXC_C14N,
    REQUIRED_PARTS,
    RSA_SHA256,
    SHA256,
    WSSE,
    WSU_ID,
    X509V3,
    SignatureError,
    VerifiedSignature,
    canonical,
    signable_parts,
)

__all__ = ["verify_envelope"]


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise SignatureError(f"expected one {what}, found {len(found)}", path=what)
    return found[0]


def _algorithm(parent: etree._Element, tag: str, expected: str) -> etree._Element:
    element = _one(parent, _q(DS, tag), f"ds:{tag}")
    if element.get("Algorithm") != expected:
        raise SignatureError(f"ds:{tag} {element.get('Algorithm')!r} is not {expected}",
                             path=f"ds:{tag}")
    return element


def _b64(element: etree._Element) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except ValueError as exc:
        raise SignatureError(f"{etree.QName(element).localname} is not Base64",
                             path=etree.QName(element).localname) from exc


def _inclusive_prefixes(method: etree._Element) -> list[str]:
    extra = method.find(_q(EXC_C14N, "InclusiveNamespaces"))
    return (extra.get("PrefixList") or "").split() if extra is not None else []


def _ids(envelope: etree._Element) -> dict[str, etree._Element]:
    """Every ``wsu:Id`` in the document; a repeated id is refused (signature wrapping)."""
    index: dict[str, etree._Element] = {}
    for element in envelope.iter():
        ident = element.get(WSU_ID) if isinstance(element.tag, str) else None
        if ident is None:
            continue
        if ident in index:
            raise SignatureError(f"wsu:Id {ident!r} occurs twice", path=f"#{ident}")
        index[ident] = element
    return index


def _check_references(
    signed_info: etree._Element, ids: dict[str, etree._Element]
) -> list[etree._Element]:
    covered = []
    for reference in signed_info.findall(_q(DS, "Reference")):
        uri = reference.get("URI") or ""
        target = ids.get(uri[1:]) if uri.startswith("#") else None
        if target is None:
            raise SignatureError(f"reference {uri!r} names no element of the message", path=uri)
        transforms = _one(reference, _q(DS, "Transforms"), "ds:Transforms")
        transform = _algorithm(transforms, "Transform", EXC_C14N)
        _algorithm(reference, "DigestMethod", SHA256)
        stated = _b64(_one(reference, _q(DS, "DigestValue"), "ds:DigestValue"))
        actual = hashlib.sha256(canonical(target, _inclusive_prefixes(transform))).digest()
        if not hmac.compare_digest(stated, actual):
            raise SignatureError(f"the digest of {uri} does not match: the part was changed",
                                 path=uri)
        covered.append(target)
    return covered


def _signer(security: etree._Element, key_info: etree._Element) -> x509.Certificate:
    ref = _one(_one(key_info, _q(WSSE, "SecurityTokenReference"), "wsse:SecurityTokenReference"),
               _q(WSSE, "Reference"), "wsse:Reference")
    uri = ref.get("URI") or ""
    tokens = [t for t in security.findall(_q(WSSE, "BinarySecurityToken"))
              if uri.startswith("#") and t.get(WSU_ID) == uri[1:]]
    if len(tokens) != 1:
        raise SignatureError(f"KeyInfo refers to {uri!r}, not to one BinarySecurityToken",
                             path="ds:KeyInfo")
    token = tokens[0]
    if token.get("ValueType") != X509V3 or token.get("EncodingType", BASE64) != BASE64:
        raise SignatureError("the BinarySecurityToken is not a Base64 X509v3 certificate",
                             path="wsse:BinarySecurityToken")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(token.text or ""))
    except ValueError as exc:
        raise SignatureError(f"the BinarySecurityToken holds no certificate: {exc}",
                             path="wsse:BinarySecurityToken") from exc


def _moment(stamp: etree._Element, name: str) -> datetime:
    text = (_one(stamp, _q(WSU, name), f"wsu:{name}").text or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SignatureError(f"wsu:{name} {text!r} is not a dateTime", path=name) from exc
    if moment.tzinfo is None:
        raise SignatureError(f"wsu:{name} {text!r} has no time zone", path=name)
    return moment


def _check_trusted(cert: x509.Certificate, trusted: Iterable[x509.Certificate],
                   now: datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SignatureError("the signer's certificate is not valid now", path="certificate")
    for anchor in trusted:
        if cert == anchor:
            return
        try:
            cert.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise SignatureError("the signer's certificate is not trusted", path="certificate")


def verify_envelope(
    envelope: etree._Element,
    *,
    now: datetime,
    required: Sequence[str] = REQUIRED_PARTS,
    trusted: Sequence[x509.Certificate] | None = None,
    clock_skew: timedelta = timedelta(minutes=5),
) -> VerifiedSignature:
    """Verify the WS-Security signature of a received envelope.

    Args:
        envelope: the parsed envelope (parse it with the safe parser first).
        now: the current time (UTC).
        required: the parts that must be signed (see :data:`REQUIRED_PARTS`).
        trusted: certificates that may sign or that issued the signer's certificate;
            None accepts any signer (the caller then checks the returned certificate).
        clock_skew: tolerance for the Timestamp against ``now``.

    Returns:
        The signer's certificate, the signed parts and the Timestamp.

    Raises:
        SignatureError: anything wrong with the signature, its coverage or its freshness.
    """
    header = _one(envelope, _q(SOAP_ENV, "Header"), "soapenv:Header")
    _one(envelope, _q(SOAP_ENV, "Body"), "soapenv:Body")
    for name in ("To", "From", "Action", "MessageID", "RelatesTo"):
        if len(header.findall(_q(WSA, name))) > 1:  # a second copy could go unsigned
            raise SignatureError(f"wsa:{name} occurs more than once", path=f"wsa:{name}")
    parts = signable_parts(envelope)
    security = _one(header, _q(WSSE, "Security"), "wsse:Security")
    signature = _one(security, _q(DS, "Signature"), "ds:Signature")
    signed_info = _one(signature, _q(DS, "SignedInfo"), "ds:SignedInfo")
    method = _algorithm(signed_info, "CanonicalizationMethod", EXC_C14N)
    _algorithm(signed_info, "SignatureMethod", RSA_SHA256)
    covered = _check_references(signed_info, _ids(envelope))
    signed = frozenset(name for name, part in parts.items()
                       if part is not None and any(part is c for c in covered))
    missing = [name for name in required if name not in signed]
    if missing:
        raise SignatureError(f"not signed: {', '.join(missing)}", path="ds:SignedInfo")
    cert = _signer(security, _one(signature, _q(DS, "KeyInfo"), "ds:KeyInfo"))
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureError("the signer's key is not an RSA key", path="certificate")
    value = _b64(_one(signature, _q(DS, "SignatureValue"), "ds:SignatureValue"))
    try:
        public_key.verify(value, canonical(signed_info, _inclusive_prefixes(method)),
                          padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("the signature value does not verify", path="ds:SignatureValue"
                             ) from exc
    stamp = _one(security, _q(WSU, "Timestamp"), "wsu:Timestamp")
    created, expires = _moment(stamp, "Created"), _moment(stamp, "Expires")
    if created - clock_skew > now or expires + clock_skew < now or expires < created:
        raise SignatureError(f"the message is not fresh (created {created}, expires {expires})",
                             path="wsu:Timestamp")
    if trusted is not None:
        _check_trusted(cert, trusted, now)
    return VerifiedSignature(cert, signed, created, expires)
