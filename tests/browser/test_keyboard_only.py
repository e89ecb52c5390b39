"""Each workspace's main flows with the keyboard alone: Tab, Enter, typing and the agent's shortcuts, no mouse.

Every stop of the Tab key must show where the focus is (an outline or a shadow),
and every control a flow needs must be reachable by Tab within a bounded number
of presses (no trap, nothing left out of the tab order).
"""

import pytest
from playwright.sync_api import Browser, Page, expect

from escalation.models import Escalation, EscalationStatus, Incident
from invoices.models import Invoice, InvoiceStatus
from tests.factories import PASSWORD
from tests.web.test_invoice_pages import request_invoice
from tickets import services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.browser

TAB_LIMIT = 120  # more presses than any page here needs to reach its last control

FOCUS = """(selector) => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const outlined = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  return {
    what: `${e.tagName.toLowerCase()}#${e.id} `
      + (e.getAttribute("aria-label") || e.textContent || e.name || "").trim().slice(0, 40),
    style: `outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow}`,
    visible: outlined || s.boxShadow !== "none",
    wanted: e.matches(selector),
    unlabelled: e.matches("input:not([type=hidden]), select, textarea")
      && !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"),
  };
}"""


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Presses Tab until the focus is on `selector`, checking that each stop on the way shows its focus."""
    visited = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = page.evaluate(FOCUS, selector)
        if focus is None:
            visited.append("(body)")
            continue
        assert focus["visible"], f"no visible focus on {focus['what']} ({focus['style']}) at {page.url}"
        assert not focus["unlabelled"], f"no label on {focus['what']} at {page.url}"
        visited.append(focus["what"])
        if focus["wanted"]:
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}; it went through {visited}")


def walk(page: Page, url: str) -> None:
    """Opens `url` and tabs through the whole page: the skip link first, every stop visible and labelled, no trap
    before the footer's last control."""
    page.goto(url)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS, ".skip-link")
    assert first and first["wanted"] and first["visible"], f"the first Tab stop of {url} is not a visible skip link"
    tab_to(page, "footer button[type=submit]")


def press_on(page: Page, selector: str, *, navigates: bool = True) -> None:
    """Tabs to `selector` and presses Enter on it; waits for the next page unless htmx answers in place."""
    tab_to(page, selector)
    enter(page, navigates=navigates)


