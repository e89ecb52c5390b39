"""Starts a real Celery worker process against the test database and broker."""

import os
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
    env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "0", **(env_overrides or {})}
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
            process.terminate()
            try:
                process.wait(20)
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
