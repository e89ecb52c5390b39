"""The agent workspace: the queue's tabs, SLA countdowns, filters and search; the ticket page's
SLA clock, suggested reply, in-place (htmx) updates and keyboard shortcuts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from escalation.policies import forget_policies
from tests.factories import CustomerFactory, TicketFactory
from tests.web.test_invoice_pages import request_invoice
from tickets import services
from tickets.models import Category, EventKind, Priority, Status, Ticket
from tickets.views import agent as agent_views

# A Monday morning; "billing" tickets follow the Default policy (24x7): first response
# within 60 minutes, so "due soon" from 15 minutes before the due time.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _mine(agent, subject, *, due_in=None, status=Status.OPEN, **fields):
    due = {"first_response_due": NOW + due_in} if due_in is not None else {}
    return TicketFactory(
        team=agent.team, assignee=agent, status=status, category=Category.BILLING, subject=subject, **due, **fields
    )


def _rows(html) -> list[str]:
    """The subjects of the queue's rows, in order."""
    return re.findall(r'<td><a href="/agent/tickets/\d+/">([^<]+)</a></td>', html)


def _row(html, subject) -> str:
    start = html.index(f">{subject}</a>")
    return html[start:html.index("</tr>", start)]


# --- the queue ---------------------------------------------------------------------------


def test_the_queue_is_sorted_by_the_nearest_sla_deadline_with_undated_tickets_last(frozen, agent01, sign_in):
    # given
    _mine(agent01, "No deadline")
    _mine(agent01, "Due in three hours", resolution_due=NOW + timedelta(hours=3))
    _mine(agent01, "Breached an hour ago", due_in=-timedelta(hours=1))
    _mine(agent01, "Due in ten minutes", due_in=timedelta(minutes=10), resolution_due=NOW + timedelta(days=1))
    # when
    html = sign_in(agent01).get("/agent/").content.decode()
    # then
    assert _rows(html) == ["Breached an hour ago", "Due in ten minutes", "Due in three hours", "No deadline"]


def test_each_row_shows_its_sla_state_in_words_and_colour(frozen, agent01, sign_in):
    # given
    _mine(agent01, "Plenty of time", due_in=timedelta(minutes=40))
    _mine(agent01, "Nearly due", due_in=timedelta(minutes=10))
    _mine(agent01, "Too late", due_in=-timedelta(minutes=5))
    _mine(agent01, "Asked the customer", due_in=timedelta(minutes=30), status=Status.WAITING_ON_CUSTOMER,
          sla_paused_at=NOW - timedelta(minutes=20))
    # when
    html = sign_in(agent01).get("/agent/").content.decode()
    # then
    assert 'class="sla-state sla-on_track">on track<' in _row(html, "Plenty of time")
    assert "First response: " in _row(html, "Plenty of time") and "40 min left" in _row(html, "Plenty of time")
    assert 'class="sla-state sla-due_soon">due soon<' in _row(html, "Nearly due")
    assert 'class="sla-state sla-breached">breached<' in _row(html, "Too late")
    assert "5 min overdue" in _row(html, "Too late")
    assert 'class="sla-state sla-paused">paused<' in _row(html, "Asked the customer")


def test_a_row_turns_due_soon_at_75_percent_of_the_target(agent01, sign_in):
    # given: a real ticket, its first response due 60 minutes after it is opened
    with time_machine.travel(NOW, tick=False) as traveller:
        ticket = services.ticket_create(
            customer=CustomerFactory(), subject="Charged twice", description="Twice.", category=Category.BILLING
        )
        assert ticket.assignee == agent01
        client = sign_in(agent01)
        traveller.move_to(NOW + timedelta(minutes=44))
        before = _row(client.get("/agent/").content.decode(), "Charged twice")
        # when
        traveller.move_to(NOW + timedelta(minutes=45))
        after = _row(client.get("/agent/").content.decode(), "Charged twice")
        traveller.move_to(NOW + timedelta(minutes=61))
        late = _row(client.get("/agent/").content.decode(), "Charged twice")
    # then
    assert ">on track<" in before and ">due soon<" in after and ">breached<" in late


