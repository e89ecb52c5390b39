"""Escalation records, kept from what tickets announce.

Tickets know nothing of this app: they send `ticket_escalated` when a ticket
goes up a level and `ticket_event_recorded` for every event. Here, inside the
same transaction, each escalation becomes a record with its acknowledgement
target, the customer reads a plain sentence about it, and the record is closed
when the ticket leaves the escalated state.
"""

from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from escalation.calendars import add_working_minutes
from escalation.models import Escalation, EscalationStatus, Incident, IncidentStatus, Reason, Target
from escalation.policies import policy_for_ticket
from escalation.targets import warning_at
from tickets import services as tickets
from tickets.models import Category, EventKind, Level, Ticket, held_by_phrase
from tickets.signals import ticket_escalated, ticket_event_recorded

_CLOSING_KINDS = {EventKind.RETURNED, EventKind.RESOLVED, EventKind.REOPENED, EventKind.CLOSED}


@receiver(ticket_escalated, dispatch_uid="escalation.records.keep")
def keep_the_record(sender, ticket: Ticket, event, owner, cause: str, target: str, due_at, note: str, **kwargs) -> None:
    now = event.at
    _close_open_escalations(ticket, at=now)
    policy = policy_for_ticket(ticket)
    acknowledge_due = None
    if ticket.level < Level.HEAD and policy is not None and policy.acknowledge_minutes:
        acknowledge_due = add_working_minutes(policy.calendar, now, policy.acknowledge_minutes)
    warn = warning_at(policy, acknowledge_due, policy.acknowledge_minutes if policy else None)
    Escalation.objects.create(
        ticket=ticket, level=ticket.level, reason=cause, target=target, due_at=due_at, created_at=now, owner=owner,
        note=note, acknowledge_due=acknowledge_due, check_at=warn or acknowledge_due,
    )
    tickets.ticket_log(ticket=ticket, kind=EventKind.NOTICE, detail=customer_notice(ticket, cause, target), public=True)


@receiver(ticket_event_recorded, dispatch_uid="escalation.records.close")
def close_when_the_ticket_moves_on(sender, ticket: Ticket, event, **kwargs) -> None:
    if event.kind in _CLOSING_KINDS:
        _close_open_escalations(ticket, at=event.at)
    elif event.kind == EventKind.CREATED and ticket.category == Category.INVOICE:
        incident = Incident.objects.filter(status=IncidentStatus.OPEN).order_by("-started_at", "-id").first()
        if incident is not None:
            tickets.ticket_link_incident(ticket=ticket, incident=incident)


def _close_open_escalations(ticket: Ticket, *, at) -> None:
    Escalation.objects.filter(ticket=ticket).exclude(status=EscalationStatus.RESOLVED).update(
        status=EscalationStatus.RESOLVED, resolved_at=at, check_at=None
    )


def customer_notice(ticket: Ticket, cause: str, target: str) -> str:
    """What the customer reads after an escalation: who has the ticket now, why, and when they hear next."""
    holder = held_by_phrase(ticket)
    if cause == Reason.SLA_BREACH:
        why = _("We did not meet our %(target)s time for your ticket, so %(holder)s has taken it over.") % {
            "target": Target(target).label if target else _("promised"), "holder": holder,
        }
    elif cause == Reason.INVOICE_STALL:
        why = _("Your invoice is taking longer than it should, so %(holder)s is looking into it now.") % {"holder": holder}
    elif cause == Reason.ACK_TIMEOUT:
        why = _("Your ticket now goes to %(holder)s, so that it gets attention sooner.") % {"holder": holder}
    elif cause == Reason.INCIDENT:
        why = _("Your ticket is part of a wider problem we are fixing; %(holder)s is in charge of it.") % {"holder": holder}
    else:
        why = _("Your ticket now goes to %(holder)s, who can help further.") % {"holder": holder}
    return f"{why} {next_update_sentence(ticket)}".strip()


def next_update_sentence(ticket: Ticket) -> str:
    due = ticket.next_update_due or ticket.first_response_due or ticket.resolution_due
    if due is None:
        return ""
    if due <= timezone.now():
        return _("We owe you an update now.")
    return _("You will hear from us by %(when)s.") % {"when": formats.date_format(timezone.localtime(due), "Y-m-d H:i T")}
