"""Tickets, their state machine, their conversation and their audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from tickets import permissions


class Category(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    BILLING = "billing", _("Billing")
    TECHNICAL = "technical", _("Technical")
    ACCOUNT = "account", _("Account")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Level(models.IntegerChoices):
    AGENT = 1, _("Frontline agent")
    MANAGER = 2, _("Manager")
    HEAD = 3, _("Head of support")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.ESCALATED)
SLA_RUNNING_STATUSES = (Status.NEW, Status.OPEN, Status.ESCALATED)  # waiting on the customer pauses the clock
SLA_DUE_FIELDS = ("first_response_due", "next_update_due", "resolution_due")


def finished_last():
    """0 for work still to do, 1 for finished tickets: the queue's first sort key."""
    return Case(When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())


def nearest_due():
    """The earliest of the three due columns, ignoring empty ones; empty when all are.

    LEAST is NULL as soon as one argument is on SQLite (and MIN ignores nothing),
    so each argument is a COALESCE starting from a different column: every set
    due time is the first choice of one of them, and none is NULL unless all are.
    """
    first, update, resolution = SLA_DUE_FIELDS
    return Least(
        Coalesce(first, update, resolution),
        Coalesce(update, resolution, first),
        Coalesce(resolution, first, update),
    )


class SlaAlert(models.TextChoices):
    """How far a target has gone, kept per target in `Ticket.sla_alerts`."""

    WARNED = "warned", _("Warned")
    BREACHED = "breached", _("Breached")

# Transitions that people run by name (API, web, admin); the others happen
# as a consequence of something else, e.g. `resume` when the customer replies.
PUBLIC_TRANSITIONS = ("assign", "request_info", "escalate", "return_to_agent", "resolve", "reopen", "close")


TRANSITION_ACTIONS = {
    "assign": _("assign the ticket"),
    "request_info": _("ask the customer for information"),
    "resume": _("resume the ticket"),
    "escalate": _("escalate the ticket"),
    "return_to_agent": _("return the ticket to the agent"),
    "resolve": _("resolve the ticket"),
    "reopen": _("reopen the ticket"),
    "close": _("close the ticket"),
    "reply": _("reply"),
    "take_over": _("take the ticket over"),
}


def below_top_level(ticket) -> bool:
    return ticket.level < Level.HEAD


def has_agent_to_return_to(ticket) -> bool:
    return ticket.assignee_id is not None


