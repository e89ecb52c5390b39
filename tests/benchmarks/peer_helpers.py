"""The pieces of tests/benchmarks/test_peer.py: the peer's virtualenv and database, the SQL loaders of both
sides, the two web servers, and the one HTTP client that measures both.

The peer is django-helpdesk, pinned in tests/benchmarks/peer/requirements.txt and installed in its own
virtualenv under the benchmark's working folder (BENCH_PEER_DIR, default var/bench/peer); it is never a
dependency of Supportdesk. Only the standard library is imported here, so that tests/bench_smoke can run the
loaders and the client's helpers without the peer.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.benchmarks.stats import median, percentile  # noqa: F401 - peer.median in test_peer
from tests.worker import free_port, stop_process  # noqa: F401 - peer.free_port in test_peer

REPO = Path(__file__).resolve().parents[2]
PEER_PROJECT = Path(__file__).resolve().parent / "peer"
REQUIREMENTS = PEER_PROJECT / "requirements.txt"
STAFF_USERNAME = "bench-staff"
STAFF_PASSWORD = "bench-peer-password-1"  # noqa: S105 - a throwaway user of a local benchmark
FOLLOWUPS_PER_TICKET = 2  # as the list benchmarks of Supportdesk: two messages per ticket


def work_dir() -> Path:
    return Path(os.environ.get("BENCH_PEER_DIR", REPO / "var" / "bench" / "peer"))


# --- numbers --------------------------------------------------------------------------------------






def timed_ms(action, *, runs: int, warmups: int = 2) -> list[float]:
    """Milliseconds of each of `runs` calls of action(), after `warmups` calls that are not counted."""
    for _ in range(warmups):
        action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# --- the peer's virtualenv ------------------------------------------------------------------------


def venv_python(folder: Path | None = None) -> Path:
    return (folder or work_dir()) / "venv" / "bin" / "python"


def ensure_venv(folder: Path | None = None) -> Path:
    """Creates the peer's virtualenv and installs the pinned requirements, once per version of the file."""
    folder = folder or work_dir()
    python = venv_python(folder)
    stamp = folder / "venv" / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    folder.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        # The system's Python, not Supportdesk's virtualenv: nothing of ours leaks into the peer.
        base = getattr(sys, "_base_executable", None) or sys.executable
        subprocess.run([base, "-m", "venv", str(folder / "venv")], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted + "\n")
    return python


