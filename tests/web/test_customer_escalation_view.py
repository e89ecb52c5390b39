"""What the customer reads: who holds her ticket, at which level, when she hears from us, and the incident banner."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import incidents, monitor
from tests.factories import InvoiceFactory
from tickets import services

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))


def her_page(ticket) -> str:
    return f"/my/tickets/{ticket.pk}/"


def billing_ticket(customer):
    """Default policy, 24x7: the first answer is due within 60 minutes."""
    return services.ticket_create(
        customer=customer, subject="Charged twice", description="Two charges in May.", category="billing"
    )


def notice_box(html: str) -> str:
    start = html.index('<div class="ticket-notice" role="status">')
    return html[start:html.index("</div>", start)]


# --- who holds it, at which level, when she hears from us ----------------------------------------


def test_a_new_ticket_says_who_has_it_and_when_the_first_answer_is_due(sign_in, alice, agent01):
    # given
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = billing_ticket(alice)
    # when
    with time_machine.travel(MONDAY_10 + timedelta(minutes=20), tick=False):
        html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    assert "Who has it now" in html and "A Billing specialist" in html
    assert "Frontline agent (level 1 of 3)" in html
    assert "You will hear from us by Nov. 23, 2026, 11 a.m. UTC." in html
    assert "ticket-notice" not in html  # nothing escalated, nothing to highlight


def test_past_the_due_time_the_page_says_we_owe_her_an_update(sign_in, alice, agent01):
    # given
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = billing_ticket(alice)
    # when: 11:00 passed and nobody answered (the sweep has not run yet)
    with time_machine.travel(MONDAY_10 + timedelta(minutes=61), tick=False):
        html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    assert "We owe you an update now." in html and "It was due at Nov. 23, 2026, 11 a.m. UTC." in html


def test_while_we_wait_for_her_answer_no_update_is_promised(sign_in, alice, agent01):
    # given
    ticket = billing_ticket(alice)
    services.ticket_request_info(ticket=ticket, body="Which card was charged?", by=agent01)
    # when
    html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    assert "You: we are waiting for your answer" in html
    assert "Next update from us" not in html


# --- after an escalation ----------------------------------------------------------------------------


def test_after_an_sla_breach_she_reads_who_took_it_over_highlighted_on_top(sign_in, alice, agent01, maria):
    # given: nobody answered by 11:00; the monitor escalates the ticket to the Billing manager
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = billing_ticket(alice)
    with time_machine.travel(MONDAY_10 + timedelta(minutes=60), tick=False):
        monitor.sla_sweep()
    # when
    with time_machine.travel(MONDAY_10 + timedelta(minutes=61), tick=False):
        html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    box = notice_box(html)
    assert "Update from support:" in box
    assert "We did not meet our first response time for your ticket, so a Billing manager has taken it over." in box
    assert html.index("ticket-notice") < html.index("Your request")  # near the top
    assert "A Billing manager" in html and "Manager (level 2 of 3)" in html
    assert "SLA breached: the first response target" not in html  # staff talk stays with staff


def test_a_manual_escalation_shows_the_notice_but_not_the_agents_reason(sign_in, alice, agent01, maria):
    # given
    ticket = billing_ticket(alice)
    services.ticket_escalate(ticket=ticket, reason="I do not understand the refund rules", by=agent01)
    # when
    html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    assert "Your ticket now goes to a Billing manager, who can help further." in notice_box(html)
    assert "I do not understand the refund rules" not in html


def test_once_the_ticket_moves_on_the_notice_is_history_not_headline(sign_in, alice, agent01, maria):
    # given: escalated, then returned to the agent with guidance
    ticket = billing_ticket(alice)
    services.ticket_escalate(ticket=ticket, reason="Refund rules", by=agent01)
    services.ticket_return_to_agent(ticket=ticket, guidance="Refund the second charge.", by=maria)
    # when
    html = sign_in(alice).get(her_page(ticket)).content.decode()
    # then
    assert "ticket-notice" not in html
    assert "a Billing manager, who can help further" in html  # still in her timeline
    assert "A Billing specialist" in html and "Frontline agent (level 1 of 3)" in html


def test_her_ticket_page_runs_a_bounded_number_of_queries(sign_in, alice, agent01, maria):
    # given
    ticket = billing_ticket(alice)
    services.ticket_escalate(ticket=ticket, reason="Refund rules", by=agent01)
    client = sign_in(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(her_page(ticket)).status_code == 200
        return len(captured)

    few = queries()
    # when: a long conversation
    for number in range(10):
        services.message_post(ticket=ticket, author=alice, body=f"Any news? ({number})")
    # then
    assert queries() == few


# --- the incident banner -------------------------------------------------------------------------------


@pytest.fixture
def incident(maria):
    return incidents.incident_declare(
        by=maria, title="Invoice issuance is delayed",
        public_message="Invoices take longer than usual; none is lost.",
        eta=datetime(2030, 1, 1, 15, 30, tzinfo=ZoneInfo("UTC")),
    )


def banner(html: str) -> str:
    start = html.index('<div class="incident-banner" role="status">')
    return html[start:html.index("</main>") if "</main>" in html else None]


@pytest.mark.parametrize("url", ["/my/tickets/", "/my/invoices/", "/my/tickets/new/"])
def test_every_page_shows_her_the_open_incident(url, sign_in, alice, incident):
    html = sign_in(alice).get(url).content.decode()
    shown = banner(html)
    assert "Known problem:" in shown and "Invoice issuance is delayed" in shown
    assert "Invoices take longer than usual; none is lost." in shown
    assert "Expected fix:" in shown and "Jan. 1, 2030, 3:30 p.m. UTC" in shown
    assert "Manage this incident" not in shown  # that link is for managers


def test_staff_see_the_banner_too_and_managers_a_link_to_the_incident(sign_in, agent01, maria, incident):
    agents_view = sign_in(agent01).get("/agent/").content.decode()
    assert "Invoice issuance is delayed" in banner(agents_view) and "Manage this incident" not in agents_view
    managers_view = sign_in(maria).get("/agent/").content.decode()
    assert f'href="/manage/incidents/{incident.pk}/"' in banner(managers_view)


def test_the_banner_is_gone_once_the_incident_is_resolved(sign_in, alice, maria, incident):
    # given
    client = sign_in(alice)
    assert "Invoice issuance is delayed" in client.get("/my/tickets/").content.decode()
    # when
    sign_in(maria).post(f"/manage/incidents/{incident.pk}/resolve/", {"resolve-public_message": "Fixed."})
    # then
    html = client.get("/my/tickets/").content.decode()
    assert "incident-banner" not in html and "Invoice issuance is delayed" not in html


def test_without_an_eta_the_banner_says_we_do_not_know_yet(sign_in, alice, maria):
    incidents.incident_declare(by=maria, title="Login is slow", public_message="Logging in takes a minute.")
    html = sign_in(alice).get("/my/tickets/").content.decode()
    assert "We will tell you when we expect it to be fixed as soon as we know." in banner(html)


def test_the_banner_costs_one_query_on_a_full_page_and_none_on_a_partial(sign_in, alice):
    # given
    invoice = InvoiceFactory(customer=alice)
    client = sign_in(alice)

    def incident_queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return sum("escalation_incident" in query["sql"] for query in captured.captured_queries)

    # when / then
    assert incident_queries("/my/tickets/") == 1
    assert incident_queries(f"/my/invoices/{invoice.pk}/live/") == 0  # the polling partial
    assert "incident-banner" not in client.get("/my/tickets/").content.decode()
