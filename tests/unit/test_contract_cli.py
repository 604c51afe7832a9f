"""``gateway-contract``: listing, and the exit status 2 for every unusable command."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.cli import EXIT_OK, EXIT_USAGE, main
from contract_tests.registry import get_suite


def test_list_names_every_suite_and_says_which_are_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    ooapi = next(line for line in lines if line.startswith("ooapi-v5 "))
    assert f"{len(get_suite('ooapi-v5').checks)} checks" in ooapi
    assert len(lines) == 6


def test_list_of_a_suite_gives_id_severity_title_and_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", "ooapi-v5"]) == EXIT_OK
    out = capsys.readouterr().out
    assert ("ooapi-v5.paging.has-next-page  [error]  hasNextPage and totalPages tell the truth\n"
            "    reference: ooapi.json #/components/schemas/Pagination") in out
    assert "ooapi-v5.sort.name  [warning]" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "nope"], "unknown suite 'nope'"),
    (["list", "nope"], "unknown suite 'nope'"),
    (["run", "ooapi-v5"], "needs --base-url"),
    (["run", "ooapi-v5", "--base-url", "http://127.0.0.1:9", "--option", "standards_dir"],
     "--option takes KEY=VALUE"),
    (["run", "ooapi-v5", "--base-url", "http://127.0.0.1:9", "--select", "ooapi-v5.nope"],
     "has no check 'ooapi-v5.nope'"),
])
def test_an_unusable_command_exits_2_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_a_malformed_command_line_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run"])
    assert exited.value.code == EXIT_USAGE
    assert "the following arguments are required: suite" in capsys.readouterr().err


@pytest.mark.parametrize(("suite", "argv", "holding"), [
    ("ooapi-v5", ["--base-url", "http://127.0.0.1:9"], "ooapi-v5/ and ooapi-v5-mbo/"),
    ("ooapi-v5-mbo", ["--base-url", "http://127.0.0.1:9"], "ooapi-v5/ and ooapi-v5-mbo/"),
    ("rio-v4", ["--files", "{tmp}/m.xml"], "rio-v4/"),
])
def test_without_the_standards_folder_a_suite_says_how_to_name_it(
    suite: str, argv: list[str], holding: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # the suites validate against the official files, which the package does not bundle
    monkeypatch.delenv("GATEWAY_STANDARDS_DIR", raising=False)
    (tmp_path / "m.xml").write_bytes(b"<a/>")
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    report_dir = str(tmp_path / "report")
    assert main(["run", suite, *args, "--report-dir", report_dir]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"gateway-contract: the {suite} suite validates against the official")
    assert "which gateway-contract does not bundle" in err
    assert f"pass --option standards_dir=PATH (the folder holding {holding}) or set " \
           "GATEWAY_STANDARDS_DIR" in err
    assert not (tmp_path / "report").exists()  # no report of a run that never started
