"""Every change to a ticket goes through one of these functions.

Each one runs in a transaction, locks the ticket row, applies the django-fsm
transition, records the audit event in the same transaction and sends
notifications only after commit. A transition that the current state does not
allow (including one that lost a race) raises `TransitionRefused`; a caller
whose role may not run it gets `PermissionDenied`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from supportdesk import fsm
from supportdesk.models import Role
from tickets import permissions, routing, signals
from tickets.models import TRANSITION_ACTIONS, EventKind, Status, Ticket, TicketEvent, TicketMessage

logger = logging.getLogger(__name__)


class TransitionRefused(fsm.TransitionRefused):
    """The ticket's current state does not allow this transition (HTTP 409)."""

    def __init__(self, ticket: Ticket, transition: str, message: str = ""):
        super().__init__(ticket, transition, message, actions=TRANSITION_ACTIONS)
        self.ticket = ticket


# --- creating ------------------------------------------------------------------


_THE_CUSTOMER = object()


@transaction.atomic
def ticket_create(
    *, customer, subject: str, description: str, category: str, priority: str = "normal", invoice=None,
    opened_by=_THE_CUSTOMER,
) -> Ticket:
    """Opens a ticket for the customer; `opened_by=None` when the system opens it for them (an invoice stall)."""
    if invoice is not None and invoice.customer_id != customer.id:
        raise ValidationError({"invoice": _("Choose one of your own invoices.")})
    ticket = Ticket.objects.create(
        customer=customer, subject=subject, description=description, category=category, priority=priority, invoice=invoice
    )
    _record(ticket, actor=customer if opened_by is _THE_CUSTOMER else opened_by, kind=EventKind.CREATED, to_status=Status.NEW)
    _assign_automatically(ticket)
    return ticket


def _assign_automatically(ticket: Ticket) -> None:
    team = routing.team_for_category(ticket.category)
    if team is None:
        logger.warning("No team owns category %s; %s waits unassigned", ticket.category, ticket.reference)
        return
    ticket.team = team
    agent = routing.least_loaded_agent(team)
    if agent is None:
        ticket.save(update_fields=["team", "updated_at"])
        logger.warning("Team %s has no active agent; %s waits unassigned", team, ticket.reference)
        return
    ticket.assign(agent=agent)
    ticket.save()
    _record(
        ticket, actor=None, kind=EventKind.ASSIGNED, from_status=Status.NEW, to_status=Status.OPEN,
        detail=_("Assigned automatically to %(agent)s, the agent of %(team)s with the fewest open tickets.")
        % {"agent": agent, "team": team},
        public=False,
    )


# --- transitions ---------------------------------------------------------------


def ticket_assign(*, ticket: Ticket, agent, by) -> Ticket:
    def check_agent(locked: Ticket) -> None:
        if agent.role != Role.AGENT or not agent.is_active:
            raise ValidationError({"agent": _("Choose an active frontline agent.")})
        if by is not None and by.role == Role.AGENT and agent.pk != by.pk:
            raise PermissionDenied(_("An agent may only take a ticket for themselves."))
        if by is not None and by.role == Role.MANAGER and agent.team_id not in permissions.led_team_ids(by):
            raise ValidationError({"agent": _("Choose an agent of a team you lead.")})

    return _transition(
        ticket=ticket, name="assign", by=by, kind=EventKind.ASSIGNED, public=False,
        detail=_("Assigned to %(agent)s.") % {"agent": agent}, check=check_agent, agent=agent,
    )


def ticket_request_info(*, ticket: Ticket, body: str, by) -> Ticket:
    """Asks the customer a question: a public message, and the ticket waits (its SLA clock pauses)."""
    _require_text(body, "body")

    def post_the_question(locked: Ticket, event: TicketEvent) -> None:
        message = TicketMessage.objects.create(ticket=locked, author=by, body=body)
        event.message = message
        event.save(update_fields=["message"])
        _note_first_response(locked, message)

    return _transition(
        ticket=ticket, name="request_info", by=by, kind=EventKind.INFO_REQUESTED, detail=body, after=post_the_question
    )


def ticket_resume(*, ticket: Ticket, by, detail: str) -> Ticket:
    """Takes a ticket off waiting on the customer without their answer (the system found it is ours to solve)."""
    return _transition(ticket=ticket, name="resume", by=by, kind=EventKind.RESUMED, detail=detail)