def test_breaching_soon_lists_running_clocks_due_within_the_hour_or_breached(frozen, agent01, sign_in):
    # given
    _mine(agent01, "Breached", due_in=-timedelta(minutes=30))
    _mine(agent01, "Due in 50 minutes", due_in=timedelta(minutes=50))
    _mine(agent01, "Due in two hours", due_in=timedelta(hours=2))
    _mine(agent01, "Paused", due_in=timedelta(minutes=5), status=Status.WAITING_ON_CUSTOMER, sla_paused_at=NOW)
    _mine(agent01, "Resolved", status=Status.RESOLVED)
    # when
    client = sign_in(agent01)
    html = client.get("/agent/?tab=breaching").content.decode()
    counts = client.get("/agent/tab-counts/?tab=breaching").content.decode()  # loaded by htmx after the page
    # then
    assert _rows(html) == ["Breached", "Due in 50 minutes"]
    assert re.search(r'aria-current="page">Breaching soon <span class="count">2</span>', counts)


def test_the_tabs_are_mine_my_teams_unassigned_waiting_and_breaching_soon(frozen, agent01, sign_in):
    client = sign_in(agent01)
    html = client.get("/agent/").content.decode()
    counts = client.get("/agent/tab-counts/").content.decode()
    for label in ("Mine", "My team&#x27;s unassigned", "Waiting on customer", "Breaching soon"):
        assert f">{label}</a>" in html and f">{label} <span" in counts


def test_filters_and_search_narrow_the_tab_and_its_counts(frozen, agent01, sign_in):
    # given
    urgent = _mine(agent01, "Refund for March", priority=Priority.URGENT, due_in=timedelta(minutes=30))
    _mine(agent01, "Refund for April", priority=Priority.LOW, due_in=timedelta(minutes=30))
    _mine(agent01, "Address change", priority=Priority.URGENT)
    client = sign_in(agent01)
    # when
    by_words = client.get("/agent/?tab=mine&q=refund&priority=urgent").content.decode()
    by_reference = client.get(f"/agent/?tab=mine&q={urgent.reference.lower()}").content.decode()
    by_number = client.get(f"/agent/?tab=mine&q={urgent.pk}").content.decode()
    # then
    assert _rows(by_words) == ["Refund for March"]
    counts = client.get("/agent/tab-counts/?tab=mine&q=refund&priority=urgent").content.decode()
    assert re.search(r'aria-current="page">Mine <span class="count">1</span>', counts)
    assert _rows(by_reference) == ["Refund for March"] == _rows(by_number)
    # the tab links keep the filters, the form keeps the tab
    assert 'href="?tab=breaching&amp;q=refund&amp;priority=urgent"' in by_words
    assert '<input type="hidden" name="tab" value="mine">' in by_words
    assert 'value="refund"' in by_words


def test_a_bad_filter_value_is_shown_and_narrows_nothing(frozen, agent01, sign_in):
    # given
    _mine(agent01, "Still listed")
    # when
    response = sign_in(agent01).get("/agent/?status=expedited")
    # then
    html = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice." in html
    assert _rows(html) == ["Still listed"]


def test_every_filter_has_a_label(frozen, agent01, sign_in):
    html = sign_in(agent01).get("/agent/").content.decode()
    for field in ("q", "status", "category", "priority"):
        assert f'<label for="id_{field}">' in html and f'id="id_{field}"' in html


def test_the_pages_keep_the_tab_and_the_filters(frozen, agent01, sign_in):
    # given
    customer = CustomerFactory()
    Ticket.objects.bulk_create(
        Ticket(subject=f"Invoice question {n}", description="?", category=Category.BILLING, customer=customer,
               team=agent01.team, assignee=agent01, status=Status.OPEN, first_response_due=NOW + timedelta(minutes=n))
        for n in range(60)
    )
    # when
    html = sign_in(agent01).get("/agent/?tab=mine&q=invoice").content.decode()
    # then
    assert len(_rows(html)) == agent_views.QUEUE_PAGE_SIZE
    assert 'href="?tab=mine&amp;q=invoice&amp;page=2" rel="next"' in html


