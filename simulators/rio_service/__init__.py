"""A stand-in for DUO's RIO V4 services (Beheren and Raadplegen) over Edukoppeling.

It behaves like DUO's: refuses hostile XML, checks the WS-Security signature and the
addressing headers, validates against DUO's XSD, keeps state per onderwijsaanbieder (in
memory), answers opvragen, and rejects business-rule violations with foutmeldingen.

    rio = SimulatedRio(SimulatorConfig(standards))
    app = create_app(rio)                 # serve with uvicorn; rio.state holds what RIO has

    python -m simulators.rio_service --port 8443 [--certfile ... --keyfile ... --ca-certs ...]
"""

from simulators.rio_service.app import BEHEREN_PATH, RAADPLEGEN_PATH, create_app
from simulators.rio_service.service import DEFAULT_CREBOS, SimulatedRio, SimulatorConfig
from simulators.rio_service.state import FaultKind, RioState

__all__ = [
    "BEHEREN_PATH",
    "DEFAULT_CREBOS",
    "RAADPLEGEN_PATH",
    "FaultKind",
    "RioState",
    "SimulatedRio",
    "SimulatorConfig",
    "create_app",
]
