"""The pieces of the load benchmark (tests/benchmarks/test_load.py): gunicorn, locust, memory, pgbench.

The processes run against the test database: gunicorn gets its URL in DATABASE_URL, as tests/worker.py gives
it to Celery workers. tests/bench_smoke/test_load_bench.py runs the parts that need neither gunicorn nor
locust in the normal suite, so that this code cannot rot.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests import worker as worker_module

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locustfile.py"
LOCUST_REQUIREMENTS = HERE / "requirements-locust.txt"
BENCH_SETTINGS = "tests.benchmarks.bench_settings"
BARE_PATH = "/bench/bare/"


def work_dir() -> Path:
    """Where the benchmark keeps what it builds (locust's virtualenv) and its logs: var/bench."""
    folder = Path(settings.VAR_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- locust, in its own virtualenv ---------------------------------------------------------------


def ensure_locust(folder: Path) -> Path:
    """The locust command of var/bench/locust-venv, created (or refreshed) from requirements-locust.txt."""
    venv = folder / "locust-venv"
    locust = venv / "bin" / "locust"
    stamp = venv / ".requirements-sha256"
    wanted = hashlib.sha256(LOCUST_REQUIREMENTS.read_bytes()).hexdigest()
    if locust.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return locust
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(LOCUST_REQUIREMENTS)], check=True)
    stamp.write_text(wanted + "\n")
    return locust


@dataclass(frozen=True)
class LoadResult:
    """One request name's line of locust's statistics."""

    name: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float

    def summary(self) -> str:
        return (f"{self.name}: {self.requests} requests, {self.failures} failures, {self.rps:.1f} req/s, "
                f"p50 {self.p50_ms:g} ms, p99 {self.p99_ms:g} ms")


