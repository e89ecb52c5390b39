import importlib
import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


def pytest_collection_modifyitems(config, items):
    """Without Chromium a developer's run skips these with a reason; CI installs it and never skips."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def default_sla_policies(request):
    """The "Default" and "Invoices" policies of the migrations, in every browser test.

    Browser tests run on transactional_db (the live server is another thread), whose flush after each test
    also empties the rows the data migration created: without this, only the first browser test of a run
    would have SLA clocks.
    """
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from escalation.policies import forget_policies

    importlib.import_module("escalation.migrations.0002_default_policies").create_defaults(apps, None)
    forget_policies()
