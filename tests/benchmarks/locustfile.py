"""What the load benchmark's simulated users do; run by locust in its own virtualenv (tests/benchmarks/test_load.py).

One user class per measured figure, chosen on locust's command line, so each run measures one kind of request:

    locust -f locustfile.py --headless -u 8 -r 8 -t 20s --host http://127.0.0.1:8000 TicketCreator

`BENCH_LOAD_ACCOUNTS` names a JSON file written by the benchmark: {"customers": [token, ...], "agents": [token, ...]}.
Users wait for nothing between requests (a closed loop): the figure is the most the server gives.
This file imports only locust and the standard library; Supportdesk is not installed where it runs.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task

_accounts = None
_turns = {}


def accounts() -> dict:
    global _accounts
    if _accounts is None:
        with open(os.environ["BENCH_LOAD_ACCOUNTS"]) as file:
            _accounts = json.load(file)
    return _accounts


def next_token(role: str) -> str:
    """The accounts of a role in turn, so that each user of the run speaks for one of them (and none is throttled)."""
    if role not in _turns:
        _turns[role] = itertools.cycle(accounts()[role])
    return next(_turns[role])


class _TokenUser(FastHttpUser):
    abstract = True
    role = ""
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Token {next_token(self.role)}", "Accept": "application/json"}


class BareView(FastHttpUser):
    """The framework's ceiling: a view that returns "ok" through the whole middleware stack."""

    wait_time = constant(0)

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="bare")


class TicketCreator(_TokenUser):
    """A customer opening tickets through the API (201 expected; anything else counts as an error)."""

    role = "customers"

    @task
    def create(self):
        self.counter = getattr(self, "counter", 0) + 1
        with self.client.post("/api/v1/tickets/", name="create", headers=self.headers, catch_response=True, json={
            "subject": f"Load test ticket {self.counter}",
            "description": "The invoice I downloaded shows the wrong billing address.",
            "category": "technical",
        }) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")


class TicketListReader(_TokenUser):
    """An agent reading the first page of the tickets they may see (their team's), newest first."""

    role = "agents"

    @task
    def list(self):
        with self.client.get("/api/v1/tickets/", name="list", headers=self.headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
