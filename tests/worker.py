"""Starts a real Celery worker process against the test database and broker."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def test_database_url() -> str:
    """The URL of the database the tests are using right now (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"])
        host = db.get("HOST") or "localhost"
        port = db.get("PORT") or 5432
        return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"
    raise RuntimeError(f"no worker support for {connection.vendor}")


def purge_broker() -> None:
    """Leftovers of an earlier, interrupted run are not ours: empty every queue we consume."""
    from supportdesk.celery import app

    with app.connection_for_write() as connection:
        for queue in settings.CELERY_WORKER_QUEUES.split(","):
            with connection.channel() as channel:
                try:
                    channel.queue_purge(queue)
                except Exception:  # noqa: BLE001 - a queue that does not exist yet holds nothing
                    pass


@contextmanager
def celery_worker(log_path: Path, *extra_args: str, env_overrides: dict | None = None):
    """A worker process that consumes the test broker; stopped (warm shutdown) on exit."""
    purge_broker()
    env = worker_environment(env_overrides)
    command = [
        sys.executable, "-m", "celery", "-A", "supportdesk", "worker", "--loglevel=INFO",
        "--concurrency=2", "--without-mingle", "--without-gossip", "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
        "--queues", settings.CELERY_WORKER_QUEUES, *extra_args,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            stop_process(process)


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process, *, grace: float = 20) -> None:
    """A clean stop (SIGTERM), or SIGKILL when it takes longer than `grace` seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(predicate, *, timeout: float, what: str, log_path: Path | None = None):
    """Polls until predicate() is truthy: the worker is another process, on its own clock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    worker_log = log_path.read_text(errors="replace")[-4000:] if log_path and log_path.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n--- worker log ---\n{worker_log}")


def worker_environment(env_overrides: dict | None = None) -> dict:
    """What a worker or beat process started by a test runs with: the test database, the real broker."""
    return {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "0", **(env_overrides or {})}


@contextmanager
def celery_beat(log_path: Path, *extra_args: str, env_overrides: dict | None = None):
    """A beat process (django-celery-beat's DatabaseScheduler, as in production) publishing CELERY_BEAT_SCHEDULE
    to the test broker; stopped (SIGTERM) on exit.

    It reads the schedule from the test database, where it writes the settings' entries when it starts, so
    env_overrides such as {"INVOICE_SWEEP_SECONDS": "1"} change the intervals. Start it after `celery_worker`,
    which empties the queues when it starts. Stop it before the test's database is flushed: a transactional
    test's teardown does, and the `with` block ends first.
    """
    command = [
        sys.executable, "-m", "celery", "-A", "supportdesk", "beat", "--loglevel=INFO",
        "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--max-interval", "1", *extra_args,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=worker_environment(env_overrides), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            stop_process(process)


def sigkill_worker(process) -> None:
    """SIGKILL for a worker and its pool processes at once, parent first (as the machine or the OOM killer would):
    whatever it held (ETA tasks, unacknowledged messages) is gone with it.

    The parent goes first, so that it cannot hand a requeued task to a fresh
    pool process; the pool processes next, so that none finishes its work."""
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(10)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found
