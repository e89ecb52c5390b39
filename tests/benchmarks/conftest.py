"""Benchmarks run only when asked for by path, as `make bench` does (`pytest tests/benchmarks -s`).

`make test` runs plain `pytest`, which collects `tests/` (the testpaths): the
files here are then ignored, so the suite never pays for a benchmark.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.benchmarks import report

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    """Called for every file below this folder; True leaves it out."""
    if any(_is_here_or_below(config.invocation_params.dir / arg.split("::")[0]) for arg in config.args):
        return None  # asked for: collect as usual
    return True


def _is_here_or_below(path: Path) -> bool:
    path = path.resolve()
    return path == HERE or HERE in path.parents


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """BENCH_TEST_DATABASE_NAME, when set, names the test database of the whole run (a shared server's naming
    rules). Here rather than in one module: the session's database is set up by whichever benchmark runs first."""
    name = os.environ.get("BENCH_TEST_DATABASE_NAME")
    if name:
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name


_REPORT = None


@pytest.fixture(scope="session")
def bench_report():
    """Where every benchmark records its figures; see tests/benchmarks/report.py."""
    global _REPORT
    if _REPORT is None:
        _REPORT = report.Report()
    return _REPORT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Prints the table of this run (merged with earlier figures) and writes docs/benchmarks.{md,json}."""
    if _REPORT is None or _REPORT.is_empty():
        return
    terminalreporter.section("make bench")
    terminalreporter.write_line(report.write(_REPORT))
    terminalreporter.write_line(f"Written to {report.MARKDOWN_PATH} and {report.JSON_PATH}")
