"""The one table `make bench` prints, and the files it writes: docs/benchmarks.md and docs/benchmarks.json.

A benchmark records each figure under a stable key with the `bench_report` fixture:

    bench_report.record("queue_page_p50_ms_1m", 23.4, unit="ms", stat="median", size="1,000,000 tickets",
                        reference=Goal(50, "goal < 50 ms"))
    bench_report.record("create_rps", 310.0, unit="req/s", stat="rate", size="60 s, 16 clients",
                        reference=Of("bare_view_rps"))  # ratio = create_rps / bare_view_rps

At the end of the session the table is printed and merged into the files: a key measured in this run replaces
its earlier value, keys not measured this run are kept with the time they were measured, so running one
benchmark file does not erase the others.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
JSON_PATH = Path(os.environ.get("BENCH_JSON", DOCS / "benchmarks.json"))
MARKDOWN_PATH = Path(os.environ.get("BENCH_MARKDOWN", DOCS / "benchmarks.md"))


@dataclass(frozen=True)
class Goal:
    """A fixed reference: a target or an outside figure. ratio = value / goal.value."""

    value: float
    label: str
    higher_is_better: bool = False

    def met_by(self, value: float) -> bool:
        return value >= self.value if self.higher_is_better else value <= self.value


@dataclass(frozen=True)
class Of:
    """Another figure of the table as the reference: ratio = value / that figure."""

    key: str
    label: str = ""


@dataclass
class Figure:
    key: str
    value: float | int | str | None
    unit: str = ""
    stat: str = ""  # median, p95, p99, max, rate, count ...
    size: str = ""
    reference: str = ""
    reference_value: float | None = None
    ratio: float | None = None
    met: bool | None = None
    note: str = ""
    measured_at: str = ""
    order: int = 0


@dataclass
class Report:
    figures: dict[str, Figure] = field(default_factory=dict)
    _references: dict[str, Goal | Of] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def record(self, key: str, value, *, unit: str = "", stat: str = "", size: str | int = "",
               reference: Goal | Of | None = None, note: str = "") -> Figure:
        figure = Figure(key=key, value=_rounded(value), unit=unit, stat=stat, size=_size(size), note=note,
                        measured_at=_now(), order=len(self.figures))
        self.figures[key] = figure
        if reference is not None:
            self._references[key] = reference
        print(f"[bench] {key} = {figure.value} {unit} ({stat}{', ' + figure.size if figure.size else ''})")
        return figure

    def note(self, text: str) -> None:
        """A line printed under the table and kept in docs/benchmarks.md (a plan, a profile's top line...)."""
        self.notes.append(text)

    def resolve(self, earlier: dict[str, Figure]) -> None:
        """Fills in each reference's value and the ratio, using this run's figures first, then earlier ones."""
        every = {**earlier, **self.figures}
        for key, reference in self._references.items():
            figure = self.figures[key]
            if isinstance(reference, Goal):
                figure.reference, figure.reference_value = reference.label, reference.value
                if isinstance(figure.value, (int, float)):
                    figure.met = reference.met_by(figure.value)
            else:
                other = every.get(reference.key)
                figure.reference = reference.label or reference.key
                figure.reference_value = other.value if other else None
            if isinstance(figure.value, (int, float)) and isinstance(figure.reference_value, (int, float)) \
                    and figure.reference_value:
                figure.ratio = float(f"{figure.value / figure.reference_value:.3g}")  # 3 significant digits

    def is_empty(self) -> bool:
        return not self.figures


def machine() -> str:
    cpu = _cpu_model()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def backends() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = (settings.CELERY_BROKER_URL or "").split(":", 1)[0]
    return f"{database} + {broker or 'embedded'}"


def load(path: Path = JSON_PATH) -> dict[str, Figure]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    known = Figure.__dataclass_fields__
    return {key: Figure(key=key, **{k: v for k, v in row.items() if k in known and k != "key"})
            for key, row in data.get("figures", {}).items()}


def write(report: Report, *, json_path: Path = JSON_PATH, markdown_path: Path = MARKDOWN_PATH) -> str:
    """Merges this run into the files and returns the table as printed."""
    earlier = load(json_path)
    report.resolve(earlier)
    merged = {**earlier, **report.figures}
    figures = sorted(merged.values(), key=lambda f: (_section(f.key), f.order))
    measured_at = _now()
    header = {"machine": machine(), "backends": backends(), "measured_at": measured_at}
    flat = {f.key: f.value for f in figures}
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({**header, **flat, "figures": {f.key: _row(f) for f in figures}},
                                    indent=2, ensure_ascii=False) + "\n")
    table = _table(figures)
    notes = "\n".join(f"- {line}" for line in report.notes)
    markdown_path.write_text(
        "# Benchmarks\n\n"
        "Written by `make bench` (tests/benchmarks/); the same figures are in `benchmarks.json`, one key each.\n"
        "Ratio is the figure divided by its reference: below 1 is better for times, above 1 for rates.\n\n"
        f"- Machine: {header['machine']}\n- Backends: {header['backends']}\n- Last run: {measured_at}\n\n"
        f"{table}\n" + (f"\n## Notes from the last run\n\n{notes}\n" if notes else "") + _kept_sections(markdown_path)
    )
    return f"{header['machine']}\n{header['backends']}, {measured_at}\n{table}" + (f"\n{notes}" if notes else "")


SECTIONS = ("escalation", "sweep", "queue", "api", "our_list", "peer", "create", "bare", "list_", "pg_", "rss",
            "invoices", "small_invoice")


def _section(key: str) -> int:
    return next((n for n, prefix in enumerate(SECTIONS) if key.startswith(prefix)), len(SECTIONS))


def _table(figures: list[Figure]) -> str:
    rows = ["| figure | value | stat | size | reference | ratio | measured |",
            "| --- | ---: | --- | --- | --- | ---: | --- |"]
    for f in figures:
        value = f"{f.value} {f.unit}".strip()
        ratio = "" if f.ratio is None else f"{f.ratio:g}"
        if f.met is not None:
            ratio += " ✓" if f.met else " ✗ missed"
        reference = f.reference + (f" ({f.reference_value:g})" if isinstance(f.reference_value, (int, float))
                                   and f.reference and not f.reference[0].isdigit() else "")
        rows.append(f"| `{f.key}` | {value} | {f.stat} | {f.size} | {reference} | {ratio} | {f.measured_at[:16]} |")
    return "\n".join(rows)


def _kept_sections(markdown_path: Path) -> str:
    """Hand-written sections (before/after of fixes) live below a marker and survive each run."""
    marker = "<!-- kept: written by hand, not by make bench -->"
    if not markdown_path.exists():
        return f"\n{marker}\n"
    text = markdown_path.read_text()
    return "\n" + text[text.index(marker):] if marker in text else f"\n{marker}\n"


def _row(f: Figure) -> dict:
    row = asdict(f)
    row.pop("key")
    return row


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3 if abs(value) < 10 else 1)
    return value


def _size(size) -> str:
    return f"{size:,}" if isinstance(size, int) else str(size)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
