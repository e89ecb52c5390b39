"""Supportdesk and its nearest peer, django-helpdesk, side by side: same data size, same run, same client.

Run with `make bench` or `.venv/bin/pytest tests/benchmarks/test_peer.py -s`. The first run creates the peer's
virtualenv under BENCH_PEER_DIR (var/bench/peer) and installs tests/benchmarks/peer/requirements.txt into it.

Both sides get BENCH_PEER_SIZE (100,000) open tickets with two messages (follow-ups) each, loaded with SQL, on
the same engine: PostgreSQL when DATABASE_URL names it (the peer in database `bench_peer`), else SQLite (the
peer in a file of the working folder). Each is served by gunicorn, one sync worker on 127.0.0.1, DEBUG on as
in both defaults, and measured from this process by one http.client-based client, logged in through each
app's own login form. Medians of BENCH_PEER_RUNS (10) requests after 2 warm-ups (the peer's list, seconds a
request: BENCH_PEER_SLOW_RUNS (5) after 1):

- peer_list_ms: the JSON behind the peer's ticket list page (datatables_ticket_list, first page of 25), vs
  our_list_ms_same_client: GET /api/v1/tickets/ (first page of 25) as the head of support, who sees them all.
  peer_list_ratio = peer / ours; goal: at least 20. peer_list_queries: SQL queries of one peer list request.
- peer_ticket_page_ms vs our_ticket_page_ms: the staff page of one ticket (/tickets/<id>/ vs /agent/tickets/<id>/).
- peer_create_ms vs our_create_ms: a new ticket through the peer's staff form vs POST /api/v1/tickets/ by a
  customer.
- peer_escalate_s vs our_sweep_s: `manage.py escalate_tickets` vs `manage.py sla_sweep`, nothing due, each a new
  process (interpreter and Django start included), median of BENCH_PEER_COMMAND_RUNS (3); and
  peer_escalate_pass_ms vs our_sweep_pass_ms: the same commands called in one process that started Django once,
  the median of BENCH_PEER_RUNS passes after one, which is what a scheduler running them in a worker pays.
"""

import os
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from supportdesk.models import User
from tests import worker
from tests.benchmarks import peer_helpers as peer
from tests.benchmarks import sla_helpers as sla
from tests.benchmarks.report import Goal, Of
from tests.factories import HeadFactory
from tickets.models import Ticket

SIZE = int(os.environ.get("BENCH_PEER_SIZE", "100000"))
RUNS = int(os.environ.get("BENCH_PEER_RUNS", "10"))
# The peer's list takes seconds a request at the default size: fewer runs, one warm-up, to stay in the budget.
SLOW_RUNS = int(os.environ.get("BENCH_PEER_SLOW_RUNS", "5"))
COMMAND_RUNS = int(os.environ.get("BENCH_PEER_COMMAND_RUNS", "3"))
RATIO_GOAL = 20
OUR_PASSWORD = "bench-our-password-1"  # noqa: S105 - throwaway users of a local benchmark
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def peer_python():
    return peer.ensure_venv()


@pytest.fixture
def peer_side(peer_python, tmp_path):
    """The peer migrated and loaded with SIZE tickets, served by gunicorn: (client logged in as staff, ids)."""
    folder = peer.work_dir()
    database_url = peer.peer_database_url(connection.settings_dict, connection.vendor, folder)
    if connection.vendor == "postgresql":
        peer.ensure_pg_database(connection.settings_dict, database_url.rsplit("/", 1)[1])
    env = peer.peer_env(database_url, folder)
    peer.run_peer(peer_python, ["migrate", "--noinput"], env, timeout=900)
    ids = peer.bootstrap_peer(peer_python, env)
    with peer.peer_connection(database_url) as (db, vendor):
        peer.clear_peer_tickets(db, vendor)
        tickets, followups = peer.load_peer_tickets(db, vendor, count=SIZE, queue_id=ids["queue_id"],
                                                    user_id=ids["user_id"])
    assert (tickets, followups) == (SIZE, SIZE * peer.FOLLOWUPS_PER_TICKET)
    port = peer.free_port()
    command = peer.gunicorn_command(peer_python.parent / "gunicorn", "wsgi:application", port)
    with peer.serving(command, env=env, cwd=peer.PEER_PROJECT, log=tmp_path / "peer-gunicorn.log", port=port):
        client = peer.Client(port)
        client.login("/login/", peer.STAFF_USERNAME, peer.STAFF_PASSWORD)
        yield client, {**ids, "env": env, "python": peer_python, "version": peer.peer_version(peer_python)}


