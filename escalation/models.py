"""SLA policies and the calendars their targets are counted in.

Teams live in `supportdesk` (tickets are routed to them). The SLA clock,
escalations and incidents build on these.
"""

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
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
