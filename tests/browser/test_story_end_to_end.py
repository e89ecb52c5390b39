"""The story of DESIGN.md, end to end, in a real browser and in English.

Alice asks for two invoices; the small one is issued while she watches, the large one waits for review and
her page says why and until when. She opens a ticket about it; agent01 answers with the suggested reply;
the next SLA target passes, the monitor escalates the ticket to Maria, who acknowledges it and approves the
invoice; Alice's open invoice page shows it issued without a reload. Screenshots of the pages met on the way
are saved under docs/screenshots/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from escalation.monitor import sla_sweep
from invoices.models import Invoice
from tests.browser.screens import VIEWPORT, log_in, screenshot
from tests.factories import TicketFactory
from tickets import services as ticket_services
from tickets.models import EventKind, Status, Ticket

pytestmark = pytest.mark.browser

SUBJECT = "My 10,300 CNY invoice is still not issued"


def request_invoice(page: Page, amount: str, start: str, end: str) -> None:
    page.get_by_role("link", name="Request an invoice").click()
    expect(page.get_by_role("heading", name="Request an invoice")).to_be_visible()
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Billing period from").fill(start)
    page.get_by_label("Billing period to").fill(end)
    page.get_by_label("Invoice header").fill("Lumen Analytics (Shanghai) Co., Ltd.")
    page.get_by_role("button", name="Request the invoice").click()


def test_the_story_of_the_design_end_to_end(transactional_db, live_server, browser, alice, maria, agent01):
    # Alice logs in and lands on her home page
    alice_page = log_in(browser, live_server.url, "alice")
    expect(alice_page.get_by_role("heading", name="My support", level=1)).to_be_visible()
    expect(alice_page.get_by_text("(Customer)")).to_be_visible()

    # She asks for 300 CNY: it is issued at once and she can download it
    request_invoice(alice_page, "300.00", "2025-01-01", "2025-12-31")
    expect(alice_page.get_by_text("You can download it now.")).to_be_visible()
    small = Invoice.objects.get(customer=alice, amount=300)
    expect(alice_page.get_by_text(small.invoice_number).first).to_be_visible()
    screenshot(alice_page, "customer-invoice-issued")

    # She asks for 10,300 CNY: it waits for review, and the page says why and until when
    request_invoice(alice_page, "10300.00", "2015-01-01", "2019-12-31")
    expect(alice_page.get_by_text(
        "Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY."
    )).to_be_visible()
    expect(alice_page.get_by_text("Invoice reviewers must decide by")).to_be_visible()
    large = Invoice.objects.get(customer=alice, amount=10300)
    assert large.status == "pending_review"
    large_invoice_url = alice_page.url

    # Her home page lists the large one, in progress, with the same explanation
    alice_page.get_by_role("link", name="Supportdesk", exact=True).click()
    expect(alice_page.get_by_role("heading", name="My support", level=1)).to_be_visible()
    expect(alice_page.get_by_text("Waiting for manual review because 10,300.00 CNY").first).to_be_visible()

    # She opens a ticket about the large invoice
    alice_page.get_by_role("link", name="New ticket", exact=True).click()
    alice_page.get_by_label("Subject").fill(SUBJECT)
    alice_page.get_by_label("What happened?").fill("I asked for it at 9:00; the 300 CNY one came within minutes.")
    alice_page.get_by_label("Category").select_option("invoice")
    alice_page.get_by_label("Invoice (optional)").select_option(str(large.pk))
    alice_page.get_by_role("button", name="Open the ticket").click()
    expect(alice_page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    alice_ticket_url = alice_page.url
    ticket = Ticket.objects.get(subject=SUBJECT)
    assert ticket.assignee == agent01  # the least-loaded agent of Billing, the team that owns invoices

    # agent01 finds it in his queue and opens it
    agent_page = log_in(browser, live_server.url, "agent01")
    expect(agent_page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    expect(agent_page.get_by_text("(Frontline agent)")).to_be_visible()
    screenshot(agent_page, "agent-queue")
    agent_page.get_by_role("link", name=SUBJECT).click()
    expect(agent_page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(agent_page.get_by_role("heading", name="Suggested reply")).to_be_visible()
    suggestion = agent_page.locator("#suggested-reply-text").inner_text().strip()
    assert "10,300.00 CNY" in suggestion
    screenshot(agent_page, "agent-ticket")

    # He answers with the suggested reply: one click fills the box, then he sends it
    agent_page.get_by_role("link", name="Use the suggested reply").click()
    reply_box = agent_page.get_by_label("Your reply")
    expect(reply_box).not_to_have_value("")
    assert reply_box.input_value().split() == suggestion.split()
    agent_page.get_by_role("button", name="Send reply").click()
    expect(agent_page.get_by_text("Your reply was sent to the customer.")).to_be_visible()

    # Alice reads his answer on her ticket
    alice_page.goto(alice_ticket_url)
    expect(alice_page.get_by_text(suggestion.split("\n")[0].strip()).first).to_be_visible()

    # Nobody updates her by the next SLA target: the monitor escalates the ticket to Maria.
    # The hours pass in the database, not on the clock: the next due time read from the ticket is moved to one
    # second ago (with the monitor's check time), then one pass of the monitor runs past it. Sweeping at a
    # future `now` instead would also time out Maria's acknowledgement in the same pass, because an escalation's
    # acknowledgement target is counted from the real time of the escalation.
    ticket.refresh_from_db()
    due_field, due = min(
        ((field, getattr(ticket, field)) for field in ("next_update_due", "resolution_due") if getattr(ticket, field)),
        key=lambda pair: pair[1],
    )
    assert due > timezone.now()
    passed = timezone.now() - timedelta(seconds=1)
    Ticket.objects.filter(pk=ticket.pk).update(**{due_field: passed, "sla_check_at": passed})
    report = sla_sweep(now=passed + timedelta(seconds=1))
    assert report.tickets == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level) == ("escalated", 2)

    # Alice's ticket says so, and who holds it now
    alice_page.reload()
    notice = alice_page.get_by_role("status").filter(has_text="Update from support:")
    expect(notice).to_contain_text("so a Billing manager has taken it over")
    expect(alice_page.get_by_text("A Billing manager", exact=True)).to_be_visible()
    expect(alice_page.get_by_text("Manager (level 2 of 3)")).to_be_visible()
    screenshot(alice_page, "customer-ticket-escalated")

    # Maria sees it in her escalation queue and acknowledges it
    maria_page = log_in(browser, live_server.url, "maria")
    expect(maria_page.get_by_text("(Manager)")).to_be_visible()
    maria_page.get_by_role("link", name="Escalations", exact=True).click()
    escalation = maria_page.get_by_role("article").filter(has=maria_page.get_by_role("heading", name=SUBJECT))
    expect(escalation).to_be_visible()
    expect(escalation.get_by_text("Level")).to_be_visible()
    screenshot(maria_page, "manager-escalation-queue")
    escalation.get_by_role("button", name="Acknowledge").click()
    escalation = maria_page.get_by_role("article").filter(has=maria_page.get_by_role("heading", name=SUBJECT))
    expect(escalation.get_by_text("by Maria at")).to_be_visible()
    expect(escalation.get_by_role("button", name="Acknowledge")).to_have_count(0)

    # Her home page lists the escalated ticket and the invoice still in review
    alice_page.get_by_role("link", name="Supportdesk", exact=True).click()
    expect(alice_page.get_by_role("link", name=SUBJECT)).to_be_visible()
    screenshot(alice_page, "customer-home")

    # Alice watches her large invoice's page while Maria decides
    alice_page.goto(large_invoice_url)
    expect(alice_page.get_by_text("Waiting for manual review because 10,300.00 CNY")).to_be_visible()

    # Maria approves it from "Review invoices"
    maria_page.get_by_role("link", name="Review invoices").click()
    review_item = maria_page.get_by_role("article").filter(has_text="10,300.00 CNY")
    expect(review_item).to_be_visible()
    screenshot(maria_page, "manager-invoice-review-queue")
    review_item.get_by_role("button", name="Approve").click()

    # Alice's open page shows it issued, without her reloading it
    expect(alice_page.get_by_text("You can download it now.")).to_be_visible(timeout=20_000)
    large.refresh_from_db()
    assert large.status == "issued"
    expect(alice_page.get_by_text(large.invoice_number).first).to_be_visible()


def test_the_other_main_pages_for_the_screenshots(
    transactional_db, live_server, browser, alice, maria, agent01, agent02
):
    """The login page, the team page with its compliance chart and an incident with its banner."""
    # a month of Billing tickets, one in four days with a breach logged, for the compliance chart
    today = timezone.now().replace(hour=6, minute=0, second=0, microsecond=0)
    for days_ago in range(30):
        for n in range(3):
            agent = (agent01, agent02)[n % 2]
            ticket = TicketFactory(team=agent01.team, customer=alice, assignee=agent, status=Status.CLOSED)
            Ticket.objects.filter(pk=ticket.pk).update(created_at=today - timedelta(days=days_ago))
            if n == 0 and days_ago % 4 == 1:
                ticket_services.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail="Nobody answered.")

    page = log_in_page(browser, live_server.url)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    screenshot(page, "login")

    maria_page = log_in(browser, live_server.url, "maria")
    maria_page.get_by_role("link", name="Teams", exact=True).click()
    maria_page.get_by_role("link", name="Billing").first.click()
    expect(maria_page.get_by_role("heading", name="Team Billing", level=1)).to_be_visible()
    expect(maria_page.get_by_role("heading", name="SLA compliance")).to_be_visible()
    chart = maria_page.get_by_role("img", name="SLA compliance per day, last 30 days")
    expect(chart).to_be_visible()
    maria_page.get_by_role("heading", name="SLA compliance").scroll_into_view_if_needed()
    screenshot(maria_page, "manager-team-compliance")

    # Maria declares an incident: every page shows its banner, hers and Alice's
    maria_page.get_by_role("link", name="Incidents", exact=True).click()
    maria_page.get_by_label("Title").fill("Invoice issuance is delayed")
    maria_page.get_by_label("Message to customers").fill(
        "The tax authority's e-invoice gateway is not answering. Your requests are kept and will be issued in order."
    )
    maria_page.get_by_role("button", name="Declare the incident").click()
    declared = "The incident is declared; every page shows customers its banner now."
    expect(maria_page.get_by_text(declared)).to_be_visible()
    banner = maria_page.get_by_role("status").filter(has_text="Known problem: Invoice issuance is delayed")
    expect(banner).to_be_visible()
    screenshot(maria_page, "manager-incident-with-banner")

    alice_page = log_in(browser, live_server.url, "alice")
    expect(alice_page.get_by_role("heading", name="My support", level=1)).to_be_visible()
    alice_banner = alice_page.get_by_role("status").filter(has_text="Known problem: Invoice issuance is delayed")
    expect(alice_banner).to_contain_text("The tax authority's e-invoice gateway is not answering.")


def log_in_page(browser, base_url):
    page = browser.new_context(base_url=base_url, viewport=VIEWPORT).new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    return page
