"""``python -m simulators.rio_service --port P``: run the simulated RIO.

Plain HTTP by default (tests, the demo); ``--certfile/--keyfile`` serve TLS and
``--ca-certs`` additionally requires a client certificate issued by that CA (mutual TLS,
as DUO does). ``--trust`` names CA certificates that must have issued the signer's
certificate; without it any signer whose signature verifies is accepted.
"""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path

import uvicorn
from cryptography import x509

from gateway.adapters.rio.wssecurity import SigningCredentials
from gateway.adapters.standards import standards_from_env
from simulators.rio_service.app import create_app
from simulators.rio_service.service import DEFAULT_CREBOS, SimulatedRio, SimulatorConfig


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulators.rio_service",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--standards", type=Path, default=None,
                        help="the standards folder (default: GATEWAY_STANDARDS_DIR)")
    parser.add_argument("--crebos", default=",".join(sorted(DEFAULT_CREBOS)),
                        help="comma-separated crebo codes the register knows")
    parser.add_argument("--certfile", type=Path, help="server certificate (PEM): serve TLS")
    parser.add_argument("--keyfile", type=Path, help="server key (PEM)")
    parser.add_argument("--ca-certs", type=Path, help="require client certificates of this CA")
    parser.add_argument("--trust", type=Path, action="append", default=[],
                        help="CA certificate (PEM) that must have issued signing certificates")
    parser.add_argument("--sign-cert", type=Path, help="sign answers with this certificate")
    parser.add_argument("--sign-key", type=Path, help="... and this key")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    trusted = tuple(x509.load_pem_x509_certificate(p.read_bytes()) for p in args.trust)
    signing = (SigningCredentials.from_pem_files(args.sign_cert, args.sign_key)
               if args.sign_cert and args.sign_key else None)
    config = SimulatorConfig(
        standards=standards_from_env(args.standards),
        known_crebos=frozenset(c.strip() for c in args.crebos.split(",") if c.strip()),
        trusted=trusted or None,
        signing=signing,
    )
    tls: dict[str, object] = {}
    if args.certfile:
        tls = {"ssl_certfile": str(args.certfile), "ssl_keyfile": str(args.keyfile)}
        if args.ca_certs:
            tls.update(ssl_ca_certs=str(args.ca_certs), ssl_cert_reqs=ssl.CERT_REQUIRED)
    uvicorn.run(create_app(SimulatedRio(config)), host=args.host, port=args.port,
                log_level="info", **tls)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
