"""The SLA monitor: a warning at 75% of a target, an escalation at the target, each exactly once.

The "Default" policy (24x7) applies to technical tickets: first response 60
min, next update 240, resolution 1440, acknowledgement 30. Time moves with
time-machine; the sweep is called as beat would call it.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from escalation import monitor
from escalation import services as escalations
from escalation.models import Escalation, EscalationStatus, Reason, SlaPolicy, Target
from escalation.policies import forget_policies
from supportdesk.models import Notification
from tests.escalation.conftest import MONDAY_10
from tests.factories import ManagerFactory, TicketFactory
from tickets import services
from tickets.models import EventKind, Level, SlaAlert, Status, Ticket


def sweep():
    return monitor.sla_sweep()


def open_ticket(customer, category="technical", subject="Cannot log in"):
    return services.ticket_create(customer=customer, subject=subject, description="Since this morning", category=category)


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


# --- warnings ----------------------------------------------------------------------


def test_the_owner_is_warned_once_at_75_percent_of_the_first_response_target(alice, tech01, at):
    ticket = at(0, open_ticket, alice)

    assert at(44, sweep).tickets == 0
    assert at(45, sweep).tickets == 1
    assert at(46, sweep).tickets == 0

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.sla_alerts == {"first_response": SlaAlert.WARNED}
    assert stored.sla_check_at == MONDAY_10 + timedelta(minutes=60)  # next: the breach
    warning = stored.events.get(kind=EventKind.SLA_WARNING)
    assert not warning.public and "first response" in warning.detail
    assert Notification.objects.filter(recipient=tech01, source_key=f"ticket-event:{warning.pk}").count() == 1
    assert stored.status == Status.OPEN and stored.level == Level.AGENT


def test_a_warning_on_a_business_hours_calendar_counts_working_time_back_over_the_weekend(alice, agent01, maria, at):
    shanghai = ZoneInfo("Asia/Shanghai")
    friday_5_50pm = datetime(2026, 11, 20, 17, 50, tzinfo=shanghai)
    with time_machine.travel(friday_5_50pm, tick=False):
        ticket = open_ticket(alice, category="invoice")  # "Invoices": 30 business minutes -> Monday 9:20

    stored = Ticket.objects.get(pk=ticket.pk)
    # 75% of 30 minutes is used at Monday 9:12:30; nothing is due over the weekend
    assert stored.sla_check_at == datetime(2026, 11, 23, 9, 12, 30, tzinfo=shanghai)
    with time_machine.travel(datetime(2026, 11, 22, 12, 0, tzinfo=shanghai), tick=False):
        assert sweep().tickets == 0


# --- breaches --------------------------------------------------------------------------


def test_a_breached_first_response_escalates_once_to_the_team_manager(alice, tech01, tomas, at):
    ticket = at(0, open_ticket, alice)
    at(45, sweep)

    assert at(60, sweep).tickets == 1
    assert at(61, sweep).tickets == 0

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.level, stored.escalated_to) == (Status.ESCALATED, Level.MANAGER, tomas)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.target, escalation.due_at, escalation.owner) == (
        Reason.SLA_BREACH, Target.FIRST_RESPONSE, MONDAY_10 + timedelta(minutes=60), tomas
    )
    assert escalation.created_at == MONDAY_10 + timedelta(minutes=60)
    assert escalation.acknowledge_due == MONDAY_10 + timedelta(minutes=90)
    # the new owner is told; the customer reads a plain sentence
    escalated = stored.events.get(kind=EventKind.ESCALATED)
    assert Notification.objects.filter(recipient=tomas, source_key=f"ticket-event:{escalated.pk}").exists()
    notice = stored.events.get(kind=EventKind.NOTICE)
    assert notice.public
    assert "We did not meet our first response time" in notice.detail and "Technical manager" in notice.detail
    assert Notification.objects.filter(recipient=alice, source_key=f"ticket-event:{notice.pk}").exists()


def test_a_breach_the_sweep_sees_late_escalates_without_a_separate_warning(alice, tech01, tomas, at):
    ticket = at(0, open_ticket, alice)

    at(300, sweep)  # the monitor was down for hours

    assert kinds(ticket).count(EventKind.SLA_WARNING) == 0
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).sla_alerts == {"first_response": SlaAlert.BREACHED}


def test_an_invoice_ticket_goes_to_the_invoice_expert_with_the_lightest_escalation_load(alice, agent01, maria, tomas, billing, at):
    li = ManagerFactory(username="li", expertise=["invoice"])
    TicketFactory(status=Status.ESCALATED, level=Level.MANAGER, escalated_to=maria, team=billing, customer=alice)
    invoices_24x7 = SlaPolicy.objects.get(name="Invoices")
    invoices_24x7.calendar = SlaPolicy.objects.get(name="Default").calendar
    invoices_24x7.save()
    ticket = at(0, open_ticket, alice, category="invoice")  # first response: 30 minutes

    at(30, sweep)

    assert Ticket.objects.get(pk=ticket.pk).escalated_to == li  # maria already holds one; tomas knows no invoices


def test_a_paused_ticket_does_not_breach_and_its_answer_moves_the_deadline(alice, tech01, tomas, at):
    ticket = at(0, open_ticket, alice)
    at(30, services.ticket_request_info, ticket=ticket, body="Which account?", by=tech01)  # the question is the first response

    ticket.refresh_from_db()
    at(30, services.message_post, ticket=ticket, author=alice, body="The acme one")
    # a wait that was never a breach: nothing due over the pause
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.first_response_due is None
    assert ticket.next_update_due == MONDAY_10 + timedelta(minutes=30 + 240)

    at(30, services.ticket_request_info, ticket=ticket, body="And the tax id?", by=tech01)
    assert Ticket.objects.get(pk=ticket.pk).sla_check_at is None  # out of the monitor's index while paused
    assert at(24 * 60, sweep).tickets == 0  # a day later, still waiting on her: the clock stands still
    at(24 * 60, services.message_post, ticket=ticket, author=alice, body="91310000")

    resumed = Ticket.objects.get(pk=ticket.pk)
    assert resumed.next_update_due == MONDAY_10 + timedelta(minutes=24 * 60 + 240)
    assert at(24 * 60 + 239, sweep).tickets == 1  # the 75% warning came and went; this is the last minute
    assert not Escalation.objects.filter(ticket=ticket).exists()
    assert at(24 * 60 + 240, sweep).tickets == 1
    assert Escalation.objects.get(ticket=ticket).target == Target.NEXT_UPDATE


def test_a_stale_timer_for_a_ticket_that_was_paused_does_nothing(alice, tech01, at):
    ticket = at(0, open_ticket, alice)
    at(50, services.ticket_request_info, ticket=ticket, body="Which account?", by=tech01)

    assert at(61, monitor.enforce_ticket, ticket.pk, now=MONDAY_10 + timedelta(minutes=61)) is False
    assert not Escalation.objects.exists()


def test_a_check_time_left_on_a_ticket_whose_clock_stopped_is_cleared_and_ignored(alice, tech01, at):
    ticket = at(0, open_ticket, alice)
    SlaPolicy.objects.update(is_active=False)  # no policy: resolving it moves no clock
    forget_policies()
    at(10, services.ticket_resolve, ticket=ticket, resolution="Done", by=tech01)
    assert Ticket.objects.get(pk=ticket.pk).sla_check_at is not None

    assert at(60, sweep).tickets == 0

    assert Ticket.objects.get(pk=ticket.pk).sla_check_at is None
    assert not Escalation.objects.exists()


def test_editing_the_policy_does_not_move_deadlines_already_running(alice, bob, tech01, at):
    ticket = at(0, open_ticket, alice)
    policy = SlaPolicy.objects.get(name="Default")
    policy.first_response_minutes = 10
    policy.save()  # as the admin and the API do

    assert at(15, sweep).tickets == 0
    assert not Escalation.objects.filter(ticket=ticket).exists()
    assert at(15, open_ticket, bob).first_response_due == MONDAY_10 + timedelta(minutes=25)  # new tickets: the new target


def test_each_level_escalates_once_and_the_manager_owes_the_customer_an_update(alice, tech01, tomas, hana, at):
    ticket = at(0, open_ticket, alice)
    at(60, sweep)  # first response breached: level 2, tomas, who owes an update within 240 minutes
    at(61, escalations.escalation_acknowledge, escalation=Escalation.objects.get(ticket=ticket), by=tomas)

    escalated = Ticket.objects.get(pk=ticket.pk)
    assert escalated.next_update_due == MONDAY_10 + timedelta(minutes=60 + 240)
    assert "You will hear from us by 2026-11-23 15:00" in escalated.events.get(kind=EventKind.NOTICE).detail
    at(60 + 239, sweep)
    assert Ticket.objects.get(pk=ticket.pk).level == Level.MANAGER

    at(60 + 240, sweep)  # no update came: level 3, the head of support

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.level, stored.escalated_to) == (Level.HEAD, hana)
    assert list(Escalation.objects.filter(ticket=ticket).values_list("level", "target", "status")) == [
        (Level.MANAGER, Target.FIRST_RESPONSE, EscalationStatus.RESOLVED),
        (Level.HEAD, Target.NEXT_UPDATE, EscalationStatus.OPEN),
    ]


def test_at_the_top_level_a_breach_is_recorded_and_the_head_told(alice, tech01, tomas, hana, at):
    ticket = TicketFactory(
        status=Status.ESCALATED, level=Level.HEAD, escalated_to=hana, customer=alice,
        resolution_due=MONDAY_10, sla_check_at=MONDAY_10,
    )

    at(1, sweep)

    assert not Escalation.objects.filter(ticket=ticket).exists()
    breached = ticket.events.get(kind=EventKind.SLA_BREACHED)
    assert Notification.objects.filter(recipient=hana, source_key=f"ticket-event:{breached.pk}").exists()


def test_one_ticket_that_fails_does_not_stop_the_others(alice, tech01, at, monkeypatch):
    broken, healthy = at(0, open_ticket, alice), at(0, open_ticket, alice)
    real_escalate = services.ticket_escalate

    def escalate(*, ticket, **kwargs):
        if ticket.pk == broken.pk:
            raise RuntimeError("a bug for this one ticket")
        return real_escalate(ticket=ticket, **kwargs)

    monkeypatch.setattr(services, "ticket_escalate", escalate)
    report = at(60, sweep)

    assert report.tickets == 1
    assert Escalation.objects.filter(ticket=healthy).count() == 1
    assert Ticket.objects.get(pk=broken.pk).sla_check_at == MONDAY_10 + timedelta(minutes=60, seconds=30)  # tried again later
    monkeypatch.setattr(services, "ticket_escalate", real_escalate)
    at(61, sweep)
    assert Escalation.objects.filter(ticket=broken).count() == 1


# --- acknowledgement --------------------------------------------------------------------


def test_an_unacknowledged_escalation_warns_its_owner_then_goes_to_the_head_of_support(alice, tech01, tomas, hana, at):
    ticket = at(0, open_ticket, alice)
    at(60, sweep)
    first = Escalation.objects.get(ticket=ticket)

    assert at(60 + 22, sweep).acknowledgements == 0
    assert at(60 + 22.5, sweep).acknowledgements == 1  # 75% of 30 minutes
    warning = ticket.events.filter(kind=EventKind.SLA_WARNING).last()
    assert "Acknowledge this escalation" in warning.detail
    assert Notification.objects.filter(recipient=tomas, source_key=f"ticket-event:{warning.pk}").exists()

    assert at(60 + 30, sweep).acknowledgements == 1
    assert at(60 + 31, sweep).acknowledgements == 0

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.level, stored.escalated_to) == (Level.HEAD, hana)
    first.refresh_from_db()
    assert first.status == EscalationStatus.RESOLVED
    second = Escalation.objects.exclude(pk=first.pk).get(ticket=ticket)
    assert (second.reason, second.target, second.due_at, second.owner, second.level) == (
        Reason.ACK_TIMEOUT, Target.ACKNOWLEDGE, first.acknowledge_due, hana, Level.HEAD
    )
    assert second.acknowledge_due is None  # nobody above the head of support


def test_an_acknowledged_escalation_stays_with_its_manager(alice, tech01, tomas, hana, at):
    ticket = at(0, open_ticket, alice)
    at(60, sweep)
    escalation = Escalation.objects.get(ticket=ticket)

    at(70, escalations.escalation_acknowledge, escalation=escalation, by=tomas)
    at(120, sweep)

    escalation.refresh_from_db()
    assert (escalation.status, escalation.acknowledged_by, escalation.acknowledged_at) == (
        EscalationStatus.ACKNOWLEDGED, tomas, MONDAY_10 + timedelta(minutes=70)
    )
    assert Ticket.objects.get(pk=ticket.pk).level == Level.MANAGER
    assert ticket.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_returning_the_ticket_to_the_agent_closes_the_escalation_and_stops_its_timer(alice, tech01, tomas, at):
    ticket = at(0, open_ticket, alice)
    at(60, sweep)

    at(65, services.ticket_return_to_agent, ticket=ticket, guidance="Reset the password", by=tomas)

    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.status, escalation.resolved_at, escalation.check_at) == (
        EscalationStatus.RESOLVED, MONDAY_10 + timedelta(minutes=65), None
    )
    assert at(200, sweep).acknowledgements == 0


# --- manual escalation -------------------------------------------------------------------


def test_an_agent_escalating_by_hand_goes_to_the_same_manager_and_is_recorded(alice, agent01, maria, tomas, at):
    ticket = at(0, open_ticket, alice, category="invoice")

    at(5, services.ticket_escalate, ticket=ticket, reason="The customer's tax id is rejected by the gateway", by=agent01)

    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.owner, escalation.level, escalation.target, escalation.due_at) == (
        Reason.MANUAL, maria, Level.MANAGER, "", None
    )
    assert escalation.note == "The customer's tax id is rejected by the gateway"


# --- precision ---------------------------------------------------------------------------------


def test_deadlines_of_the_next_minute_go_to_one_eta_task_each(alice, tech01, at, monkeypatch):
    from escalation import tasks

    handed = []
    monkeypatch.setattr(tasks.check_ticket_sla, "apply_async", lambda args, eta: handed.append((args[0], eta)))
    ticket = at(0, open_ticket, alice)

    assert at(44, sweep).timers == 1
    assert at(44.5, sweep).timers == 0  # already handed over
    assert handed == [(ticket.pk, MONDAY_10 + timedelta(minutes=45))]

    at(45, tasks.check_ticket_sla, ticket.pk)  # the ETA task fires: the warning
    assert at(59.5, sweep).timers == 1  # and the breach is handed over next
    assert handed[-1] == (ticket.pk, MONDAY_10 + timedelta(minutes=60))


def test_a_timer_that_fires_a_moment_early_sets_itself_again_once(alice, tech01, at, monkeypatch):
    from escalation import tasks

    ticket = at(0, open_ticket, alice)
    at(45, sweep)
    deadline = MONDAY_10 + timedelta(minutes=60)
    rearmed = []
    monkeypatch.setattr(tasks.check_ticket_sla, "apply_async", lambda args, eta: rearmed.append((args, eta)))

    assert at(59.99, tasks.check_ticket_sla, ticket.pk, deadline.isoformat()) is False
    assert rearmed == [((ticket.pk,), deadline)]
    assert at(55, tasks.check_ticket_sla, ticket.pk, deadline.isoformat()) is False  # minutes early: the sweep's job
    assert len(rearmed) == 1


def test_the_timer_task_escalates_what_is_due_and_a_second_copy_does_nothing(alice, tech01, tomas, at):
    from escalation import tasks

    ticket = at(0, open_ticket, alice)
    at(45, sweep)

    assert at(60, tasks.check_ticket_sla, ticket.pk) is True
    assert at(60, tasks.check_ticket_sla, ticket.pk) is False
    assert Escalation.objects.filter(ticket=ticket).count() == 1


def test_the_command_runs_one_pass(alice, tech01, at):
    from io import StringIO

    from django.core.management import call_command

    at(0, open_ticket, alice)
    out = StringIO()
    at(60, call_command, "sla_sweep", stdout=out)

    assert "SLA sweep: 1 tickets" in out.getvalue()
    assert Escalation.objects.count() == 1
