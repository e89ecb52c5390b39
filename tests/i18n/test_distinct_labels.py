"""Labels a page shows side by side stay distinct once translated."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

# Pairs that appear on one page: a ticket's facts, the escalation queue, the navigation and incident pages.
SIDE_BY_SIDE = [
    ("Held by", "Assignee"),
    ("Owner", "Assignee"),
    ("Opened", "Open"),
    ("Escalations", "Escalate"),
    ("Acknowledgement", "Acknowledge"),
    ("Started", "Home"),
    ("Queued", "Queue"),
    ("Updated", "Update"),
]


@pytest.mark.parametrize("language", ["zh-hans", "ko", "es"])
@pytest.mark.parametrize("first, second", SIDE_BY_SIDE)
def test_labels_shown_together_read_differently(language, first, second):
    with translation.override(language):
        assert gettext(first) != gettext(second)
