"""The faults of the simulated SIS and of an mbo receiver, and the proofs that the
``ooapi-v5`` and ``ooapi-v5-mbo`` suites catch them.

Each fault is a fault mode of :mod:`simulators.ooapi_sis.fault_modes`, switched on in a
simulator started on loopback for the one run: the SIS (``running_sis(..., fault=...)``)
for ``ooapi-v5`` and the mbo ``sis`` role, the gateway's own receiver wrapped with the
mode (:mod:`simulators.ooapi_sis.receiver_host`) for the ``receiver`` role. The SIS is
small (12 programme offerings, 30 students): every check has something to judge, and a
run takes a second or two.
"""

from __future__ import annotations

from pathlib import Path

from contract_tests.registry import get_suite
from contract_tests.runner import Report, run
from contract_tests.target import Target
from gateway.adapters.standards import standards_from_env
from simulators.fault_proof import Proof, register_proof
from simulators.faults import Fault, register
from simulators.ooapi_sis.fault_modes import MBO_MODES, OOAPI_MODES, RECEIVER_MODES
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.receiver_host import running_receiver
from simulators.ooapi_sis.server import running_sis

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "RECEIVER_FAULTS", "run_receiver", "run_sis",
           "small_school"]

CLIENT_ID, CLIENT_SECRET = "contract-client", "contract-secret-0123456789"
#: The faults proven against a receiver; the others against the SIS.
RECEIVER_FAULTS = frozenset(mode.name for mode in RECEIVER_MODES)

for _mode in (*OOAPI_MODES, *MBO_MODES, *RECEIVER_MODES):
    register(Fault(_mode.name, _mode.suite, _mode.description))


def small_school() -> SisSchool:
    """The SIS of the proofs: lists of more than two pages, persons with associations,
    klassen, component offerings."""
    return SisSchool(SisCatalogue(12, seed=5), students=30, sessions_per_klas=1)


def _standards_dir() -> str:
    """The official files: ``GATEWAY_STANDARDS_DIR``, else ``../shared/standards``."""
    fallback = Path(__file__).resolve().parents[2] / "shared" / "standards"
    return str(standards_from_env(fallback).root)


def run_sis(suite: str, fault: str | None = None, *, role: str | None = None) -> Report:
    """``suite`` against a fresh small SIS (with ``fault`` switched on)."""
    school = small_school()
    options = {"standards_dir": _standards_dir()}
    select = None
    if role is not None:
        options["role"] = role
        select = [f"{suite}.{role}."]
    with running_sis(school.catalogue, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                     school=school, fault=fault) as base:
        target = Target(base_url=base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        token_url=f"{base}/oauth/token", options=options)
        return run(get_suite(suite), target, select=select)


def run_receiver(workdir: Path, fault: str | None = None) -> Report:
    """The ``ooapi-v5-mbo`` receiver checks against the gateway's own receiver."""
    standards = _standards_dir()
    with running_receiver(workdir, Path(standards), fault) as receiver:
        target = Target(base_url=receiver.base_url, client_id=receiver.client_id,
                        client_secret=receiver.client_secret, token_url=receiver.token_url,
                        options={"standards_dir": standards, "role": "receiver"})
        return run(get_suite("ooapi-v5-mbo"), target, select=["ooapi-v5-mbo.receiver."])


def _mbo_conformant(workdir: Path) -> Report:
    """Both roles in one report: the SIS as ``sis``, the gateway as ``receiver``."""
    sis = run_sis("ooapi-v5-mbo", role="sis")
    receiver = run_receiver(workdir / "conformant")
    return Report(sis.suite, sis.target, results=[*receiver.results, *sis.results],
                  duration=sis.duration + receiver.duration)


def _mbo_faulty(fault: Fault, workdir: Path) -> Report:
    if fault.name in RECEIVER_FAULTS:
        return run_receiver(workdir / fault.name, fault.name)
    return run_sis("ooapi-v5-mbo", fault.name, role="sis")


register_proof(Proof("ooapi-v5", lambda workdir: run_sis("ooapi-v5"),
                     lambda fault, workdir: run_sis("ooapi-v5", fault.name)))
register_proof(Proof("ooapi-v5-mbo", _mbo_conformant, _mbo_faulty))
