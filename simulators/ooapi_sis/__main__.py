"""Run the simulated SIS: ``python -m simulators.ooapi_sis --port 8081 --offerings 2000``.

It listens on 127.0.0.1 only: it is a stand-in for tests, demos and benchmarks. With
``--students N`` it serves a school of N students too (persons, associations, groups) and
accepts pushed associations (checked against the mbo profile in ``--standards`` or
``GATEWAY_STANDARDS_DIR``). With ``--push-to URL`` it does not serve but pushes that school
to an mbo profile receiver and prints what the push did.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import date
from pathlib import Path

import uvicorn

from gateway.adapters.standards import Standards
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import RequestCheck, profile_check
from simulators.ooapi_sis.push import push_to


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulators.ooapi_sis",
                                     description="A simulated mbo SIS serving OOAPI v5.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--offerings", type=int, default=200,
                        help="programme offerings (crebo x leerweg x location)")
    parser.add_argument("--cohorts", type=int, default=3, help="cohorts per offering")
    parser.add_argument("--courses", type=int, default=None,
                        help="modules and keuzedelen (default 2.5 per offering)")
    parser.add_argument("--students", type=int, default=0,
                        help="students of the school (0: serve the catalogue only)")
    parser.add_argument("--sessions-per-klas", type=int, default=0,
                        help="lessons and exam sessions (component offerings) per klas")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the simulated date (YYYY-MM-DD); default the real one")
    parser.add_argument("--client-id", default="gateway")
    parser.add_argument("--client-secret", default=None,
                        help="the secret of --client-id (required to serve)")
    parser.add_argument("--standards", type=Path, default=None,
                        help="the folder of official standards (for PUT checks)")
    push = parser.add_argument_group("push mode")
    push.add_argument("--push-to", default=None, help="the receiver's mbo profile root")
    push.add_argument("--token-url", default=None, help="the receiver's token endpoint")
    push.add_argument("--push-client-id", default="sis")
    push.add_argument("--push-client-secret", default=None)
    push.add_argument("--concurrency", type=int, default=8)
    return parser


def _check(folder: Path | None) -> RequestCheck | None:
    root = folder or (Path(os.environ["GATEWAY_STANDARDS_DIR"])
                      if os.environ.get("GATEWAY_STANDARDS_DIR") else None)
    return profile_check(Standards(root)) if root else None


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    catalogue = SisCatalogue(args.offerings, seed=args.seed, cohorts=args.cohorts,
                             courses=args.courses, today=args.today)
    school = SisSchool(catalogue, students=args.students,
                       sessions_per_klas=args.sessions_per_klas) if args.students else None
    if args.push_to:
        if school is None or not (args.token_url and args.push_client_secret):
            parser.error("--push-to needs --students, --token-url and --push-client-secret")
        report = push_to(school, args.push_to, args.token_url, args.push_client_id,
                         args.push_client_secret, concurrency=args.concurrency)
        print(report.line())
        return
    if not args.client_secret:
        parser.error("--client-secret is required to serve")
    app = create_sis_app(catalogue, client_id=args.client_id, client_secret=args.client_secret,
                         school=school, check=_check(args.standards) if school else None)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
