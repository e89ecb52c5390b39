"""Each role's main flow in Simplified Chinese and in Spanish, in a real browser.

People choose the language the way they would: the customer with the switcher on the login page, the agent
with the switcher after logging in, the manager on her preferences page (/me/). Every label the test clicks or
reads is looked up in the project's catalogues (`t`), and must differ from the English text: a page that
falls back to English fails here.
"""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from escalation.models import Escalation
from escalation.monitor import sla_sweep
from invoices.models import Invoice
from tests.browser.screens import VIEWPORT, log_in, screenshot, switch_language
from tests.factories import PASSWORD
from tickets.models import Ticket

pytestmark = pytest.mark.browser

# msgids that must be translated; the browser only ever sees their msgstr
LABELS = [
    "My support", "Request an invoice", "Amount", "Billing period from", "Billing period to", "Invoice header",
    "Request the invoice", "New ticket", "Subject", "What happened?", "Category", "Invoice (optional)",
    "Open the ticket", "Queue", "Suggested reply", "Use the suggested reply", "Your reply", "Send reply",
    "Your reply was sent to the customer.", "Escalations", "Acknowledge", "Review invoices", "Approve",
    "Pending review", "Issued", "Username", "Password", "Log in", "Language", "Change language",
    "Your preferences", "Save preferences", "Your preferences are saved.", "Log out",
]


def t(language: str, msgid: str) -> str:
    """The catalogue's translation of one English label, which must exist."""
    with translation.override(language):
        text = str(translation.gettext(msgid))
    assert text != msgid, f"{msgid!r} is not translated into {language}"
    return text


@pytest.fixture(params=["zh-hans", "es"])
def language(request):
    return request.param


def test_every_label_these_flows_use_is_translated(language):
    for msgid in LABELS:
        t(language, msgid)


def expect_page_in(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("button", name=t(language, "Log out"))).to_be_visible()
    expect(page.get_by_role("button", name=t(language, "Change language"))).to_be_visible()


def customer_logs_in_after_switching(browser: Browser, base_url: str, username: str, language: str) -> Page:
    """On the login page, before logging in: the switcher, then the translated login form."""
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label(t(language, "Username")).fill(username)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(language, "Log in")).click()
    expect(page.get_by_role("heading", name=t(language, "My support"), level=1)).to_be_visible()
    return page