def peer_version(python: Path) -> str:
    """"django-helpdesk 2.6.1 on Django 5.2.19", as installed in the peer's virtualenv."""
    code = ("from importlib.metadata import version as v; "
            "print(f\"django-helpdesk {v('django-helpdesk')} on Django {v('Django')}\")")
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def peer_env(database_url: str, folder: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update({"DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(PEER_PROJECT),
                "PEER_DATABASE_URL": database_url, "PEER_WORK_DIR": str(folder or work_dir())})
    return env


def peer_database_url(settings_dict: dict, vendor: str, folder: Path | None = None) -> str:
    """The peer's database, on the engine Supportdesk uses in this run: PostgreSQL `bench_peer`
    (BENCH_PEER_DATABASE) on the same server, else a SQLite file in the working folder."""
    if vendor == "postgresql":
        user = settings_dict.get("USER") or "postgres"
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{os.environ.get('BENCH_PEER_DATABASE', 'bench_peer')}"
    return f"sqlite:///{(folder or work_dir()) / 'peer.sqlite3'}"


def ensure_pg_database(settings_dict: dict, name: str) -> None:
    """CREATE DATABASE name, unless it exists (through Supportdesk's psycopg, on the server's `postgres`)."""
    import psycopg

    with psycopg.connect(host=settings_dict.get("HOST") or "localhost", port=settings_dict.get("PORT") or 5432,
                         user=settings_dict.get("USER") or "postgres", password=settings_dict.get("PASSWORD") or None,
                         dbname="postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def peer_connection(database_url: str):
    """A DB-API connection to the peer's database (psycopg or sqlite3), committed on a clean exit."""
    if database_url.startswith("sqlite:///"):
        import sqlite3

        connection = sqlite3.connect(database_url[len("sqlite:///"):], timeout=30)
        vendor = "sqlite"
    else:
        import psycopg

        connection = psycopg.connect(database_url.replace("postgres://", "postgresql://", 1))
        vendor = "postgresql"
    try:
        yield connection, vendor
        connection.commit()
    finally:
        connection.close()


def run_peer(python: Path, args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    """`python -m django <args>` in the peer's project, e.g. ["migrate", "--noinput"]."""
    return subprocess.run([str(python), "-m", "django", *args], cwd=PEER_PROJECT, env=env, check=True,
                          capture_output=True, text=True, **kwargs)


def bootstrap_peer(python: Path, env: dict) -> dict:
    """The staff user and the queue, through the peer's own models; {"user_id": ..., "queue_id": ...}."""
    done = subprocess.run([str(python), str(PEER_PROJECT / "bootstrap.py"), STAFF_USERNAME, STAFF_PASSWORD],
                          cwd=PEER_PROJECT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- SQL loaders ----------------------------------------------------------------------------------

_PEER_TICKET_COLUMNS = ("title, created, modified, submitter_email, status, on_hold, description, priority, "
                        "queue_id, assigned_to_id, secret_key")

_PEER_PG_TICKETS = f"""
INSERT INTO helpdesk_ticket ({_PEER_TICKET_COLUMNS})
SELECT 'Bulk ticket ' || n, %(now)s::timestamptz - make_interval(secs => %(count)s - n),
       %(now)s::timestamptz - make_interval(secs => %(count)s - n), 'customer' || (n %% 50) || '@example.com',
       1, false, 'Loaded by the peer benchmark.', 3, %(queue)s, %(user)s, md5(n::text)
FROM generate_series(1, %(count)s) AS n
"""

# Follow-ups for every ticket, on both engines: the tickets times a two-row table.
_FOLLOWUPS = """
INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, user_id, email_recipients)
SELECT t.id, t.created, 'Comment', 'Follow-up ' || k.n || ' of the peer benchmark.', {true}, {user}, NULL
FROM helpdesk_ticket AS t CROSS JOIN ({numbers}) AS k
"""


def _numbers(count: int) -> str:
    return " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, count + 1))


def clear_peer_tickets(connection, vendor: str) -> None:
    """Empties the peer's tickets and everything hanging from them (an earlier run's load and creations)."""
    cursor = connection.cursor()
    if vendor == "postgresql":
        cursor.execute("TRUNCATE helpdesk_ticket RESTART IDENTITY CASCADE")
        return
    cursor.execute("PRAGMA foreign_keys = OFF")
    tables = [row[0] for row in cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'helpdesk_%' AND sql LIKE '%ticket%'"
    ).fetchall()]
    for table in tables:  # the tickets and every table that refers to them (follow-ups, changes, CCs ...)
        if table not in ("helpdesk_queue", "helpdesk_usersettings", "helpdesk_kbitem", "helpdesk_kbcategory"):
            cursor.execute(f'DELETE FROM "{table}"')
    cursor.execute("DELETE FROM sqlite_sequence WHERE name LIKE 'helpdesk_%'")


def load_peer_tickets(connection, vendor: str, *, count: int, queue_id: int, user_id: int,
                      now: datetime | None = None, followups: int = FOLLOWUPS_PER_TICKET) -> tuple[int, int]:
    """Adds `count` open tickets of priority 3 (normal), created in the last `count` seconds, each with
    `followups` follow-ups; generate_series on PostgreSQL, executemany on SQLite. Returns (tickets, follow-ups)."""
    now = now or datetime.now(timezone.utc)
    cursor = connection.cursor()
    if vendor == "postgresql":
        cursor.execute(_PEER_PG_TICKETS, {"now": now, "count": count, "queue": queue_id, "user": user_id})
        cursor.execute(_FOLLOWUPS.format(true="true", user=int(user_id), numbers=_numbers(followups)))
        followups_added = cursor.rowcount
        cursor.execute("ANALYZE helpdesk_ticket")
        cursor.execute("ANALYZE helpdesk_followup")
    else:
        rows = (
            (f"Bulk ticket {n}", _sqlite_time(now - timedelta(seconds=count - n)),
             _sqlite_time(now - timedelta(seconds=count - n)), f"customer{n % 50}@example.com", 1, 0,
             "Loaded by the peer benchmark.", 3, queue_id, user_id, hashlib.md5(str(n).encode()).hexdigest())
            for n in range(1, count + 1)
        )
        cursor.executemany(f"INSERT INTO helpdesk_ticket ({_PEER_TICKET_COLUMNS}) "
                           f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        cursor.execute(_FOLLOWUPS.format(true="1", user=int(user_id), numbers=_numbers(followups)))
        followups_added = cursor.rowcount
        cursor.execute("ANALYZE")
    return count, followups_added


def _sqlite_time(moment: datetime) -> str:
    """As Django's SQLite backend stores an aware datetime: naive UTC, ISO with a space."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


_OUR_MESSAGES = """
INSERT INTO tickets_ticketmessage (ticket_id, author_id, body, internal, created_at)
SELECT t.id, t.customer_id, 'Message ' || k.n || ' of the peer benchmark.', {false}, t.created_at
FROM tickets_ticket AS t CROSS JOIN ({numbers}) AS k
"""


def add_our_messages(cursor, vendor: str, *, per_ticket: int = FOLLOWUPS_PER_TICKET) -> int:
    """Gives every Supportdesk ticket `per_ticket` replies from its customer, in one INSERT ... SELECT."""
    cursor.execute(_OUR_MESSAGES.format(false="false" if vendor == "postgresql" else "0",
                                        numbers=_numbers(per_ticket)))
    return cursor.rowcount


# --- servers --------------------------------------------------------------------------------------




@contextmanager
def serving(command: list[str], *, env: dict, cwd: Path, log: Path, port: int, ready_path: str = "/login/",
            timeout: float = 60):
    """A web server process, once it answers on 127.0.0.1:port; stopped (SIGTERM, then SIGKILL) on exit."""
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
                try:
                    if Client(port).get(ready_path).status < 500:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no answer on port {port} after {timeout}s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield process
        finally:
            stop_process(process, grace=15)


def gunicorn_command(gunicorn: Path, app: str, port: int, *extra: str) -> list[str]:
    """One sync worker on 127.0.0.1, the same for both sides."""
    return [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
            "--access-logfile", "-", *extra, app]


def timed_command_s(command: list[str], *, env: dict, cwd: Path, runs: int) -> list[float]:
    """Seconds of each of `runs` runs of a command as a new process (interpreter start included)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        timings.append(time.perf_counter() - started)
    return timings


_PASSES = """
import io, json, sys, time
import django
django.setup()
from django.core.management import call_command
name, runs = sys.argv[1], int(sys.argv[2])
timings = []
for _ in range(runs + 1):  # the first pass warms up
    started = time.perf_counter()
    call_command(name, stdout=io.StringIO())
    timings.append((time.perf_counter() - started) * 1000)
print(json.dumps(timings[1:]))
"""


def command_pass_ms(python: Path, name: str, *, env: dict, cwd: Path, runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls of a management command in one process that started Django once."""
    done = subprocess.run([str(python), "-c", _PASSES, name, str(runs)], env=env, cwd=cwd, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the one client -------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Client:
    """A logged-in browser, as far as the benchmark needs one: cookies, CSRF, one new connection per request.

    Both sides are measured with this class, in this process, over http.client."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            for value in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        finally:
            connection.close()

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict) -> Response:
        token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, body=urlencode({"csrfmiddlewaretoken": token, **fields}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token,
                                     "Referer": f"http://{self.host}:{self.port}{path}"})

    def post_json(self, path: str, data: dict) -> Response:
        token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, body=json.dumps(data).encode(),
                            headers={"Content-Type": "application/json", "Accept": "application/json",
                                     "X-CSRFToken": token, "Referer": f"http://{self.host}:{self.port}{path}"})

    def login(self, path: str, username: str, password: str) -> None:
        """Through the app's login form: GET it for the CSRF cookie, POST it, expect a redirect and a session."""
        form = self.get(path)
        assert form.status == 200, f"GET {path}: {form.status}"
        answer = self.post_form(path, {"username": username, "password": password})
        assert answer.status == 302 and "sessionid" in self.cookies, \
            f"login as {username} at {path} failed: {answer.status} {hidden_errors(answer.text)}"


def hidden_errors(html: str) -> str:
    """The error lists of a form page, to say why a POST was refused."""
    return " ".join(re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', html, flags=re.S))[:500]