def parse_locust_stats(stats_csv: Path, name: str) -> LoadResult:
    """Reads the `<prefix>_stats.csv` that `locust --csv <prefix>` writes (percentiles are locust's, in ms)."""
    with open(stats_csv, newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == name:
                return LoadResult(
                    name=name, requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                    rps=float(row["Requests/s"]), p50_ms=_number(row["50%"]), p99_ms=_number(row["99%"]),
                )
    raise LookupError(f"no requests named {name!r} in {stats_csv}")


def _number(text: str) -> float:
    return float(text) if text not in ("", "N/A") else float("nan")


def run_locust(locust: Path, *, host: str, user_class: str, name: str, users: int, seconds: float,
               accounts_file: Path, out_dir: Path) -> LoadResult:
    """One bounded, headless locust run of one user class in its own process; returns its figures for `name`."""
    prefix = out_dir / f"locust-{user_class}"
    command = [
        str(locust), "-f", str(LOCUSTFILE), "--headless", "--host", host, "--users", str(users),
        "--spawn-rate", str(users), "--run-time", f"{max(1, round(seconds))}s", "--stop-timeout", "5",
        "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
        user_class,
    ]
    env = {**os.environ, "BENCH_LOAD_ACCOUNTS": str(accounts_file), "PYTHONWARNINGS": "ignore"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log_path = out_dir / f"locust-{user_class}.log"
    with open(log_path, "wb") as log:
        finished = subprocess.run(command, cwd=out_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=seconds + 120)
    if finished.returncode != 0:
        raise RuntimeError(f"locust failed ({finished.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
    result = parse_locust_stats(Path(f"{prefix}_stats.csv"), name)
    if result.failures:
        failures = Path(f"{prefix}_failures.csv")
        print(failures.read_text(errors="replace")[:3000] if failures.exists() else "(no failures file)")
    return result


def write_accounts(path: Path, *, customers: list[str], agents: list[str]) -> Path:
    path.write_text(json.dumps({"customers": customers, "agents": agents}))
    return path


# --- gunicorn --------------------------------------------------------------------------------------




def gunicorn_environment(env_overrides: dict | None = None) -> dict:
    """Production's settings on the test database and broker, plus the bare view's URL (bench_settings)."""
    return {
        **worker_module.worker_environment(),
        "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "load-benchmark-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        **(env_overrides or {}),
    }


@contextmanager
def gunicorn_server(log_path: Path, *, workers: int = 2, threads: int = 1, env_overrides: dict | None = None,
                    timeout: float = 60):
    """gunicorn serving Supportdesk on a free port of 127.0.0.1; yields (process, base URL).

    One thread per worker process is gunicorn's default sync worker; more make it a gthread worker."""
    port = worker_module.free_port()
    command = [
        sys.executable, "-m", "gunicorn", "supportdesk.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync" if threads == 1 else "gthread", "--threads", str(threads),
        "--timeout", "60", "--log-level", "warning",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=gunicorn_environment(env_overrides),
                                   stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(process, base_url, workers=workers, timeout=timeout, log_path=log_path)
            yield process, base_url
        finally:
            worker_module.stop_process(process)


def _wait_until_serving(process, base_url: str, *, workers: int, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log_path.read_text(errors='replace')}")
        if len(worker_module.descendants(process.pid)) >= workers:
            try:
                if http_get(base_url + BARE_PATH)[0] == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not serving after {timeout} s:\n{log_path.read_text(errors='replace')}")


def http_get(url: str, *, token: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def http_post_json(url: str, payload: dict, *, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json",
    })
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


# --- memory ------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MiB, 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(sum, largest) of the resident memory of a process and all its descendants, in MiB.

    The sum counts the pages a forked child still shares with its parent once per process: an upper bound."""
    sizes = [rss_mb(p) for p in [pid, *worker_module.descendants(pid)]]
    return sum(sizes), max(sizes, default=0.0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14 and 15)


def tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its living descendants: where the cores went during a run."""
    return sum(cpu_seconds(p) for p in [pid, *worker_module.descendants(pid)])


class PeakRss:
    """Samples the resident memory of process trees in a thread until stopped; keeps each tree's peaks."""

    def __init__(self, roots: dict[str, int], *, every: float = 0.25):
        self.roots = roots
        self.every = every
        self.peak_total = {name: 0.0 for name in roots}
        self.peak_process = {name: 0.0 for name in roots}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def sample(self) -> None:
        for name, pid in self.roots.items():
            total, largest = tree_rss_mb(pid)
            self.peak_total[name] = max(self.peak_total[name], total)
            self.peak_process[name] = max(self.peak_process[name], largest)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# --- PostgreSQL's own rate for single-row inserts -------------------------------------------------

SCRATCH_TABLE = "bench_insert_scratch"
PGBENCH_SCRIPT = f"INSERT INTO {SCRATCH_TABLE} (body, created_at) VALUES ('one row, one commit', now());\n"


def parse_pgbench_tps(output: str) -> float:
    """The `tps = N (without initial connection time)` line of pgbench's report (older versions: "excluding")."""
    match = re.search(r"^tps = ([0-9.]+) \((without|excluding) (initial )?connection", output, re.MULTILINE)
    if not match:
        raise ValueError(f"no tps line in pgbench's output:\n{output}")
    return float(match.group(1))


@contextmanager
def scratch_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
        cursor.execute(f"CREATE TABLE {SCRATCH_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL, "
                       "created_at timestamptz NOT NULL)")
    try:
        yield SCRATCH_TABLE
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")


def pg_inserts_per_s(*, seconds: float, clients: int, out_dir: Path) -> tuple[float, str]:
    """Single-row INSERTs, each its own committed transaction, on the test database: (rate, how it was measured).

    pgbench when the machine has it (`-c clients -j clients -T seconds`), else a psycopg loop on one connection."""
    with scratch_table():
        pgbench = shutil.which("pgbench")
        if pgbench:
            script = out_dir / "insert.sql"
            script.write_text(PGBENCH_SCRIPT)
            db = connection.settings_dict
            env = {**os.environ, "PGHOST": db.get("HOST") or "localhost", "PGPORT": str(db.get("PORT") or 5432),
                   "PGUSER": db.get("USER") or "", "PGPASSWORD": db.get("PASSWORD") or "", "PGDATABASE": db["NAME"]}
            finished = subprocess.run(
                [pgbench, "--no-vacuum", "--client", str(clients), "--jobs", str(clients), "--time",
                 str(max(1, round(seconds))), "--file", str(script)],
                env=env, capture_output=True, text=True, timeout=seconds + 60, check=True,
            )
            return parse_pgbench_tps(finished.stdout), f"pgbench, {clients} clients"
        return _psycopg_loop(seconds), "psycopg loop, 1 connection"


def _psycopg_loop(seconds: float) -> float:
    done, deadline = 0, time.monotonic() + seconds
    start = time.monotonic()
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(PGBENCH_SCRIPT)  # autocommit outside a transaction: one commit per row
            done += 1
    return done / (time.monotonic() - start)