def test_each_role_works_in_the_language_it_chose(
    transactional_db, live_server, browser, language, alice, maria, agent01
):
    subject = f"发票 10300 — factura ({language})"

    # --- the customer: requests an invoice above her limit, then opens a ticket about it
    alice_page = customer_logs_in_after_switching(browser, live_server.url, "alice", language)
    expect_page_in(alice_page, language)
    alice_page.get_by_role("link", name=t(language, "Request an invoice")).first.click()
    expect(alice_page.get_by_role("heading", name=t(language, "Request an invoice"))).to_be_visible()
    alice_page.get_by_label(t(language, "Amount")).fill("10300.00")
    alice_page.get_by_label(t(language, "Billing period from")).fill("2015-01-01")
    alice_page.get_by_label(t(language, "Billing period to")).fill("2019-12-31")
    alice_page.get_by_label(t(language, "Invoice header")).fill("Lumen Analytics (Shanghai) Co., Ltd.")
    alice_page.get_by_role("button", name=t(language, "Request the invoice")).click()
    expect(alice_page.get_by_text(t(language, "Pending review")).first).to_be_visible()
    invoice = Invoice.objects.get(customer=alice)
    assert invoice.status == "pending_review"
    expect_page_in(alice_page, language)
    invoice_url = alice_page.url

    alice_page.get_by_role("link", name=t(language, "New ticket"), exact=True).click()
    alice_page.get_by_label(t(language, "Subject")).fill(subject)
    alice_page.get_by_label(t(language, "What happened?")).fill("10,300 CNY")
    alice_page.get_by_label(t(language, "Category")).select_option("invoice")
    alice_page.get_by_label(t(language, "Invoice (optional)")).select_option(str(invoice.pk))
    alice_page.get_by_role("button", name=t(language, "Open the ticket")).click()
    expect(alice_page.get_by_role("heading", name=subject)).to_be_visible()
    expect_page_in(alice_page, language)
    alice_page.get_by_role("banner").get_by_role("link").first.click()  # the brand, home
    expect(alice_page.get_by_role("heading", name=t(language, "My support"), level=1)).to_be_visible()
    expect(alice_page.get_by_role("link", name=subject)).to_be_visible()
    if language == "es":
        screenshot(alice_page, "customer-home-es")

    # --- the agent: switches language from the footer, replies from his queue with the suggested reply
    agent_page = log_in(browser, live_server.url, "agent01")
    expect(agent_page.locator("html")).to_have_attribute("lang", "en")
    switch_language(agent_page, language)
    expect(agent_page.get_by_role("heading", name=t(language, "Queue"), level=1)).to_be_visible()
    expect_page_in(agent_page, language)
    agent_page.get_by_role("link", name=subject).click()
    expect(agent_page.get_by_role("heading", name=t(language, "Suggested reply"))).to_be_visible()
    if language == "zh-hans":
        screenshot(agent_page, "agent-ticket-zh-hans")
    agent_page.get_by_role("link", name=t(language, "Use the suggested reply")).click()
    expect(agent_page.get_by_label(t(language, "Your reply"))).not_to_have_value("")
    agent_page.get_by_role("button", name=t(language, "Send reply")).click()
    expect(agent_page.get_by_text(t(language, "Your reply was sent to the customer."))).to_be_visible()
    expect_page_in(agent_page, language)

    # the next SLA target passes (moved to one second ago in the database, as in the story): Maria has it
    ticket = Ticket.objects.get(subject=subject)
    passed = timezone.now() - timedelta(seconds=1)
    Ticket.objects.filter(pk=ticket.pk).update(next_update_due=passed, sla_check_at=passed)
    sla_sweep(now=passed + timedelta(seconds=1))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level) == ("escalated", 2)

    # --- the manager: chooses her language on /me/, acknowledges the escalation, approves the invoice
    maria_page = log_in(browser, live_server.url, "maria")
    maria_page.goto("/me/")
    maria_page.locator("#id_language").select_option(language)
    maria_page.locator("form:has(#id_language) [type=submit]").click()
    expect(maria_page.get_by_text(t(language, "Your preferences are saved."))).to_be_visible()
    expect(maria_page.get_by_role("heading", name=t(language, "Your preferences"))).to_be_visible()
    expect_page_in(maria_page, language)

    maria_page.get_by_role("link", name=t(language, "Escalations"), exact=True).click()
    escalation = maria_page.get_by_role("article").filter(has=maria_page.get_by_role("heading", name=subject))
    expect(escalation).to_be_visible()
    escalation.get_by_role("button", name=t(language, "Acknowledge")).click()
    escalation = maria_page.get_by_role("article").filter(has=maria_page.get_by_role("heading", name=subject))
    expect(escalation.get_by_role("button", name=t(language, "Acknowledge"))).to_have_count(0)
    expect_page_in(maria_page, language)
    assert Escalation.objects.get(ticket=ticket).status == "acknowledged"

    maria_page.get_by_role("link", name=t(language, "Review invoices")).click()
    item = maria_page.get_by_role("article").filter(has_text=invoice.reference)
    expect(item).to_be_visible()
    if language == "es":
        screenshot(maria_page, "manager-invoice-review-queue-es")
    item.get_by_role("button", name=t(language, "Approve")).click()
    expect(maria_page.get_by_role("article").filter(has_text=invoice.reference)).to_have_count(0)
    expect_page_in(maria_page, language)

    # --- and the customer's invoice page, still in her language, shows it issued
    alice_page.goto(invoice_url)
    expect(alice_page.get_by_text(t(language, "Issued"), exact=True).first).to_be_visible()
    expect_page_in(alice_page, language)
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    if language == "zh-hans":
        screenshot(alice_page, "customer-invoice-issued-zh-hans")
