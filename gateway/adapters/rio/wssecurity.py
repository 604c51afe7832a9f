"""WS-Security X.509 signatures of Edukoppeling messages: the profile and the signing.

The profile DUO expects: a ``wsse:Security`` header with the signer's certificate as a
``wsse:BinarySecurityToken`` (X509v3, Base64Binary), a ``wsu:Timestamp``, and one
``ds:Signature`` (RSA-SHA256, exclusive C14N, SHA-256 digests) whose references cover the
Body, the Timestamp and the addressing headers by ``wsu:Id``; ``ds:KeyInfo`` points to the
token through a ``wsse:SecurityTokenReference``.

Verification lives in :mod:`gateway.adapters.rio.wssecurity_verify`.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from gateway.adapters.rio.soap import SOAP_ENV, WSA, WSU
from gateway.errors import ConfigurationError, ValidationError

__all__ = [
    "BASE64",
    "DS",
    "EXC_C14N",
    "REQUIRED_PARTS",
    "RSA_SHA256",
    "SHA256",
    "WSSE",
    "WSU_ID",
    "X509V3",
    "SignatureError",
    "SigningCredentials",
    "VerifiedSignature",
    "canonical",
    "sign_envelope",
    "signable_parts",
]

DS = "http://www.w3.org/2000/09/xmldsig#"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
    "#Base64Binary"
)
WSU_ID = f"{{{WSU}}}Id"
_STAMP = "%Y-%m-%dT%H:%M:%S.%f"

#: The parts every Edukoppeling message must sign, as paths from the envelope.
REQUIRED_PARTS: tuple[str, ...] = ("Body", "Timestamp", "To", "Action", "MessageID")


class SignatureError(ValidationError):
    """A message's WS-Security header is missing, malformed, stale or does not verify."""

    code = "signature-invalid"


@dataclass(frozen=True)
class SigningCredentials:
    """The signer's certificate and RSA key (the PKIoverheid certificate of the sender)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @classmethod
    def from_pem_files(cls, certificate: Path, private_key: Path) -> SigningCredentials:
        """Load a PEM certificate and an unencrypted PEM RSA key.

        Raises:
            ConfigurationError: a file is missing, unreadable or not an RSA key pair.
        """
        try:
            cert = x509.load_pem_x509_certificate(certificate.read_bytes())
            key = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigurationError(f"cannot load the signing certificate/key: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigurationError("the signing key must be an RSA key (RSA-SHA256)")
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey) or (
            public.public_numbers() != key.public_key().public_numbers()
        ):
            raise ConfigurationError("the signing key does not belong to the certificate")
        return cls(cert, key)


@dataclass(frozen=True)
class VerifiedSignature:
    """What a verification proved: who signed, which parts, and when."""

    certificate: x509.Certificate
    signed_parts: frozenset[str]
    created: datetime
    expires: datetime


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def canonical(element: etree._Element, prefixes: Sequence[str] = ()) -> bytes:
    """Exclusive C14N of ``element`` in its document (``prefixes``: InclusiveNamespaces)."""
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False,
        inclusive_ns_prefixes=list(prefixes) or None,
    )


def _digest(element: etree._Element, prefixes: Sequence[str] = ()) -> str:
    return base64.b64encode(hashlib.sha256(canonical(element, prefixes)).digest()).decode("ascii")


def _stamp(moment: datetime) -> str:
    """``xsd:dateTime`` in UTC with milliseconds, as WSS4J and .NET write it."""
    return moment.astimezone(UTC).strftime(_STAMP)[:-3] + "Z"


def signable_parts(envelope: etree._Element) -> dict[str, etree._Element | None]:
    """Where each signable part must be: direct children of Header/Body, nowhere else."""
    header = envelope.find(_q(SOAP_ENV, "Header"))
    security = header.find(_q(WSSE, "Security")) if header is not None else None
    found: dict[str, etree._Element | None] = {
        "Body": envelope.find(_q(SOAP_ENV, "Body")),
        "Timestamp": security.find(_q(WSU, "Timestamp")) if security is not None else None,
    }
    for name in ("To", "From", "Action", "MessageID", "RelatesTo"):
        found[name] = header.find(_q(WSA, name)) if header is not None else None
    return found


def sign_envelope(
    envelope: etree._Element,
    credentials: SigningCredentials,
    *,
    now: datetime,
    ttl: timedelta = timedelta(minutes=5),
) -> etree._Element:
    """Add a ``wsse:Security`` header that signs the Body, Timestamp and addressing headers.

    Args:
        envelope: an envelope from :func:`gateway.adapters.rio.soap.build_envelope`;
            changed in place (ids and the Security header are added).
        credentials: the signer's certificate and key.
        now: the signing time (UTC), start of the Timestamp.
        ttl: how long the message stays valid (``wsu:Expires``).

    Returns:
        The same envelope, signed.

    Raises:
        ValueError: the envelope has no Header or is signed already.
    """
    header = envelope.find(_q(SOAP_ENV, "Header"))
    if header is None or header.find(_q(WSSE, "Security")) is not None:
        raise ValueError("sign an unsigned envelope that has a Header")
    security = etree.Element(_q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(_q(SOAP_ENV, "mustUnderstand"), "1")
    header.insert(0, security)
    stamp = etree.SubElement(security, _q(WSU, "Timestamp"))
    etree.SubElement(stamp, _q(WSU, "Created")).text = _stamp(now)
    etree.SubElement(stamp, _q(WSU, "Expires")).text = _stamp(now + ttl)
    token_id = f"X509-{uuid.uuid4().hex}"
    token = etree.SubElement(security, _q(WSSE, "BinarySecurityToken"))
    token.set("EncodingType", BASE64)
    token.set("ValueType", X509V3)
    token.set(WSU_ID, token_id)
    der = credentials.certificate.public_bytes(serialization.Encoding.DER)
    token.text = base64.b64encode(der).decode("ascii")

    signature = etree.SubElement(security, _q(DS, "Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, _q(DS, "SignedInfo"))
    etree.SubElement(signed_info, _q(DS, "CanonicalizationMethod")).set("Algorithm", EXC_C14N)
    etree.SubElement(signed_info, _q(DS, "SignatureMethod")).set("Algorithm", RSA_SHA256)
    for name, part in signable_parts(envelope).items():
        if part is None:
            continue
        ident = part.get(WSU_ID) or f"id-{name}"
        part.set(WSU_ID, ident)
        reference = etree.SubElement(signed_info, _q(DS, "Reference"), URI=f"#{ident}")
        transforms = etree.SubElement(reference, _q(DS, "Transforms"))
        etree.SubElement(transforms, _q(DS, "Transform")).set("Algorithm", EXC_C14N)
        etree.SubElement(reference, _q(DS, "DigestMethod")).set("Algorithm", SHA256)
        etree.SubElement(reference, _q(DS, "DigestValue")).text = _digest(part)
    value = credentials.private_key.sign(
        canonical(signed_info), padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, _q(DS, "SignatureValue")).text = (
        base64.b64encode(value).decode("ascii"))
    key_info = etree.SubElement(signature, _q(DS, "KeyInfo"))
    str_ = etree.SubElement(key_info, _q(WSSE, "SecurityTokenReference"))
    etree.SubElement(str_, _q(WSSE, "Reference"), URI=f"#{token_id}", ValueType=X509V3)
    return envelope