def _bulk_tickets(agent, customer, count):
    """Tickets in every SLA state, shaped alike whatever the count."""
    states = [  # the first three already give every tab of the test a row, so the pages are alike
        {"status": Status.OPEN, "first_response_due": NOW + timedelta(minutes=5)},
        {"status": Status.NEW, "assignee": None, "first_response_due": NOW + timedelta(minutes=50)},
        {"status": Status.WAITING_ON_CUSTOMER, "resolution_due": NOW + timedelta(hours=5), "sla_paused_at": NOW},
        {"status": Status.OPEN, "resolution_due": NOW - timedelta(minutes=5)},
        {"status": Status.OPEN, "first_response_due": NOW + timedelta(minutes=50)},
        {"status": Status.RESOLVED},
    ]
    Ticket.objects.bulk_create(
        (
            Ticket(subject=f"Bulk {n}", description="?", category=Category.BILLING, customer=customer, team=agent.team,
                   **{"assignee": agent, **states[n % len(states)]})
            for n in range(count)
        ),
        batch_size=1000,
    )


def _queries_of(client, urls) -> list[int]:
    counts = []
    for url in urls:
        forget_policies()  # the policies are cached per process: every request reads them afresh here
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    return counts


def test_the_queue_runs_the_same_queries_for_3_or_10000_tickets(frozen, agent01, sign_in, monkeypatch):
    # given: pages of one, so that page 2 shows a running clock (and reads the SLA policies) with 3 tickets too
    monkeypatch.setattr(agent_views, "QUEUE_PAGE_SIZE", 1)
    customer = CustomerFactory()
    client = sign_in(agent01)
    urls = [
        "/agent/", "/agent/?tab=breaching", "/agent/?tab=all&q=bulk&priority=normal&page=2", "/agent/?tab=unassigned"
    ]
    _bulk_tickets(agent01, customer, 3)
    small = _queries_of(client, urls)
    # when
    _bulk_tickets(agent01, customer, 10_000 - 3)
    large = _queries_of(client, urls)
    # then
    assert Ticket.objects.count() == 10_000
    assert large == small


# --- the ticket page -----------------------------------------------------------------------


def _page(ticket) -> str:
    return f"/agent/tickets/{ticket.pk}/"


def test_the_sla_clock_shows_each_target_its_due_time_state_and_time_left(frozen, agent01, sign_in):
    # given
    ticket = _mine(agent01, "Clocked", due_in=timedelta(minutes=10), resolution_due=NOW + timedelta(hours=20))
    # when
    html = sign_in(agent01).get(_page(ticket)).content.decode()
    # then
    clock = html[html.index('id="sla-clock"'):html.index("</section>", html.index('id="sla-clock"'))]
    assert "First response" in clock and "Nov. 23, 2026, 9:10 a.m. UTC" in clock and ">due soon<" in clock
    assert "10 min left" in clock
    assert "Resolution" in clock and "Nov. 24, 2026, 5 a.m. UTC" in clock and ">on track<" in clock
    assert "20 h 0 min left" in clock


def test_the_sla_clock_says_when_it_is_paused(frozen, agent01, sign_in):
    # given
    ticket = _mine(agent01, "Waiting", status=Status.WAITING_ON_CUSTOMER, sla_paused_at=NOW - timedelta(hours=1),
                   resolution_due=NOW + timedelta(hours=2))
    # when
    html = sign_in(agent01).get(_page(ticket)).content.decode()
    # then
    assert "Paused since Nov. 23, 2026, 8 a.m.:" in html and ">paused<" in html
    assert "3 h 0 min left when the clock stopped" in html


def test_internal_notes_are_labelled_and_styled_apart_from_replies(alices_ticket, agent01, sign_in):
    # given
    services.message_post(ticket=alices_ticket, author=agent01, body="Gateway is down.", internal=True)
    services.message_post(ticket=alices_ticket, author=agent01, body="Looking into it.")
    # when
    html = sign_in(agent01).get(_page(alices_ticket)).content.decode()
    # then
    note = html[html.rindex("<li", 0, html.index("Gateway is down.")):html.index("Gateway is down.")]
    reply = html[html.rindex("<li", 0, html.index("Looking into it.")):html.index("Looking into it.")]
    assert "message-internal" in note and "Internal note" in note
    assert "message-public" in reply and "Internal note" not in reply


def _suggestion(html) -> str:
    start = html.index('id="suggested-reply-text"')
    return html[start:html.index("</div>", start)]


@pytest.fixture
def invoice_ticket(alice, agent01):
    alice.display_name = "Alice Wang"
    alice.save(update_fields=["display_name"])
    invoice = request_invoice(alice, "10300")
    return services.ticket_create(
        customer=alice, subject="Where is my large invoice", description="Since 9:00.", category="invoice",
        invoice=invoice,
    )