def ticket_escalate(*, ticket: Ticket, reason: str, by, cause: str = "manual", target: str = "", due_at=None) -> Ticket:
    """Hands the ticket one level up, to the owner `routing` chooses; `by` is None when the system escalates."""
    _require_text(reason, "reason")

    def choose_owner(locked: Ticket) -> dict:
        return {"owner": routing.escalation_owner(locked, level=locked.level + 1)}

    def announce(locked: Ticket, event: TicketEvent) -> None:
        signals.ticket_escalated.send(
            sender=Ticket, ticket=locked, event=event, owner=locked.escalated_to, cause=cause, target=target,
            due_at=due_at, note=reason,
        )

    # The reason is staff talk ("agent lacks invoice knowledge"); the customer
    # reads a notice written by the escalation app and `held_by_phrase`.
    return _transition(
        ticket=ticket, name="escalate", by=by, kind=EventKind.ESCALATED, detail=reason, public=False,
        arguments_for=choose_owner, after=announce,
    )


@transaction.atomic
def ticket_take_over(*, ticket: Ticket, by) -> Ticket:
    """A manager or the head of support takes an escalated ticket into their own hands."""
    locked = _lock(ticket)
    if not permissions.is_manager_or_above_on(locked, by):
        raise PermissionDenied(_("Only a manager or the head of support takes over an escalated ticket."))
    if locked.status != Status.ESCALATED:
        raise TransitionRefused(locked, "take_over")
    if locked.escalated_to_id != by.pk:
        locked.escalated_to = by
        locked.save(update_fields=["escalated_to", "updated_at"])
        _record(locked, actor=by, kind=EventKind.ASSIGNED, detail=_("%(who)s took the ticket over.") % {"who": by}, public=False)
    return locked


@transaction.atomic
def ticket_log(*, ticket: Ticket, kind: str, detail: str, actor=None, public: bool = False) -> TicketEvent:
    """Writes an event that changes no state: an SLA warning or breach, an acknowledgement, a notice to the customer.

    It takes no lock: it changes no field of the ticket, and its callers often hold the lock already.
    """
    return _record(ticket, actor=actor, kind=kind, detail=detail, public=public)


def ticket_link_incident(*, ticket: Ticket, incident) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(incident=incident)
    ticket.incident = incident


def ticket_return_to_agent(*, ticket: Ticket, guidance: str, by) -> Ticket:
    _require_text(guidance, "guidance")
    return _transition(ticket=ticket, name="return_to_agent", by=by, kind=EventKind.RETURNED, detail=guidance, public=False)


def ticket_resolve(*, ticket: Ticket, resolution: str, by) -> Ticket:
    _require_text(resolution, "resolution")
    return _transition(ticket=ticket, name="resolve", by=by, kind=EventKind.RESOLVED, detail=resolution, at=timezone.now())


def ticket_reopen(*, ticket: Ticket, by, reason: str = "") -> Ticket:
    return _transition(ticket=ticket, name="reopen", by=by, kind=EventKind.REOPENED, detail=reason)


def ticket_close(*, ticket: Ticket, by) -> Ticket:
    return _transition(ticket=ticket, name="close", by=by, kind=EventKind.CLOSED, at=timezone.now())


