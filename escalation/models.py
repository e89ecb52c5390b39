"""SLA policies and the calendars their targets are counted in.

Teams live in `supportdesk` (tickets are routed to them). The SLA clock,
escalations and incidents build on these.
"""

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.models import CustomerTier


class CalendarKind(models.TextChoices):
    ALWAYS = "24x7", _("24x7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


def default_workdays() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday


class Calendar(models.Model):
    """When the SLA clock runs: always, or on working hours of working days outside holidays."""

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=CalendarKind.choices, default=CalendarKind.ALWAYS)
    time_zone = models.CharField(max_length=64, default="UTC", help_text=_("An IANA name, e.g. Asia/Shanghai."))
    workday_start = models.TimeField(default=time(9, 0))
    workday_end = models.TimeField(default=time(18, 0))
    workdays = models.JSONField(default=default_workdays, help_text=_("Weekdays that are working days, Monday = 0."))
    holiday_country = models.CharField(
        max_length=8, blank=True, help_text=_("Public holidays of this country (ISO code, e.g. CN) are not working days.")
    )
    extra_holidays = models.JSONField(default=list, blank=True, help_text=_("More days off, as YYYY-MM-DD."))

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone %(tz)s.") % {"tz": self.time_zone}
        if self.kind == CalendarKind.BUSINESS_HOURS:
            if not isinstance(self.workdays, list) or not self.workdays or any(d not in range(7) for d in self.workdays):
                errors["workdays"] = _("Name at least one weekday, 0 (Monday) to 6 (Sunday).")
            if self.workday_start >= self.workday_end:
                errors["workday_end"] = _("The working day must end after it starts.")
        if self.holiday_country:
            import holidays

            if self.holiday_country.upper() not in holidays.list_supported_countries():
                errors["holiday_country"] = _("No holiday list for %(c)s.") % {"c": self.holiday_country}
        try:
            [date.fromisoformat(day) for day in self.extra_holidays or []]
        except (TypeError, ValueError):
            errors["extra_holidays"] = _("List days as YYYY-MM-DD.")
        if errors:
            raise ValidationError(errors)


_MINUTES = {"null": True, "blank": True, "validators": [MinValueValidator(0.01)]}


class SlaPolicy(models.Model):
    """Targets for the tickets it matches; an empty criterion matches anything."""

    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=16, blank=True, default="", help_text=_("Empty matches every category."))
    priority = models.CharField(max_length=8, blank=True, default="", help_text=_("Empty matches every priority."))
    customer_tier = models.CharField(
        max_length=16, blank=True, default="", choices=CustomerTier.choices, help_text=_("Empty matches every tier.")
    )
    first_response_minutes = models.FloatField(**_MINUTES)
    next_update_minutes = models.FloatField(
        **_MINUTES, help_text=_("While a ticket is open, the customer hears from us at least this often.")
    )
    resolution_minutes = models.FloatField(**_MINUTES)
    acknowledge_minutes = models.FloatField(**_MINUTES, help_text=_("A manager acknowledges an escalation within this."))
    invoice_review_minutes = models.FloatField(**_MINUTES)
    invoice_issue_minutes = models.FloatField(**_MINUTES)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name

    @property
    def specificity(self) -> int:
        return sum(1 for criterion in (self.category, self.priority, self.customer_tier) if criterion)

    def clean(self):
        super().clean()
        from tickets.models import Category, Priority

        errors = {}
        if self.category and self.category not in Category.values:
            errors["category"] = _("Choose among: %(c)s, or leave empty.") % {"c": ", ".join(Category.values)}
        if self.priority and self.priority not in Priority.values:
            errors["priority"] = _("Choose among: %(p)s, or leave empty.") % {"p": ", ".join(Priority.values)}
        if errors:
            raise ValidationError(errors)


class Reason(models.TextChoices):
    SLA_BREACH = "sla_breach", _("SLA breached")
    MANUAL = "manual", _("Escalated by hand")
    INVOICE_STALL = "invoice_stall", _("Invoice stalled")
    ACK_TIMEOUT = "ack_timeout", _("Not acknowledged in time")
    INCIDENT = "incident", _("Incident")


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("first response")
    NEXT_UPDATE = "next_update", _("next update")
    RESOLUTION = "resolution", _("resolution")
    ACKNOWLEDGE = "acknowledge", _("acknowledgement")
    INVOICE_REVIEW = "invoice_review", _("invoice review")
    INVOICE_ISSUE = "invoice_issue", _("invoice issuance")


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Escalation(models.Model):
    """One hand-over of a ticket to a higher level: why, which target, who holds it, how it went.

    A breach of a target due at a given time escalates once: the unique
    constraint makes a second escalation for the same breach impossible, however
    many sweepers see it.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    target = models.CharField(max_length=16, choices=Target.choices, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("When the breached target fell due."))
    created_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    acknowledge_due = models.DateTimeField(null=True, blank=True)
    acknowledge_warned = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The next moment the monitor looks at it (a warning, then the timeout); empty when nothing is left to watch.
    check_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["check_at"], name="escalation_check_at", condition=Q(check_at__isnull=False)),
            models.Index(fields=["owner", "status"], name="escalation_owner_status"),
            models.Index(fields=["status", "created_at"], name="escalation_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "reason", "target", "due_at"],
                condition=Q(due_at__isnull=False),
                name="one_escalation_per_breach",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} of {self.ticket_id} to level {self.level}"

    @property
    def is_open(self) -> bool:
        return self.status != EscalationStatus.RESOLVED

    def allowed_transitions_for(self, user) -> list[str]:
        from escalation import permissions

        allowed = []
        if self.status == EscalationStatus.OPEN and permissions.may_acknowledge(self, user):
            allowed.append("acknowledge")
        if self.status != EscalationStatus.RESOLVED and permissions.may_take_over(self, user):
            allowed.append("take_over")
        return allowed


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    """A fault that touches many customers at once, handled once rather than as many complaints."""

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    public_message = models.TextField(help_text=_("What customers read in the banner."))
    eta = models.DateTimeField(null=True, blank=True, help_text=_("When we expect it to be fixed."))
    started_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    automatic = models.BooleanField(default=False, help_text=_("Opened by the system after several invoice stalls."))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["automatic"], condition=Q(status="open", automatic=True), name="one_open_automatic_incident"
            ),
        ]

    def __str__(self):
        return self.title

    def allowed_transitions_for(self, user) -> list[str]:
        from escalation import permissions

        return ["resolve"] if self.status == IncidentStatus.OPEN and permissions.may_run_incidents(user) else []
