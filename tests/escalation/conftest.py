from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

# A Monday morning, UTC: the "Default" policy counts 24x7 from here.
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def at(django_capture_on_commit_callbacks):
    """`at(minutes, work, ...)`: runs work with the clock stopped that many minutes after Monday 10:00, commit hooks included."""

    def run(minutes, work, *args, **kwargs):
        with time_machine.travel(MONDAY_10 + timedelta(minutes=minutes), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                return work(*args, **kwargs)

    return run