class Ticket(ConcurrentTransitionMixin, models.Model):
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = FSMField(_("status"), default=Status.NEW, choices=Status.choices, protected=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.AGENT)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets")
    team = models.ForeignKey("supportdesk.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_tickets",
        help_text=_("The manager or head of support who holds the ticket while it is escalated."),
    )
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    # The SLA clock (kept by escalation.clock): when each target falls due, empty once met or moot.
    first_response_due = models.DateTimeField(null=True, blank=True)
    next_update_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True, help_text=_("Set while waiting on the customer."))
    # The SLA monitor (escalation.monitor) reads only `sla_check_at`: the next
    # moment a warning or a breach is due. `sla_alerts` says which targets have
    # been warned or breached, so each happens once per due time.
    sla_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_alerts = models.JSONField(default=dict, blank=True, editable=False)
    sla_timer_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("The check time already handed to a short ETA task.")
    )
    incident = models.ForeignKey(
        "escalation.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "team"], name="ticket_status_team"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),
            models.Index(
                fields=["resolved_at"], name="ticket_resolved_since", condition=Q(status="resolved")
            ),
            *[
                models.Index(fields=[due], name=f"ticket_{due}", condition=Q(status__in=SLA_RUNNING_STATUSES))
                for due in SLA_DUE_FIELDS
            ],
            # Only tickets whose clock runs have a check time, so "IS NOT NULL" keeps
            # the index as small as a status condition would, and SQLite (which
            # cannot match bound status parameters to a partial index) uses it too.
            models.Index(fields=["sla_check_at"], name="ticket_sla_check_at", condition=Q(sla_check_at__isnull=False)),
            # The lists' orders, so that a page is the first rows of an index scan whatever the table's size:
            # the API's newest first, and the agent's queue (tickets.views.listing.nearest_deadline_first). An
            # expression index matches an ORDER BY only when the expressions are the same, hence shared functions.
            models.Index(F("created_at").desc(), F("id").desc(), name="ticket_recent"),
            models.Index(
                finished_last(), nearest_due(), F("updated_at").desc(), F("id").desc(), name="ticket_queue_order"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"T-{self.pk:06d}" if self.pk else "T-new"

    # --- transitions: they change fields only; tickets.services does the rest ---

    @transition(field=status, source=[Status.NEW, Status.OPEN], target=Status.OPEN, permission=permissions.may_assign)
    def assign(self, *, agent):
        self.assignee = agent
        if agent.team_id:
            self.team_id = agent.team_id

    @transition(field=status, source=Status.OPEN, target=Status.WAITING_ON_CUSTOMER, permission=permissions.is_staff_on)
    def request_info(self):
        pass

    @transition(
        field=status, source=Status.WAITING_ON_CUSTOMER, target=Status.OPEN, permission=permissions.is_owner_or_staff_on
    )
    def resume(self):
        pass

    @transition(
        field=status,
        source=[Status.NEW, Status.OPEN, Status.ESCALATED],
        target=Status.ESCALATED,
        conditions=[below_top_level],
        permission=permissions.may_escalate,
    )
    def escalate(self, *, owner):
        self.level += 1
        self.escalated_to = owner

    @transition(
        field=status,
        source=Status.ESCALATED,
        target=Status.OPEN,
        conditions=[has_agent_to_return_to],
        permission=permissions.is_manager_or_above_on,
    )
    def return_to_agent(self):
        self.level = Level.AGENT
        self.escalated_to = None

    @transition(field=status, source=[Status.OPEN, Status.ESCALATED], target=Status.RESOLVED, permission=permissions.is_staff_on)
    def resolve(self, *, at):
        self.resolved_at = at

    @transition(field=status, source=Status.RESOLVED, target=Status.OPEN, permission=permissions.is_owner_or_staff_on)
    def reopen(self):
        self.resolved_at = None
        self.level = Level.AGENT
        self.escalated_to = None

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=permissions.is_owner_or_staff_on)
    def close(self, *, at):
        self.closed_at = at

    # --- reading ---

    def allowed_transitions_for(self, user) -> list[str]:
        names = {t.name for t in self.get_available_user_status_transitions(user)}
        return [name for name in PUBLIC_TRANSITIONS if name in names]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def breached_targets(self, now) -> list[str]:
        """The SLA targets past due and not met, while the clock runs."""
        if self.sla_paused_at is not None or self.status not in SLA_RUNNING_STATUSES:
            return []
        return [due.removesuffix("_due") for due in SLA_DUE_FIELDS if getattr(self, due) and getattr(self, due) <= now]


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text=_("Internal notes are never shown to customers."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{'note' if self.internal else 'reply'} on {self.ticket_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    INFO_REQUESTED = "info_requested", _("Information requested")
    RESUMED = "resumed", _("Customer replied")
    ESCALATED = "escalated", _("Escalated")
    RETURNED = "returned", _("Returned to agent")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    ACKNOWLEDGED = "acknowledged", _("Escalation acknowledged")
    NOTICE = "notice", _("Update from support")


class TicketEvent(models.Model):
    """One line of the audit timeline: who did what, when, from which state to which, and why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty when the system acted."),
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    detail = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    message = models.ForeignKey(TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_timeline")]

    def __str__(self):
        return f"{self.kind} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"


def held_by_phrase(ticket: Ticket) -> str:
    """Who has the ticket now, in words a customer may read."""
    team = ticket.team.name if ticket.team_id else _("support")
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return _("nobody: it is %(status)s") % {"status": ticket.get_status_display().lower()}
    if ticket.status == Status.WAITING_ON_CUSTOMER:
        return _("you: we are waiting for your answer")
    if ticket.level == Level.HEAD:
        return _("the head of support")
    if ticket.level == Level.MANAGER:
        return _("a %(team)s manager") % {"team": team}
    if ticket.assignee_id:
        return _("a %(team)s specialist") % {"team": team}
    return _("the %(team)s team, choosing an agent") % {"team": team}
