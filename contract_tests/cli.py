"""``gateway-contract``: run a conformance suite against your endpoint or files.

    gateway-contract list [SUITE]
    gateway-contract run SUITE --base-url URL [--client-id ID --client-secret S
        --token-url URL | --token T] [--files PATH] [--option KEY=VALUE ...]
        [--select CHECK_ID ...] [--report-dir DIR]

``run`` prints a summary rule by rule and writes ``junit.xml``, ``report.json`` and
``report.html`` to the report folder. Exit status: 0 when every error-level check passed
(warnings and checks skipped as not applicable never fail a run), 1 when one failed,
2 when the command or the target is unusable (unknown suite, missing option, unreachable
endpoint, refused credentials). Secrets may come from the environment
(``GATEWAY_CONTRACT_TOKEN``, ``GATEWAY_CONTRACT_CLIENT_SECRET``) so they stay out of the
process list and CI logs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from contract_tests.registry import SUITE_MODULES, SuiteNotAvailable, available, get_suite
from contract_tests.reporting import summary, write_reports
from contract_tests.runner import run
from contract_tests.target import Target, TargetError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main", "parser"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    """The command line (``gateway-contract --help``)."""
    root = argparse.ArgumentParser(
        prog="gateway-contract",
        description="Conformance suites for the koppelvlakken of the mbo gateway.")
    commands = root.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the suites, or one suite's checks")
    listing.add_argument("suite", nargs="?", help="a suite name: list its checks")
    running = commands.add_parser("run", help="run a suite against a target")
    running.add_argument("suite", help=f"one of: {', '.join(SUITE_MODULES)}")
    running.add_argument("--base-url", help="the endpoint's base URL")
    running.add_argument("--token", default=os.environ.get("GATEWAY_CONTRACT_TOKEN"),
                         help="a bearer token (or GATEWAY_CONTRACT_TOKEN)")
    running.add_argument("--client-id", help="OAuth2 client id (client credentials)")
    running.add_argument("--client-secret",
                         default=os.environ.get("GATEWAY_CONTRACT_CLIENT_SECRET"),
                         help="its secret (or GATEWAY_CONTRACT_CLIENT_SECRET)")
    running.add_argument("--token-url", help="the OAuth2 token endpoint")
    running.add_argument("--files", type=Path, help="a file or folder to check")
    running.add_argument("--option", action="extend", nargs="+", default=[],
                         metavar="KEY=VALUE", help="a suite option, e.g. standards_dir=PATH")
    running.add_argument("--select", action="extend", nargs="+", default=[],
                         metavar="CHECK_ID", help="run only these checks (or 'prefix.')")
    running.add_argument("--report-dir", type=Path, default=Path("contract-report"),
                         help="where junit.xml, report.json, report.html go "
                              "(default: ./contract-report)")
    return root


def _options(pairs: Sequence[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TargetError(f"--option takes KEY=VALUE, not {pair!r}")
        options[key.strip()] = value
    return options


def _list(name: str | None) -> int:
    if name is None:
        found = available()
        for suite_name in SUITE_MODULES:
            try:
                if not found[suite_name]:
                    raise SuiteNotAvailable("not available in this version")
                suite = get_suite(suite_name)
            except SuiteNotAvailable as exc:  # one broken suite does not hide the others
                print(f"{suite_name:16} ({exc})")
                continue
            print(f"{suite_name:16} {len(suite.checks):3} checks  {suite.title}")
        return EXIT_OK
    suite = get_suite(name)
    print(f"{suite.name}: {suite.title}\n{suite.description}\n")
    for check in suite.checks:
        print(f"{check.id}  [{check.severity}]  {check.title}\n    reference: {check.reference}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    suite = get_suite(args.suite)
    target = Target(base_url=args.base_url, token=args.token, client_id=args.client_id,
                    client_secret=args.client_secret if args.client_id else None,
                    token_url=args.token_url, files=args.files,
                    options=MappingProxyType(_options(args.option)))
    report = run(suite, target, select=args.select or None)
    sys.stdout.write(summary(report))
    written = write_reports(report, args.report_dir)
    print("reports: " + ", ".join(str(p) for p in written.values()))
    return EXIT_OK if report.ok else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    args = parser().parse_args(argv)
    try:
        return _list(args.suite) if args.command == "list" else _run(args)
    except (TargetError, SuiteNotAvailable) as exc:
        print(f"gateway-contract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:  # --select names a check the suite lacks
        print(f"gateway-contract: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
