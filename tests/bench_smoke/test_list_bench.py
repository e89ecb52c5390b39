"""The list benchmarks' code (tests/benchmarks/list_helpers.py), run with a few dozen tickets in the normal suite on
whichever database is active, so that it cannot rot; and the pieces that keep those lists fast whatever their size:
counts that stop at a limit, and (on PostgreSQL) the indexes the pages are read from."""

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from supportdesk.api import pagination
from supportdesk.api.pagination import CappedPaginator
from supportdesk.models import User
from tests.benchmarks import list_helpers as bench
from tickets import selectors
from tickets.models import Status, Ticket, TicketEvent, TicketMessage
from tickets.views import agent as agent_views
from tickets.views.listing import UncountedPaginator, nearest_deadline_first


@pytest.fixture
def helpdesk(db):
    helpdesk = bench.helpdesk_population(teams=2, agents_per_team=2, customers=3)
    bench.bulk_load_tickets(50, helpdesk=helpdesk)
    return helpdesk


@pytest.fixture
def web(helpdesk):
    client = Client()
    client.force_login(User.objects.get(pk=helpdesk.agent_id))
    return client


def test_the_loader_makes_tickets_with_two_messages_and_three_events_each(helpdesk):
    bench.bulk_load_tickets(50, helpdesk=helpdesk)  # a second load grows the table

    assert Ticket.objects.count() == 100
    assert TicketMessage.objects.count() == 200 and TicketEvent.objects.count() == 300
    assert Ticket.objects.filter(team_id=helpdesk.team_ids[0]).count() == 50
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.OPEN, Status.NEW, Status.ESCALATED} <= statuses
    assert not Ticket.objects.filter(status=Status.NEW, assignee__isnull=False).exists()


def test_the_queue_and_the_api_list_are_timed_and_their_queries_counted(helpdesk, web):
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user_id=helpdesk.agent_id).key}")

    queue = bench.time_page(web, "/agent/?tab=all&page=2", runs=3, warmups=1)
    listing = bench.time_page(api, "/api/v1/tickets/?page=2&page_size=10", runs=3, warmups=1)

    for timing in (queue, listing):
        assert len(timing.timings_ms) == 3 and 0 < timing.median_ms <= timing.p95_ms
        assert 0 < timing.queries <= 12 and len(timing.sql) == timing.queries
    assert "tickets_ticket" in bench.explain(max(listing.sql)[1])
    assert bench.size_label(1_000_000) == "1m" and bench.size_label(100_000) == "100k"


def test_queue_counts_stop_at_the_limit_and_pages_go_on_beyond_it(helpdesk, web, monkeypatch):
    monkeypatch.setattr(agent_views, "QUEUE_COUNT_LIMIT", 10)
    monkeypatch.setattr(agent_views, "QUEUE_PAGE_SIZE", 10)
    assert Ticket.objects.filter(team_id=helpdesk.team_ids[0]).count() == 25  # the agent's team: more than 10

    first = web.get("/agent/?tab=all").content.decode()
    third = web.get("/agent/?tab=all&page=3").content.decode()
    counts = web.get("/agent/tab-counts/?tab=all").content.decode()
    beyond = web.get("/agent/?tab=all&page=99")

    assert '<span class="count">10+</span>' in counts and 'class="count"' not in first  # the page never counts
    assert 'rel="next"' in first and "Page 1 of" not in first
    assert third.count("<tr class=") == 5 and 'rel="next"' not in third and 'rel="prev"' in third
    assert beyond.status_code == 200 and 'rel="prev"' in beyond.content.decode()  # past the end: the way back


def test_the_capped_paginator_is_exact_below_its_limit_and_a_lower_bound_above(helpdesk):
    tickets = Ticket.objects.order_by("pk")

    exact = CappedPaginator(tickets, 20, limit=100)
    capped = CappedPaginator(tickets, 20, limit=30)

    assert (exact.count, exact.count_is_exact, exact.num_pages) == (50, True, 3)
    assert (capped.count, capped.count_is_exact) == (30, False)
    last = capped.page(3)  # beyond the 30 counted: read, and the count grows with it
    assert len(last) == 10 and not last.has_next() and capped.count == 50
    assert capped.page(2).has_next()
    queue_order = nearest_deadline_first(Ticket.objects.all())
    assert list(CappedPaginator(queue_order, 20, limit=30).page(2)) == list(queue_order[20:40])  # keys first
    assert list(CappedPaginator(queue_order, 20, limit=100).page(3)) == list(queue_order[40:60])
    counts = selectors.ticket_count_each({"all": tickets, "new": tickets.filter(status=Status.NEW)}, limit=10)
    assert counts == {"all": 11, "new": Ticket.objects.filter(status=Status.NEW).count()}
    uncounted = UncountedPaginator(queue_order, 20)  # the queue's pages: one query each, no count
    assert list(uncounted.page(2)) == list(queue_order[20:40]) and uncounted.page(2).has_next()
    assert len(uncounted.page(3)) == 10 and not uncounted.page(3).has_next() and len(uncounted.page(9)) == 0


def test_the_api_list_says_whether_its_count_is_exact(helpdesk, monkeypatch):
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user_id=helpdesk.agent_id).key}")
    exact = api.get("/api/v1/tickets/?page_size=10").json()
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 10)

    first = api.get("/api/v1/tickets/?page_size=10").json()
    last = api.get("/api/v1/tickets/?page_size=10&page=3").json()

    assert (exact["count"], exact["count_is_exact"]) == (25, True)  # the agent's team holds 25
    assert (first["count"], first["count_is_exact"], len(first["results"])) == (10, False, 10) and first["next"]
    assert (last["count"], last["count_is_exact"], len(last["results"]), last["next"]) == (25, False, 5, None)
    assert api.get("/api/v1/tickets/?page_size=10&page=4").status_code == 404


def test_the_pages_are_read_from_their_indexes_on_postgresql(helpdesk, web):
    if connection.vendor != "postgresql":
        pytest.skip("expression indexes and their plans are checked on PostgreSQL")
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user_id=helpdesk.agent_id).key}")
    queue = bench.time_page(web, "/agent/?tab=all", runs=1, warmups=0)
    listing = bench.time_page(api, "/api/v1/tickets/", runs=1, warmups=0)

    plans = {}
    for name, timing in (("queue", queue), ("api", listing)):
        rows_sql = next(sql for _s, sql in timing.sql if "ORDER BY" in sql and '"tickets_ticket"."subject"' in sql)
        with connection.cursor() as cursor:  # a table this small is rightly scanned: ask whether the index serves
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            plans[name] = bench.explain(rows_sql)
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")

    assert "ticket_queue_order" in plans["queue"], plans["queue"]
    assert "ticket_recent" in plans["api"], plans["api"]
