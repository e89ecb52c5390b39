"""The SLA clock: keeps each ticket's due times as the ticket moves.

Tickets know nothing of SLA policies; they announce every event they record
(`tickets.signals.ticket_event_recorded`) and this module moves the due
columns, inside the same transaction. Times are counted on the policy's
calendar, and the time a ticket waits on the customer does not count.
"""

from django.dispatch import receiver

from escalation.calendars import add_working_minutes, working_minutes_between
from escalation.policies import policy_for_ticket
from escalation.targets import DUE_FIELD_TARGET, next_check_at
from tickets.models import SLA_DUE_FIELDS, EventKind, Ticket
from tickets.signals import ticket_event_recorded


@receiver(ticket_event_recorded, dispatch_uid="escalation.clock")
def move_the_clock(sender, ticket: Ticket, event, **kwargs) -> None:
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        return
    policy = policy_for_ticket(ticket)
    if policy is None:
        return
    changes = handler(ticket, event, policy)
    if not changes:
        return
    for field, value in changes.items():
        setattr(ticket, field, value)
    changes |= _monitor_fields(ticket, event, policy, moved=changes.keys())
    for field, value in changes.items():
        setattr(ticket, field, value)
    Ticket.objects.filter(pk=ticket.pk).update(**changes)


def _monitor_fields(ticket: Ticket, event, policy, *, moved) -> dict:
    """A target started afresh may be warned and breached again; one that only moved (a pause) may not."""
    alerts = dict(ticket.sla_alerts or {})
    if event.kind != EventKind.RESUMED:
        for field in SLA_DUE_FIELDS:
            if field in moved:
                alerts.pop(DUE_FIELD_TARGET[field], None)
    ticket.sla_alerts = alerts
    # A paused clock has nothing to check: the monitor's index holds running clocks only.
    check_at = None if ticket.sla_paused_at is not None else next_check_at(ticket, policy)
    return {"sla_alerts": alerts, "sla_check_at": check_at}


def _due(policy, start, minutes):
    return add_working_minutes(policy.calendar, start, minutes) if minutes else None


def _started(ticket, event, policy) -> dict:
    return {
        "first_response_due": _due(policy, event.at, policy.first_response_minutes),
        "resolution_due": _due(policy, event.at, policy.resolution_minutes),
        "next_update_due": None,  # counted from the first response on
    }


def _staff_spoke(ticket, event, policy) -> dict:
    """A public word from staff meets the first response and restarts the next-update clock."""
    if not event.public or event.actor is None or event.actor.is_customer:
        return {}
    return {"first_response_due": None, "next_update_due": _due(policy, event.at, policy.next_update_minutes)}


def _asked_the_customer(ticket, event, policy) -> dict:
    return {**_staff_spoke(ticket, event, policy), "sla_paused_at": event.at}


def _customer_answered(ticket, event, policy) -> dict:
    """Every running target moves on by the working time the ticket waited."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return {}
    changes = {"sla_paused_at": None}
    for field in SLA_DUE_FIELDS:
        due = getattr(ticket, field)
        if due is not None:
            remaining = working_minutes_between(policy.calendar, paused_at, due)
            changes[field] = add_working_minutes(policy.calendar, event.at, remaining)
    return changes


def _escalated(ticket, event, policy) -> dict:
    """Whoever takes the ticket up owes the customer an update within the next-update target."""
    return {"next_update_due": _due(policy, event.at, policy.next_update_minutes)}


def _finished(ticket, event, policy) -> dict:
    return {field: None for field in SLA_DUE_FIELDS} | {"sla_paused_at": None}


def _reopened(ticket, event, policy) -> dict:
    return {
        "resolution_due": _due(policy, event.at, policy.resolution_minutes),
        "next_update_due": _due(policy, event.at, policy.next_update_minutes),
        "sla_paused_at": None,
    }


_HANDLERS = {
    EventKind.CREATED: _started,
    EventKind.REPLY: _staff_spoke,
    EventKind.INFO_REQUESTED: _asked_the_customer,
    EventKind.RESUMED: _customer_answered,
    EventKind.ESCALATED: _escalated,
    EventKind.RESOLVED: _finished,
    EventKind.CLOSED: _finished,
    EventKind.REOPENED: _reopened,
}
