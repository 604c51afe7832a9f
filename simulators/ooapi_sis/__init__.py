"""A simulated mbo SIS serving its catalogue over OOAPI v5 with the mbo profile.

- :class:`SisCatalogue` (:mod:`.generator`): a generated catalogue, deterministic for
  (size, seed, today), with ``mutate(n)`` for changes over time;
- :class:`SisSchool` (:mod:`.population`): the school's students, staff, enrolments and
  klassen on that catalogue, built lazily per person (50,000 students cost megabytes);
- :func:`create_sis_app` (:mod:`.app`): the ASGI app (OAuth2 client credentials, the OOAPI
  endpoints, with a school also persons, associations and groups and ``PUT`` of pushed
  associations, ``POST /_simulator/mutate``);
- :func:`push_to` (:mod:`.push`): push mode, the school PUT to an mbo profile receiver;
- ``python -m simulators.ooapi_sis --port P --offerings N --students M --client-secret X``.
"""

from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.push import push_to

__all__ = ["SisCatalogue", "SisSchool", "create_sis_app", "push_to"]
