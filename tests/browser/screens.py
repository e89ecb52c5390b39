"""Helpers shared by the browser tests: logging in as a person, and saving a screenshot of what she sees."""

import os
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


def log_in(browser: Browser, base_url: str, username: str, *, locale: str = "en-US") -> Page:
    """A fresh browser (its own cookies) logged in through the login form, at 1280x800."""
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def screenshot(page: Page, name: str) -> Path | None:
    """Saves the viewport (1280x800, not the full page: the files stay small) as docs/screenshots/<name>.png.

    Only with SUPPORTDESK_SCREENSHOTS=1 (`make screenshots`): the committed files change with every run's
    times and ids, and `make test` must leave the checkout clean.
    """
    if os.environ.get("SUPPORTDESK_SCREENSHOTS", "0") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    return path


def switch_language(page: Page, language_code: str) -> None:
    """As a user does it: the switcher in the footer of every page."""
    page.locator("#language-switcher").select_option(language_code)
    page.locator("form.language-switcher [type=submit]").click()
    page.wait_for_load_state()