@pytest.fixture
def our_side(transactional_db, tmp_path):
    """Supportdesk with SIZE open tickets, two messages each, served by gunicorn: (head's client, customer's)."""
    population = sla.sweep_population()
    sla.bulk_load_open_tickets(SIZE, population=population)
    with connection.cursor() as cursor:
        messages = peer.add_our_messages(cursor, connection.vendor)
    assert messages == SIZE * peer.FOLLOWUPS_PER_TICKET
    head = HeadFactory(username="bench-head")
    customer = User.objects.get(pk=population.customer_ids[0])
    # The test settings hash with MD5, which the server (default settings) does not accept.
    User.objects.filter(pk__in=[head.pk, customer.pk]).update(
        password=make_password(OUR_PASSWORD, hasher=PBKDF2PasswordHasher()))
    sla.refresh_statistics()
    port = peer.free_port()
    env = {**os.environ, "DATABASE_URL": worker.test_database_url(), "API_THROTTLE_USER": "100000/minute"}
    command = peer.gunicorn_command(Path(sys.executable).parent / "gunicorn", "supportdesk.wsgi:application", port)
    with peer.serving(command, env=env, cwd=BASE_DIR, log=tmp_path / "our-gunicorn.log", port=port):
        agent, customer_client = peer.Client(port), peer.Client(port)
        agent.login("/login/", head.username, OUR_PASSWORD)
        customer_client.login("/login/", customer.username, OUR_PASSWORD)
        yield agent, customer_client, env