def test_an_invoice_ticket_offers_a_suggested_reply_from_the_invoices_facts(invoice_ticket, agent01, sign_in):
    # when
    html = sign_in(agent01).get(_page(invoice_ticket)).content.decode()
    # then
    suggestion = _suggestion(html)
    assert "Hello Alice Wang," in suggestion
    # spoken to the customer ("your limit"), not the staff wording of the invoice panel
    assert "is above your automatic limit of 10,000.00 CNY" in suggestion
    assert "Best regards,\nagent01" in suggestion
    assert f'href="/agent/tickets/{invoice_ticket.pk}/?suggest=1#id_reply-body"' in html
    assert 'data-fill-into="id_reply-body"' in html


def test_the_suggestion_link_fills_the_reply_box_without_javascript(invoice_ticket, agent01, sign_in):
    # when
    html = sign_in(agent01).get(_page(invoice_ticket) + "?suggest=1").content.decode()
    # then
    box = html[html.index('name="reply-body"'):html.index("</textarea>", html.index('name="reply-body"'))]
    assert "Hello Alice Wang," in box and "is above your automatic limit" in box
    assert 'name="note-body"' in html and "Hello Alice Wang," not in html[html.index('name="note-body"'):]


def test_the_suggested_reply_speaks_the_customers_language(invoice_ticket, alice, agent01, sign_in):
    # given
    alice.language = "es"
    alice.save(update_fields=["language"])
    with translation.override("es"):
        greeting = gettext("Hello %(name)s,") % {"name": "Alice Wang"}
        closing = gettext("We will keep you updated on this ticket.")
    # when
    html = sign_in(agent01).get(_page(invoice_ticket)).content.decode()
    # then: the agent's page stays in English, the suggestion is in her language
    suggestion = _suggestion(html)
    assert "Suggested reply" in html
    assert escape(greeting) in suggestion and escape(closing) in suggestion


def test_a_ticket_without_an_invoice_has_no_suggested_reply(alices_ticket, agent01, sign_in):
    assert "Suggested reply" not in sign_in(agent01).get(_page(alices_ticket)).content.decode()


def test_the_reply_note_and_action_forms_post_with_htmx_and_work_without_it(alices_ticket, agent01, sign_in):
    html = sign_in(agent01).get(_page(alices_ticket)).content.decode()
    for url, target in (
        (f"/agent/tickets/{alices_ticket.pk}/reply/", "#reply-panel"),
        (f"/agent/tickets/{alices_ticket.pk}/note/", "#note-panel"),
        (f"/agent/tickets/{alices_ticket.pk}/transition/escalate/", "#ticket-actions"),
        (f"/agent/tickets/{alices_ticket.pk}/transition/resolve/", "#ticket-actions"),
    ):
        assert f'method="post" action="{url}"' in html
        assert f'hx-post="{url}" hx-target="{target}" hx-swap="outerHTML"' in html


def test_a_reply_with_htmx_updates_the_panels_in_place(alices_ticket, agent01, sign_in):
    # given
    client = sign_in(agent01)
    # when
    response = client.post(f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "It is under review."}, **HTMX)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="reply-panel"')  # the target: a fresh, empty reply box
    assert '<div id="ticket-conversation" hx-swap-oob="true">' in html and "It is under review." in html
    assert '<div id="ticket-timeline" hx-swap-oob="true">' in html
    assert 'id="sla-clock" class="sla-clock" aria-labelledby="sla-clock-heading" hx-swap-oob="true"' in html
    assert 'id="ticket-actions"' in html
    assert 'id="note-panel"' not in html  # a note half typed stays as it is
    assert "Your reply was sent to the customer." in html
    assert alices_ticket.messages.get().body == "It is under review."


def test_a_note_with_htmx_leaves_the_reply_box_alone(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(f"/agent/tickets/{alices_ticket.pk}/note/", {"note-body": "Gateway down."}, **HTMX)
    # then
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="note-panel"')
    assert 'id="reply-panel"' not in html and "Gateway down." in html
    assert alices_ticket.messages.get().internal


def test_a_blank_reply_with_htmx_is_400_with_the_error_in_the_panel(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "  "}, **HTMX)
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<div id="reply-panel"') and "This field is required." in html
    assert "Nothing was changed" in html


