"""Run the simulated SIS on loopback in this process: for tests, the demo and benchmarks.

Example::

    catalogue = SisCatalogue(2000, seed=7)
    with running_sis(catalogue, client_id="gw", client_secret="s3cret") as base_url:
        ...  # base_url is "http://127.0.0.1:<port>"; the token URL is base_url + "/oauth/token"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.fault_switch import with_fault
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import RequestCheck

__all__ = ["running_sis"]


@contextmanager
def running_sis(
    catalogue: SisCatalogue, *, client_id: str, client_secret: str, start_timeout: float = 10.0,
    school: SisSchool | None = None, check: RequestCheck | None = None,
    fault: str | None = None,
) -> Iterator[str]:
    """Serve ``catalogue`` with uvicorn on 127.0.0.1 (a free port) until the block ends.

    ``school`` and ``check`` go to :func:`~simulators.ooapi_sis.app.create_sis_app`;
    ``fault`` switches on one named fault mode (:mod:`.fault_modes`), e.g.
    ``"ooapi-v5.page-repeats-item"``.

    Yields:
        The base URL.

    Raises:
        RuntimeError: the server did not start within ``start_timeout`` seconds.
        KeyError: ``fault`` names no fault mode.
    """
    app = create_sis_app(catalogue, client_id=client_id, client_secret=client_secret,
                         school=school, check=check)
    served = app if fault is None else with_fault(app, fault)
    with serve_in_thread(served, start_timeout=start_timeout) as port:
        yield f"http://127.0.0.1:{port}"
