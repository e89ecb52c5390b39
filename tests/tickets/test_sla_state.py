"""How a ticket's SLA clock reads to a person: tickets.sla_state (pure functions, no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from tickets.models import SlaAlert, Status, Ticket
from tickets.sla_state import SlaState, countdown, headline, target_state, ticket_clocks

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _quarter_before(target, due):
    """A 60-minute target warned at 75%: 15 minutes before it is due."""
    return due - timedelta(minutes=15)


def _ticket(status=Status.OPEN, **fields) -> Ticket:
    return Ticket(status=status, **fields)


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(minutes=30), SlaState.ON_TRACK),
        (timedelta(minutes=15, seconds=1), SlaState.ON_TRACK),
        (timedelta(minutes=15), SlaState.DUE_SOON),  # exactly 75% used
        (timedelta(minutes=1), SlaState.DUE_SOON),
        (timedelta(0), SlaState.BREACHED),
        (-timedelta(hours=2), SlaState.BREACHED),
    ],
)
def test_a_running_target_is_on_track_then_due_soon_at_75_percent_then_breached(left, expected):
    # given
    due = NOW + left
    # when
    state = target_state(due=due, now=NOW, warning_at=_quarter_before("resolution", due), paused=False)
    # then
    assert state == expected


def test_a_paused_clock_is_paused_even_past_its_due_time():
    assert target_state(due=NOW - timedelta(hours=1), now=NOW, warning_at=None, paused=True) == SlaState.PAUSED


def test_what_the_monitor_recorded_counts_even_if_the_warning_time_is_unknown():
    due = NOW + timedelta(hours=5)
    assert target_state(due=due, now=NOW, warning_at=None, paused=False, alert=SlaAlert.WARNED) == SlaState.DUE_SOON
    assert target_state(due=due, now=NOW, warning_at=None, paused=False, alert=SlaAlert.BREACHED) == SlaState.BREACHED


def test_without_a_warning_time_a_target_is_on_track_until_due():
    assert target_state(due=NOW + timedelta(minutes=1), now=NOW, warning_at=None, paused=False) == SlaState.ON_TRACK


def test_a_tickets_clocks_list_each_target_with_a_due_time_nearest_first():
    # given
    ticket = _ticket(
        resolution_due=NOW + timedelta(hours=20), next_update_due=NOW + timedelta(minutes=10), first_response_due=None
    )
    # when
    clocks = ticket_clocks(ticket, now=NOW, warning_at=_quarter_before)
    # then
    assert [(clock.target, clock.state) for clock in clocks] == [
        ("next_update", SlaState.DUE_SOON),
        ("resolution", SlaState.ON_TRACK),
    ]
    assert clocks[0].remaining == timedelta(minutes=10) and not clocks[0].overdue
    assert clocks[0].label == "Next update"


def test_a_ticket_waiting_on_the_customer_shows_its_targets_paused_with_the_time_left_when_it_stopped():
    # given
    ticket = _ticket(
        Status.WAITING_ON_CUSTOMER, sla_paused_at=NOW - timedelta(hours=3), resolution_due=NOW + timedelta(hours=1)
    )
    # when
    (clock,) = ticket_clocks(ticket, now=NOW, warning_at=_quarter_before)
    # then
    assert clock.state == SlaState.PAUSED
    assert clock.remaining == timedelta(hours=4)


def test_a_finished_ticket_has_no_clock():
    ticket = _ticket(Status.RESOLVED, resolution_due=NOW + timedelta(hours=1))
    assert ticket_clocks(ticket, now=NOW, warning_at=_quarter_before) == []


def test_the_warning_time_is_asked_only_for_running_targets():
    # given
    asked = []
    ticket = _ticket(Status.WAITING_ON_CUSTOMER, sla_paused_at=NOW, resolution_due=NOW + timedelta(hours=1))
    # when
    ticket_clocks(ticket, now=NOW, warning_at=lambda target, due: asked.append(target))
    # then: a paused clock needs no policy (and so no query)
    assert asked == []


def test_a_row_shows_the_worst_target_and_among_equals_the_nearest():
    # given
    ticket = _ticket(
        first_response_due=NOW + timedelta(minutes=40),  # on track
        next_update_due=NOW + timedelta(minutes=50),  # on track, later
        resolution_due=NOW + timedelta(minutes=55),  # due soon by its own (longer) target
    )
    warning = {"first_response": NOW + timedelta(minutes=30), "next_update": NOW + timedelta(minutes=40),
               "resolution": NOW - timedelta(hours=1)}
    # when
    shown = headline(ticket_clocks(ticket, now=NOW, warning_at=lambda target, due: warning[target]))
    # then
    assert shown.target == "resolution" and shown.state == SlaState.DUE_SOON


def test_a_ticket_without_due_times_has_no_headline():
    assert headline(ticket_clocks(_ticket(), now=NOW)) is None


@pytest.mark.parametrize(
    ("remaining", "text"),
    [
        (timedelta(days=2, hours=3, minutes=10), "2 d 3 h left"),
        (timedelta(hours=1, minutes=5), "1 h 5 min left"),
        (timedelta(minutes=42, seconds=59), "42 min left"),
        (timedelta(seconds=20), "less than a minute left"),
        (timedelta(0), "less than a minute overdue"),
        (-timedelta(hours=3, minutes=2), "3 h 2 min overdue"),
    ],
)
def test_the_countdown_says_how_long_is_left_or_overdue_in_words(remaining, text):
    assert countdown(remaining) == text