def test_a_refused_reply_with_htmx_is_409_and_keeps_the_text(alices_ticket, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued.", by=agent01)
    services.ticket_close(ticket=Ticket.objects.get(pk=alices_ticket.pk), by=agent01)
    # when
    response = sign_in(agent01).post(
        f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "One more thing."}, **HTMX
    )
    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert "closed and takes no more replies" in html and ">\nOne more thing.</textarea>" in html
    assert '<dd><span class="status status-closed">Closed</span></dd>' in html  # the facts, refreshed
    assert not alices_ticket.messages.exists()


def test_an_escalation_with_htmx_updates_the_actions_facts_and_timeline(alices_ticket, agent01, maria, sign_in):
    # when
    response = sign_in(agent01).post(
        f"/agent/tickets/{alices_ticket.pk}/transition/escalate/",
        {"escalate-reason": "Gateway down for hours."},
        **HTMX,
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="ticket-actions"')
    assert '<div id="ticket-facts" class="ticket-facts" hx-swap-oob="true">' in html and "Escalated" in html
    assert "Gateway down for hours." in html  # the timeline's new event
    assert 'id="reply-panel"' not in html and 'id="note-panel"' not in html
    assert "The ticket is escalated." in html
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.ESCALATED and alices_ticket.escalated_to == maria


def test_an_escalation_without_a_reason_with_htmx_is_400_next_to_the_field(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(
        f"/agent/tickets/{alices_ticket.pk}/transition/escalate/", {"escalate-reason": ""}, **HTMX
    )
    # then
    html = response.content.decode()
    assert response.status_code == 400 and html.lstrip().startswith('<section id="ticket-actions"')
    assert html.index("This field is required.") > html.index('class="action action-escalate"')
    assert alices_ticket.events.filter(kind=EventKind.ESCALATED).count() == 0


def test_a_manager_who_returns_a_ticket_with_htmx_is_sent_back_to_the_queue(alices_ticket, agent01, tomas, sign_in):
    # given: tomas sees the ticket only while it is escalated to him
    services.ticket_escalate(ticket=alices_ticket, reason="Needs a manager.", by=agent01)
    Ticket.objects.filter(pk=alices_ticket.pk).update(escalated_to=tomas)
    # when
    response = sign_in(tomas).post(
        f"/agent/tickets/{alices_ticket.pk}/transition/return_to_agent/", {"return_to_agent-guidance": "Retry."}, **HTMX
    )
    # then
    assert response.status_code == 200 and response["HX-Redirect"] == "/agent/"


# --- keyboard shortcuts and accessibility ------------------------------------------------


def test_the_shortcuts_script_ships_with_the_project():
    path = finders.find("supportdesk/shortcuts.js")
    assert path is not None
    script = open(path, encoding="utf-8").read()
    for key in ('r: function', 'n: function', 'e: function', 's: function', 'j: function', 'k: function', '"?"'):
        assert key in script


def test_the_ticket_page_lists_its_shortcuts_and_loads_the_script(alices_ticket, agent01, sign_in):
    html = sign_in(agent01).get(_page(alices_ticket)).content.decode()
    assert '<details class="shortcuts" id="keyboard-shortcuts">' in html
    for key in ("r", "n", "e", "s", "j", "k", "?"):
        assert f"<kbd>{key}</kbd>" in html
    assert 'src="/static/supportdesk/shortcuts.js"' in html
    # the fields the shortcuts focus
    for field in ("id_reply-body", "id_note-body", "id_escalate-reason", "id_resolve-resolution"):
        assert f'id="{field}"' in html


def test_the_queue_lists_its_shortcuts_and_loads_the_script(frozen, agent01, sign_in):
    html = sign_in(agent01).get("/agent/").content.decode()
    assert "<kbd>j</kbd>" in html and "<kbd>k</kbd>" in html and "<kbd>?</kbd>" in html
    assert 'src="/static/supportdesk/shortcuts.js"' in html


def test_customer_pages_do_not_load_the_shortcuts(alices_ticket, alice, sign_in):
    html = sign_in(alice).get(f"/my/tickets/{alices_ticket.pk}/").content.decode()
    assert "shortcuts.js" not in html and "hx-post" not in html


def test_every_field_of_the_ticket_page_has_a_label(alices_ticket, agent01, sign_in):
    html = sign_in(agent01).get(_page(alices_ticket)).content.decode()
    for field_id in re.findall(r'<(?:textarea|select|input)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