def enter(page: Page, *, navigates: bool = True) -> None:
    if not navigates:
        page.keyboard.press("Enter")
        return
    with page.expect_navigation():
        page.keyboard.press("Enter")


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_context(base_url=base_url, locale="en-US").new_page()
    page.set_default_timeout(10_000)
    page.goto("/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enter(page)
    return page


def open_ticket(customer, subject):
    return services.ticket_create(customer=customer, subject=subject, description="Since 9:00.", category="invoice")


# --- the agent ------------------------------------------------------------------------------


def test_an_agent_replies_notes_resolves_and_escalates_with_the_keyboard(
    transactional_db, live_server, browser, alice, agent01, maria
):
    # given two tickets in agent01's queue
    tickets = {t.pk: t for t in (open_ticket(alice, "Keyboard one"), open_ticket(alice, "Keyboard two"))}
    page = log_in(browser, live_server.url, "agent01")
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    walk(page, "/agent/")
    walk(page, f"/agent/tickets/{min(tickets)}/")
    walk(page, "/agent/")

    # when he moves to the first row with "j" and opens it with Enter
    page.keyboard.press("j")
    enter(page)
    page.wait_for_url("**/agent/tickets/*/")
    first = tickets.pop(int(page.url.rstrip("/").rsplit("/", 1)[1]))
    (second,) = tickets.values()
    expect(page.get_by_role("heading", name=first.subject)).to_be_visible()

    # "?" opens the list of shortcuts and puts the focus on it; "?" again closes it
    page.keyboard.press("?")
    expect(page.locator("#keyboard-shortcuts")).to_have_attribute("open", "")
    assert page.evaluate("() => document.activeElement.matches('#keyboard-shortcuts summary')")
    page.keyboard.press("?")
    expect(page.locator("#keyboard-shortcuts")).not_to_have_attribute("open", "")

    # "r" puts him in the reply box; Tab and Enter send it
    page.keyboard.press("r")
    assert focused_id(page) == "id_reply-body"
    page.keyboard.type("We are on it.")
    press_on(page, "#reply-panel button[type=submit]", navigates=False)
    expect(page.locator("#conversation, .conversation").first).to_contain_text("We are on it.")

    # Escape leaves the field; "n" opens the internal note
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    assert focused_id(page) == "id_note-body"
    page.keyboard.type("Gateway is slow today.")
    press_on(page, "#note-panel button[type=submit]", navigates=False)
    expect(page.locator("#conversation, .conversation").first).to_contain_text("Gateway is slow today.")

    # "s" goes to the resolution
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    assert focused_id(page) == "id_resolve-resolution"
    page.keyboard.type("Issued this morning.")
    press_on(page, "#action-resolve button[type=submit]", navigates=False)
    expect(page.get_by_text("The ticket is resolved.", exact=True)).to_be_visible()
    first.refresh_from_db()
    assert first.status == Status.RESOLVED
    assert [m.body for m in first.messages.order_by("id")] == ["We are on it.", "Gateway is slow today."]

    # "j" goes on to the next ticket of the queue; there he escalates with Tab and typing only
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("j")
    expect(page.get_by_role("heading", name=second.subject)).to_be_visible()
    tab_to(page, "#id_escalate-reason")
    page.keyboard.type("Needs invoice expertise.")
    press_on(page, "#action-escalate button[type=submit]", navigates=False)
    expect(page.get_by_text("The ticket is escalated.", exact=True)).to_be_visible()
    second.refresh_from_db()
    assert second.status == Status.ESCALATED

    # on a ticket about an invoice, Enter on "Use the suggested reply" fills the reply box and puts him in it
    third = services.ticket_create(
        customer=alice, subject="Keyboard third", description="Since 9:00.", category="invoice",
        invoice=request_invoice(alice, "10300"),
    )
    page.goto(f"/agent/tickets/{third.pk}/")
    tab_to(page, "a[data-fill-into]")
    page.keyboard.press("Enter")
    assert focused_id(page) == "id_reply-body"
    assert page.locator("#id_reply-body").input_value() == page.locator("#suggested-reply-text").inner_text().strip()

    # and the shortcut "e" finds the reason box on a ticket that can still be escalated
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    assert focused_id(page) == "id_escalate-reason"
    page.keyboard.type("Customer asks for a manager.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The ticket is escalated.", exact=True)).to_be_visible()
    assert Ticket.objects.get(pk=third.pk).status == Status.ESCALATED


# --- the manager ----------------------------------------------------------------------------


def test_a_manager_acknowledges_reviews_reads_her_team_and_declares_an_incident_with_the_keyboard(
    transactional_db, live_server, browser, alice, agent01, maria
):
    # given an escalation for Maria and two invoices waiting for review
    ticket = open_ticket(alice, "Where is my large invoice")
    services.ticket_escalate(ticket=ticket, reason="Needs a manager", by=agent01)
    small, large = request_invoice(alice, "10300"), request_invoice(alice, "20300")
    page = log_in(browser, live_server.url, "maria")

    for url in ("/manage/escalations/", "/review/invoices/", "/teams/", f"/teams/{agent01.team_id}/",
                "/manage/incidents/", "/notifications/", "/agent/"):
        walk(page, url)

    # when she goes to the escalation queue through the navigation and acknowledges
    press_on(page, "nav a[href='/manage/escalations/']")
    expect(page.get_by_role("heading", name="Escalations")).to_be_visible()
    press_on(page, "form.action-acknowledge button")
    expect(page.get_by_text(f"You acknowledged the escalation of {ticket.reference}.")).to_be_visible()
    assert Escalation.objects.get(ticket=ticket).status == EscalationStatus.ACKNOWLEDGED

    # approves one invoice and rejects the other with a reason
    press_on(page, "nav a[href='/review/invoices/']")
    press_on(page, f"form[action$='/invoices/{small.pk}/transition/approve/'] button")
    expect(page.get_by_text(small.reference).first).to_be_visible()
    tab_to(page, f"form[action$='/invoices/{large.pk}/transition/reject/'] textarea")
    page.keyboard.type("The header does not match the tax id.")
    page.keyboard.press("Tab")
    enter(page)
    assert Invoice.objects.get(pk=small.pk).status != InvoiceStatus.PENDING_REVIEW
    rejected = Invoice.objects.get(pk=large.pk)
    assert rejected.status == InvoiceStatus.REJECTED
    assert rejected.rejection_reason == "The header does not match the tax id."

    # reads her team's page
    press_on(page, "nav a[href='/teams/']")
    press_on(page, f"a[href='/teams/{agent01.team_id}/']")
    expect(page.get_by_role("heading", name="Billing")).to_be_visible()
    expect(page.get_by_text("agent01").first).to_be_visible()

    # and declares an incident
    press_on(page, "nav a[href='/manage/incidents/']")
    tab_to(page, "#id_declare-title")
    page.keyboard.type("Invoice issuance is delayed")
    page.keyboard.press("Tab")
    page.keyboard.type("Invoices are late; none is lost.")
    press_on(page, "main form button[type=submit]")
    expect(page.get_by_text("The incident is declared")).to_be_visible()
    assert Incident.objects.get().title == "Invoice issuance is delayed"
    walk(page, page.url)  # the incident's page, with its update and resolve forms


