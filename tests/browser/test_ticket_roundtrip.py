import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, InvoiceFactory

pytestmark = pytest.mark.browser


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    page.set_default_timeout(10_000)
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_a_customer_and_an_agent_talk_through_an_invoice_ticket(transactional_db, live_server, browser, alice, agent01):
    # given
    invoice = InvoiceFactory(customer=alice, amount="10300.00")

    # when Alice opens an invoice ticket through the form
    alice_page = _log_in(browser, live_server.url, "alice")
    expect(alice_page.get_by_role("heading", name="My support")).to_be_visible()  # her home page
    alice_page.get_by_role("link", name="New ticket", exact=True).click()
    alice_page.get_by_label("Subject").fill("My 10,300 CNY invoice hangs")
    alice_page.get_by_label("What happened?").fill("Requested at 9:00; the small one came in five minutes.")
    alice_page.get_by_label("Category").select_option("invoice")
    alice_page.get_by_label("Invoice (optional)").select_option(str(invoice.pk))
    alice_page.get_by_role("button", name="Open the ticket").click()

    # then she is on its page, and it is on her list
    expect(alice_page.get_by_role("heading", name="My 10,300 CNY invoice hangs")).to_be_visible()
    ticket_url = alice_page.url
    alice_page.get_by_role("link", name="My tickets", exact=True).click()
    expect(alice_page.get_by_role("link", name="My 10,300 CNY invoice hangs")).to_be_visible()

    # when agent01 of Billing finds it in his queue and replies
    agent_page = _log_in(browser, live_server.url, "agent01")
    expect(agent_page.get_by_role("heading", name="Queue")).to_be_visible()
    agent_page.get_by_role("link", name="My 10,300 CNY invoice hangs").click()
    agent_page.get_by_label("Your reply").fill("The e-invoice gateway is down; we escalated it.")
    agent_page.get_by_role("button", name="Send reply").click()
    expect(agent_page.get_by_text("Your reply was sent to the customer.")).to_be_visible()

    # then Alice sees the reply on her ticket
    alice_page.goto(ticket_url)
    expect(alice_page.get_by_text("The e-invoice gateway is down; we escalated it.")).to_be_visible()
