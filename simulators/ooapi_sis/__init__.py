"""A simulated mbo SIS serving its catalogue over OOAPI v5 with the mbo profile.

- :class:`SisCatalogue` (:mod:`.generator`): a generated catalogue, deterministic for
  (size, seed, today), with ``mutate(n)`` for changes over time;
- :func:`create_sis_app` (:mod:`.app`): the ASGI app (OAuth2 client credentials, the OOAPI
  endpoints, ``POST /_simulator/mutate``);
- ``python -m simulators.ooapi_sis --port P --offerings N --seed S --client-secret X``.
"""

from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue

__all__ = ["SisCatalogue", "create_sis_app"]
