"""Benchmarks run only when asked for by path, as `make bench` does (`pytest tests/benchmarks -s`).

`make test` runs plain `pytest`, which collects `tests/` (the testpaths): the
files here are then ignored, so the suite never pays for a benchmark.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    """Called for every file below this folder; True leaves it out."""
    if any(_is_here_or_below(config.invocation_params.dir / arg.split("::")[0]) for arg in config.args):
        return None  # asked for: collect as usual
    return True


def _is_here_or_below(path: Path) -> bool:
    path = path.resolve()
    return path == HERE or HERE in path.parents