def tickets_close_resolved(*, now=None) -> int:
    """Close tickets resolved more than TICKETS_AUTO_CLOSE_DAYS ago, one short transaction each."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TICKETS_AUTO_CLOSE_DAYS)
    closed = 0
    while _close_next_resolved(cutoff=cutoff, now=now):
        closed += 1
    return closed


@transaction.atomic
def _close_next_resolved(*, cutoff, now) -> bool:
    ticket = (
        Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)
        .order_by("resolved_at", "id")
        .select_for_update(skip_locked=True)
        .first()
    )
    if ticket is None:
        return False
    ticket.close(at=now)
    ticket.save()
    days = settings.TICKETS_AUTO_CLOSE_DAYS
    _record(
        ticket, actor=None, kind=EventKind.CLOSED, from_status=Status.RESOLVED, to_status=Status.CLOSED,
        detail=_("Closed automatically %(days)d days after it was resolved.") % {"days": days},
    )
    return True


# --- messages ------------------------------------------------------------------


@transaction.atomic
def message_post(*, ticket: Ticket, author, body: str, internal: bool = False) -> TicketMessage:
    """A public reply or an internal note, with what a reply implies for the ticket's state."""
    _require_text(body, "body")
    ticket = _lock(ticket)
    is_customer = author.role == Role.CUSTOMER
    if is_customer and (internal or ticket.customer_id != author.id):
        raise PermissionDenied(_("Customers post public replies on their own tickets only."))
    if ticket.status == Status.CLOSED:
        raise TransitionRefused(ticket, "reply", _("This ticket is closed and takes no more replies; please open a new ticket."))

    message = TicketMessage.objects.create(ticket=ticket, author=author, body=body, internal=internal)
    _record(
        ticket, actor=author, kind=EventKind.NOTE if internal else EventKind.REPLY, detail=body,
        public=not internal, message=message,
    )
    if is_customer and ticket.status == Status.WAITING_ON_CUSTOMER:
        _apply(ticket, "resume", by=author, kind=EventKind.RESUMED, detail=_("The customer answered."))
    elif is_customer and ticket.status == Status.RESOLVED:
        _apply(ticket, "reopen", by=author, kind=EventKind.REOPENED, detail=_("The customer replied after resolution."))
    elif not is_customer and not internal:
        _note_first_response(ticket, message)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=message.created_at)
    return message


def _note_first_response(ticket: Ticket, message: TicketMessage) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = message.created_at
        ticket.save(update_fields=["first_responded_at", "updated_at"])


# --- the machinery ---------------------------------------------------------------


@transaction.atomic
def _transition(
    *, ticket: Ticket, name: str, by, kind: str, detail: str = "", public: bool = True,
    check=None, arguments_for=None, after=None, **arguments,
) -> Ticket:
    """Locks the ticket, checks role then state then the arguments, and applies the transition."""
    locked = _lock(ticket)
    _check_may_run(locked, name, by=by)
    if check is not None:
        check(locked)
    if arguments_for is not None:
        arguments.update(arguments_for(locked))
    event = _change(locked, name, by=by, kind=kind, detail=detail, public=public, **arguments)
    if after is not None:
        after(locked, event)
    return locked


def _check_may_run(ticket: Ticket, name: str, *, by) -> None:
    method = getattr(ticket, name)
    if by is not None and not fsm.role_may_run(method, ticket, by):
        raise PermissionDenied(_("You may not %(action)s.") % {"action": TRANSITION_ACTIONS.get(name, name)})
    if not can_proceed(method):
        raise TransitionRefused(ticket, name)


def _apply(ticket: Ticket, name: str, *, by, kind: str, detail: str = "", public: bool = True, **arguments) -> TicketEvent:
    """Checks, then changes, a ticket the caller has locked."""
    _check_may_run(ticket, name, by=by)
    return _change(ticket, name, by=by, kind=kind, detail=detail, public=public, **arguments)


def _change(ticket: Ticket, name: str, *, by, kind: str, detail: str = "", public: bool = True, **arguments) -> TicketEvent:
    from_status = ticket.status
    try:
        getattr(ticket, name)(**arguments)
        ticket.save()
    except (TransitionNotAllowed, ConcurrentTransition):
        ticket.refresh_from_db()
        raise TransitionRefused(ticket, name) from None
    return _record(ticket, actor=by, kind=kind, from_status=from_status, to_status=ticket.status, detail=detail, public=public)


def _lock(ticket: Ticket) -> Ticket:
    """The ticket as it is now in the database, locked until the transaction ends."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _record(ticket: Ticket, *, actor, kind: str, from_status: str = "", to_status: str = "", detail: str = "", public: bool = True, message=None) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket, at=timezone.now(), actor=actor, kind=kind, from_status=from_status,
        to_status=to_status, detail=detail, public=public, message=message,
    )
    from tickets.tasks import notify_ticket_event  # tasks import services' callers, not the reverse at import time

    signals.ticket_event_recorded.send(sender=Ticket, ticket=ticket, event=event)
    transaction.on_commit(lambda: notify_ticket_event.delay(event.pk))
    return event


def _require_text(value: str, field: str) -> None:
    if not (value or "").strip():
        raise ValidationError({field: _("This field may not be blank.")})

