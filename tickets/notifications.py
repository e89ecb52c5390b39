"""Who hears about a ticket event, and what they are told.

Subjects and bodies are callables: `deliver_once` builds each one in its
recipient's language and time zone. An event's `detail` is stored text (a
reply, a reason) and is passed on as written.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from supportdesk.notifications import Delivery, deliver_once, moment
from tickets.models import EventKind, Status, TicketEvent

# Events the customer hears about when staff (or the system) caused them.
_CUSTOMER_KINDS = {EventKind.CREATED, EventKind.REPLY, EventKind.INFO_REQUESTED, EventKind.ESCALATED, EventKind.RESOLVED, EventKind.CLOSED, EventKind.NOTICE}
# Events the person holding the ticket hears about.
_HOLDER_KINDS = {EventKind.REPLY, EventKind.NOTE, EventKind.RESUMED, EventKind.REOPENED, EventKind.ASSIGNED, EventKind.ESCALATED, EventKind.RETURNED, EventKind.SLA_WARNING, EventKind.SLA_BREACHED}


def deliveries_for(event: TicketEvent) -> list[Delivery]:
    ticket = event.ticket
    deliveries = []
    customer_hears = event.public and event.kind in _CUSTOMER_KINDS and event.actor_id != ticket.customer_id
    if event.kind == EventKind.CREATED:
        customer_hears = True
    if customer_hears:
        deliveries.append(
            Delivery(
                recipient=ticket.customer,
                subject=lambda: _subject(event),
                body=lambda: _with_time(_customer_body(event), event),
                url=reverse("customer-ticket", args=[ticket.pk]),
            )
        )
    holder = _holder(ticket)
    if holder is not None and event.kind in _HOLDER_KINDS and event.actor_id != holder.pk:
        deliveries.append(
            Delivery(
                recipient=holder,
                subject=lambda: _subject(event),
                body=lambda: _with_time(event.detail or str(event.get_kind_display()), event),
                url=reverse("agent-ticket", args=[ticket.pk]),
            )
        )
    return deliveries


def _holder(ticket):
    """Who answers for the ticket now; an unassigned ticket is its team manager's to watch."""
    if ticket.status == Status.ESCALATED and ticket.escalated_to_id:
        return ticket.escalated_to
    if ticket.assignee_id:
        return ticket.assignee
    return ticket.team.manager if ticket.team_id else None


def _subject(event: TicketEvent) -> str:
    ticket = event.ticket
    return _("[%(ref)s] %(what)s: %(subject)s") % {"ref": ticket.reference, "what": event.get_kind_display(), "subject": ticket.subject}


def _with_time(text: str, event: TicketEvent) -> str:
    return f"{text}\n\n" + _("When: %(at)s") % {"at": moment(event.at)}


def _customer_body(event: TicketEvent) -> str:
    ticket = event.ticket
    if event.kind == EventKind.CREATED and event.actor_id is None:
        return _("We opened ticket %(ref)s for you: %(subject)s. We will keep you posted here.") % {
            "ref": ticket.reference, "subject": ticket.subject,
        }
    if event.kind == EventKind.CREATED:
        return _("We received your ticket %(ref)s and a support agent will answer you here.") % {"ref": ticket.reference}
    return event.detail or _("Your ticket %(ref)s is now %(status)s.") % {"ref": ticket.reference, "status": ticket.get_status_display().lower()}


def deliver_for_event(event_id: int) -> int:
    """Notify everyone concerned by an event once; returns how many notifications were new."""
    event = TicketEvent.objects.select_related("ticket__customer", "ticket__assignee", "ticket__escalated_to", "ticket__team__manager").filter(pk=event_id).first()
    if event is None:  # the transaction that wrote it was rolled back
        return 0
    return sum(deliver_once(delivery, source_key=f"ticket-event:{event.pk}") for delivery in deliveries_for(event))