def test_peer_side_by_side(peer_side, our_side, bench_report):
    peer_client, peer_ids = peer_side
    our_agent, our_customer, our_env = our_side
    size = f"{SIZE:,} tickets, {connection.vendor}"
    print(f"\n[bench] peer: {peer_ids['version']}")

    # The ticket list: the JSON the peer's list page asks for, against our API's first page.
    page = peer_client.get("/tickets/")
    assert page.status == 200, page.status
    found = re.search(r'"url":\s*"(/datatables_ticket_list/[^"]+)"', page.text)
    assert found, "no datatables URL in the peer's ticket list page"
    peer_list_path = found.group(1) + "?draw=1&start=0&length=25"
    peer_list = peer_client.get(peer_list_path)
    assert peer_list.status == 200 and peer_list.json()["recordsTotal"] == SIZE, peer_list.text[:300]
    assert len(peer_list.json()["data"]) == 25
    peer_list_queries = int(peer_list.headers["x-query-count"])
    our_list = our_agent.get("/api/v1/tickets/", Accept="application/json")
    assert our_list.status == 200 and len(our_list.json()["results"]) == 25, our_list.text[:300]

    peer_list_ms = _median_ms(peer_client, peer_list_path, runs=SLOW_RUNS, warmups=1)
    our_list_ms = _median_ms(our_agent, "/api/v1/tickets/", Accept="application/json")

    # One ticket's staff page, a ticket from the middle of the load.
    peer_ticket = peer_client.get(f"/tickets/{SIZE // 2}/")
    assert peer_ticket.status == 200, peer_ticket.status
    our_ticket_id = Ticket.objects.order_by("id").values_list("id", flat=True)[SIZE // 2]
    assert our_agent.get(f"/agent/tickets/{our_ticket_id}/").status == 200
    peer_ticket_ms = _median_ms(peer_client, f"/tickets/{SIZE // 2}/")
    our_ticket_ms = _median_ms(our_agent, f"/agent/tickets/{our_ticket_id}/")

    # Creating a ticket: the peer's staff form, our API as a customer.
    def peer_create():
        answer = peer_client.post_form("/tickets/submit/", {
            "queue": peer_ids["queue_id"], "title": "Printer on fire", "body": "It is on fire.", "priority": 3,
            "submitter_email": "customer1@example.com", "assigned_to": "", "due_date": "",
        })
        assert answer.status == 302, f"{answer.status} {peer.hidden_errors(answer.text)}"

    def our_create():
        answer = our_customer.post_json("/api/v1/tickets/", {
            "subject": "Printer on fire", "description": "It is on fire.", "category": "technical"})
        assert answer.status == 201, answer.text[:300]

    peer_create_ms = peer.median(peer.timed_ms(peer_create, runs=RUNS))
    our_create_ms = peer.median(peer.timed_ms(our_create, runs=RUNS))

    # The periodic escalation: one run of each command, nothing due, as a new process each time.
    peer_escalate_s = peer.median(peer.timed_command_s(
        [str(peer_ids["python"]), "-m", "django", "escalate_tickets"], env=peer_ids["env"], cwd=peer.PEER_PROJECT,
        runs=COMMAND_RUNS))
    our_sweep_s = peer.median(peer.timed_command_s(
        [sys.executable, "manage.py", "sla_sweep"], env=our_env, cwd=BASE_DIR, runs=COMMAND_RUNS))
    # The same passes without the process start: Django set up once, then the command called RUNS times.
    peer_escalate_pass_ms = peer.median(peer.command_pass_ms(
        peer_ids["python"], "escalate_tickets", env=peer_ids["env"], cwd=peer.PEER_PROJECT, runs=RUNS))
    our_sweep_pass_ms = peer.median(peer.command_pass_ms(
        Path(sys.executable), "sla_sweep", env={**our_env, "DJANGO_SETTINGS_MODULE": "supportdesk.settings"},
        cwd=BASE_DIR, runs=RUNS))

    same = "same client, gunicorn 1 worker"
    bench_report.record("our_list_ms_same_client", our_list_ms, unit="ms", stat="median", size=size,
                        note=f"GET /api/v1/tickets/ page 1, {same}")
    bench_report.record("peer_list_ms", peer_list_ms, unit="ms", stat="median", size=size,
                        reference=Of("our_list_ms_same_client"),
                        note=f"{peer_ids['version']}: datatables_ticket_list page 1, {same}, {SLOW_RUNS} runs")
    bench_report.record("peer_size", SIZE, unit="tickets", stat="count", size=size)
    bench_report.record("peer_list_ratio", peer_list_ms / our_list_ms, unit="×", stat="ratio of medians",
                        size=size, reference=Goal(RATIO_GOAL, f"goal ≥ {RATIO_GOAL}×", higher_is_better=True))
    bench_report.record("peer_list_queries", peer_list_queries, unit="queries", stat="count", size=size)
    bench_report.record("our_ticket_page_ms", our_ticket_ms, unit="ms", stat="median", size=size)
    bench_report.record("peer_ticket_page_ms", peer_ticket_ms, unit="ms", stat="median", size=size,
                        reference=Of("our_ticket_page_ms"))
    bench_report.record("our_create_ms", our_create_ms, unit="ms", stat="median", size=size)
    bench_report.record("peer_create_ms", peer_create_ms, unit="ms", stat="median", size=size,
                        reference=Of("our_create_ms"))
    bench_report.record("our_sweep_s", our_sweep_s, unit="s", stat="median", size=size,
                        note="manage.py sla_sweep, nothing due, process start included")
    bench_report.record("peer_escalate_s", peer_escalate_s, unit="s", stat="median", size=size,
                        reference=Of("our_sweep_s"), note="manage.py escalate_tickets, nothing due")
    bench_report.record("our_sweep_pass_ms", our_sweep_pass_ms, unit="ms", stat="median", size=size,
                        note="call_command('sla_sweep') in a started process, nothing due")
    bench_report.record("peer_escalate_pass_ms", peer_escalate_pass_ms, unit="ms", stat="median", size=size,
                        reference=Of("our_sweep_pass_ms"), note="call_command('escalate_tickets'), nothing due")
    bench_report.note(f"Peer: {peer_ids['version']}, {size}, gunicorn 1 sync worker each, DEBUG on both sides; "
                      f"list {peer_list_ms:.0f} ms and {peer_list_queries} queries per request vs ours "
                      f"{our_list_ms:.1f} ms: {peer_list_ms / our_list_ms:.1f}× faster.")
    for name, ours, theirs in (("list", our_list_ms, peer_list_ms), ("ticket page", our_ticket_ms, peer_ticket_ms),
                               ("create", our_create_ms, peer_create_ms),
                               ("sweep vs escalate_tickets", our_sweep_s, peer_escalate_s),
                               ("one pass, process started", our_sweep_pass_ms, peer_escalate_pass_ms)):
        print(f"[bench] {name}: peer / Supportdesk = {theirs / ours:.2f}")


def _median_ms(client, path, *, runs=RUNS, warmups=2, **headers) -> float:
    def fetch():
        answer = client.get(path, **headers)
        assert answer.status == 200, f"GET {path}: {answer.status}"

    return peer.median(peer.timed_ms(fetch, runs=runs, warmups=warmups))