# --- the customer ---------------------------------------------------------------------------


def test_a_customer_opens_a_ticket_replies_requests_an_invoice_and_reopens_with_the_keyboard(
    transactional_db, live_server, browser, alice, agent01, maria
):
    # given a ticket of hers that was resolved
    resolved = open_ticket(alice, "Solved last week")
    services.ticket_resolve(ticket=resolved, resolution="Issued.", by=agent01)
    page = log_in(browser, live_server.url, "alice")
    expect(page.get_by_role("heading", name="My support")).to_be_visible()
    for url in ("/my/", "/my/tickets/", f"/my/tickets/{resolved.pk}/", "/my/invoices/", "/my/invoices/new/",
                "/my/tickets/new/", "/notifications/"):
        walk(page, url)

    # the skip link takes her past the navigation: the next Tab is in the page's content
    page.goto("/my/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    page.goto("/my/")

    # when she opens a ticket from the navigation
    press_on(page, "nav a[href='/my/tickets/new/']")
    tab_to(page, "#id_subject")
    page.keyboard.type("My invoice has the wrong header")
    page.keyboard.press("Tab")
    page.keyboard.type("It says Example Co. instead of Lumen.")
    press_on(page, "main form button[type=submit]")
    expect(page.get_by_role("heading", name="My invoice has the wrong header")).to_be_visible()

    # and replies on it
    tab_to(page, "#id_reply-body")
    page.keyboard.type("The tax id is 91310000MA1FL0000X.")
    page.keyboard.press("Tab")
    enter(page)
    expect(page.get_by_text("Your reply was sent.", exact=True)).to_be_visible()
    opened = Ticket.objects.get(subject="My invoice has the wrong header")
    assert [m.body for m in opened.messages.all()] == ["The tax id is 91310000MA1FL0000X."]

    # requests an invoice
    press_on(page, "nav a[href='/my/invoices/new/']")
    tab_to(page, "#id_amount")
    page.keyboard.type("300")
    tab_to(page, "#id_period_start")
    page.keyboard.type("01012025")
    tab_to(page, "#id_period_end")
    page.keyboard.type("12312025")
    tab_to(page, "#id_title")
    page.keyboard.type("Lumen Analytics (Shanghai) Co., Ltd.")
    press_on(page, "main form button[type=submit]")
    expect(page.get_by_text("is received.")).to_be_visible()
    invoice = Invoice.objects.get(customer=alice)
    assert invoice.title == "Lumen Analytics (Shanghai) Co., Ltd."
    walk(page, f"/my/invoices/{invoice.pk}/")

    # and reopens the resolved ticket from her list
    press_on(page, "nav a[href='/my/tickets/']")
    press_on(page, f"main a[href='/my/tickets/{resolved.pk}/']")
    tab_to(page, "#id_reopen-reason")
    page.keyboard.type("The invoice never arrived.")
    press_on(page, "#action-reopen button[type=submit]")
    expect(page.get_by_text("The ticket is open again.", exact=True)).to_be_visible()
    assert Ticket.objects.get(pk=resolved.pk).status == Status.OPEN
