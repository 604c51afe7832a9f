"""Run the simulated SIS: ``python -m simulators.ooapi_sis --port 8081 --offerings 2000``.

It listens on 127.0.0.1 only: it is a stand-in for tests, demos and benchmarks.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date

import uvicorn

from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.ooapi_sis",
                                     description="A simulated mbo SIS serving OOAPI v5.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--offerings", type=int, default=200,
                        help="programme offerings (crebo x leerweg x location)")
    parser.add_argument("--cohorts", type=int, default=3, help="cohorts per offering")
    parser.add_argument("--courses", type=int, default=None,
                        help="modules and keuzedelen (default 2.5 per offering)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the simulated date (YYYY-MM-DD); default the real one")
    parser.add_argument("--client-id", default="gateway")
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    catalogue = SisCatalogue(args.offerings, seed=args.seed, cohorts=args.cohorts,
                             courses=args.courses, today=args.today)
    app = create_sis_app(catalogue, client_id=args.client_id, client_secret=args.client_secret)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
