"""The story of DESIGN.md in a real browser: two invoices, one issued at once, one reviewed while she watches."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def request_invoice(page: Page, amount: str, start: str, end: str) -> None:
    page.get_by_role("link", name="Request an invoice").click()
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Billing period from").fill(start)
    page.get_by_label("Billing period to").fill(end)
    page.get_by_label("Invoice header").fill("Lumen Analytics (Shanghai) Co., Ltd.")
    page.get_by_role("button", name="Request the invoice").click()


def test_the_small_invoice_is_issued_and_the_large_one_moves_on_her_screen_once_approved(transactional_db, live_server, browser, alice, maria):
    alice_page = log_in(browser, live_server.url, "alice")

    # When Alice asks for 300 CNY, it is issued at once, with a number she can download
    request_invoice(alice_page, "300.00", "2025-01-01", "2025-12-31")
    expect(alice_page.get_by_text("You can download it now.")).to_be_visible()

    # When she asks for 10,300 CNY, the page says exactly why it waits and until when
    request_invoice(alice_page, "10300.00", "2015-01-01", "2019-12-31")
    expect(alice_page.get_by_text(
        "Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY."
    )).to_be_visible()

    # When Maria approves it from her review queue
    maria_page = log_in(browser, live_server.url, "maria")
    maria_page.get_by_role("link", name="Review invoices").click()
    maria_page.get_by_role("button", name="Approve").first.click()

    # Then Alice's open page shows it issued, without her reloading it
    expect(alice_page.get_by_text("You can download it now.")).to_be_visible(timeout=20_000)
