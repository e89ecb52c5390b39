"""The table `make bench` prints and the files it writes (tests/benchmarks/report.py)."""

import json

from tests.benchmarks import report
from tests.benchmarks.report import Goal, Of, Report


def test_a_figure_gets_its_ratio_to_a_goal_and_to_another_figure(tmp_path, db):
    run = Report()
    run.record("bare_view_rps", 900.0, unit="req/s", stat="rate")
    run.record("create_rps", 360.0, unit="req/s", stat="rate", reference=Of("bare_view_rps", "bare view"))
    run.record("escalation_p99_ms", 120.0, unit="ms", stat="p99", size=200, reference=Goal(1000, "goal < 1 s"))
    run.record("create_errors", 2, stat="count", reference=Goal(0, "must be 0"))

    table = report.write(run, json_path=tmp_path / "b.json", markdown_path=tmp_path / "b.md")

    written = json.loads((tmp_path / "b.json").read_text())
    assert written["create_rps"] == 360.0 and written["escalation_p99_ms"] == 120.0
    assert {"machine", "measured_at", "backends"} <= written.keys()
    assert written["figures"]["create_rps"]["ratio"] == 0.4
    assert written["figures"]["escalation_p99_ms"]["ratio"] == 0.12
    assert written["figures"]["escalation_p99_ms"]["met"] is True
    assert written["figures"]["create_errors"]["met"] is False
    assert "| `create_rps` | 360.0 req/s | rate |" in table
    assert "✗ missed" in (tmp_path / "b.md").read_text()


def test_a_run_of_one_benchmark_keeps_the_figures_of_the_others(tmp_path, db):
    paths = {"json_path": tmp_path / "b.json", "markdown_path": tmp_path / "b.md"}
    first = Report()
    first.record("peer_list_ms", 1200.0, unit="ms", stat="median")
    report.write(first, **paths)
    (tmp_path / "b.md").write_text((tmp_path / "b.md").read_text() + "## Before and after\n\nkept by hand\n")

    second = Report()
    second.record("our_list_ms", 20.0, unit="ms", stat="median", reference=Of("peer_list_ms"))
    report.write(second, **paths)

    written = json.loads((tmp_path / "b.json").read_text())
    assert written["peer_list_ms"] == 1200.0
    assert written["figures"]["our_list_ms"]["ratio"] == float(f"{20 / 1200:.3g}")
    assert "kept by hand" in (tmp_path / "b.md").read_text()
