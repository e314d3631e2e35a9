"""pytest plugin: each test's outcome as a line of JSON, written as the run goes.

    python -m pytest -p outcome_log --outcome-log=PATH ...   (with this directory on PYTHONPATH)

.ci/peers.py compares two runs of a suite by these lines. Unlike JUnit XML,
written when the session ends, they survive a run that dies (fastpil's bugs
can be segmentation faults), and a test that started with no outcome after it
is the one that was running.
"""

from __future__ import annotations

import json
from typing import IO, Any

import pytest

_log: IO[str] | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--outcome-log", metavar="PATH", help="append each test's outcome to PATH")


def pytest_configure(config: pytest.Config) -> None:
    global _log
    path = config.getoption("--outcome-log")
    if path:
        _log = open(path, "a", buffering=1)  # noqa: SIM115 (open for the whole session)


def pytest_unconfigure() -> None:
    global _log
    if _log is not None:
        _log.close()
        _log = None


def _write(**entry: Any) -> None:
    if _log is not None:
        _log.write(json.dumps(entry) + "\n")


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        return str(report.longrepr[2])
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    return text.strip().splitlines()[0] if text.strip() else ""


def pytest_runtest_logstart(nodeid: str) -> None:
    _write(test=nodeid, when="start")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcome = report.outcome
    if hasattr(report, "wasxfail"):
        outcome = "xfailed" if report.skipped else "xpassed"
    _write(
        test=report.nodeid,
        when=report.when,
        outcome=outcome,
        message=_message(report),
        seconds=round(report.duration, 6),
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _write(test=report.nodeid, when="collect", outcome="failed", message=_message(report))
