"""Test certificates shaped like PKIoverheid's: a CA, server and client certificates.

Edukoppeling needs certificates on both sides: the server's for TLS, the institution's
for TLS client authentication and the XML signature (with its OIN as the subject's
``serialNumber``). The demo and the tests make their own with this module; nothing here
is meant for production.

    ca = TestCA.create("Test PKIoverheid CA")
    server = ca.issue("localhost", server=True)
    client = ca.issue("ROC A", oin="00000001234567890000")
    paths = client.write(tmp_path, "client")      # (cert.pem, key.pem)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Issued", "TestCA"]

_VALID = timedelta(days=30)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def write(self, folder: Path, name: str) -> tuple[Path, Path]:
        """Write ``<name>.pem`` and ``<name>.key`` (mode 0600) into ``folder``."""
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        cert.write_bytes(self.cert_pem())
        key.touch(mode=0o600)
        key.write_bytes(self.key_pem())
        return cert, key


@dataclass(frozen=True)
class TestCA(Issued):
    """A self-signed CA that issues server and client certificates."""

    __test__ = False  # not a pytest test class, despite its name

    @classmethod
    def create(cls, name: str = "mbo-gateway test CA") -> TestCA:
        key = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    def issue(self, common_name: str, *, oin: str | None = None, server: bool = False,
              hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> Issued:
        """A leaf certificate; ``oin`` goes into the subject's serialNumber (PKIoverheid)."""
        key = _key()
        names = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if oin:
            names.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, oin))
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder().subject_name(x509.Name(names))
            .issuer_name(self.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
        )
        if server:
            alt: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    alt.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    alt.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        return Issued(builder.sign(self.key, hashes.SHA256()), key)
