"""Users, their roles, and the teams that frontline agents work in."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Frontline agent")
    MANAGER = "manager", _("Manager")
    HEAD = "head", _("Head of support")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.HEAD, Role.ADMIN})


class Area(models.TextChoices):
    """Areas of expertise a manager declares, and categories a team owns."""

    INVOICE = "invoice", _("Invoices")
    BILLING = "billing", _("Billing")
    TECHNICAL = "technical", _("Technical")
    ACCOUNT = "account", _("Account")


class CustomerTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    BUSINESS = "business", _("Business")
    ENTERPRISE = "enterprise", _("Enterprise")


DEFAULT_INVOICE_AUTO_LIMIT = Decimal("10000.00")


def validate_time_zone(value):
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(zone)s is not a known time zone; use a name such as Asia/Shanghai."), params={"zone": value}
        )


def validate_areas(value):
    if not isinstance(value, list) or any(item not in Area.values for item in value):
        raise ValidationError(
            _("Choose areas among: %(areas)s."), params={"areas": ", ".join(Area.values)}
        )


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    team = models.ForeignKey(
        "supportdesk.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("The team a frontline agent works in."),
    )
    expertise = models.JSONField(
        default=list, blank=True, validators=[validate_areas], help_text=_("A manager's areas of expertise.")
    )
    tier = models.CharField(max_length=16, choices=CustomerTier.choices, default=CustomerTier.STANDARD)
    invoice_auto_limit = models.DecimalField(
        _("automatic invoice limit"),
        max_digits=14,
        decimal_places=2,
        default=DEFAULT_INVOICE_AUTO_LIMIT,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Invoices up to this amount are issued without manual review."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to use your browser's language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("An IANA name such as Asia/Shanghai; leave empty to use the site's time zone."),
    )

    objects = UserManager()

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_support_staff(self) -> bool:
        return self.role in STAFF_ROLES or self.is_superuser

    def has_expertise(self, area: str) -> bool:
        return area in (self.expertise or [])

    def clean(self):
        super().clean()
        if self.team_id and self.role != Role.AGENT:
            raise ValidationError({"team": _("Only frontline agents belong to a team; a manager leads one.")})
        if self.expertise and self.role != Role.MANAGER:
            raise ValidationError({"expertise": _("Only managers declare areas of expertise.")})


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        limit_choices_to={"role": Role.MANAGER},
    )
    categories = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Ticket categories this team owns: new tickets in them are assigned to its agents."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def expertise(self) -> list[str]:
        return list(self.manager.expertise) if self.manager else []

    def count_agents(self) -> int:
        return self.members.filter(role=Role.AGENT, is_active=True).count()

    def clean(self):
        super().clean()
        from tickets.models import Category  # tickets depends on us, not the other way round

        if not isinstance(self.categories, list) or any(c not in Category.values for c in self.categories):
            raise ValidationError({"categories": _("Choose categories among: %(c)s.") % {"c": ", ".join(Category.values)}})
        if self.manager_id and self.manager.role != Role.MANAGER:
            raise ValidationError({"manager": _("A team is led by a user with the manager role.")})
        taken = {
            category: team.name
            for team in Team.objects.exclude(pk=self.pk)
            for category in team.categories
        }
        clashes = [c for c in self.categories if c in taken]
        if clashes:
            raise ValidationError(
                {"categories": _("Already owned by another team: %(c)s.") % {"c": ", ".join(f"{c} ({taken[c]})" for c in clashes)}}
            )


class Notification(models.Model):
    """An in-app notification; the email copy is sent once, when this row is created."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    source_key = models.CharField(max_length=64, help_text=_("What caused it, e.g. 'ticket-event:42'."))
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source_key"], name="notification_once_per_source"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.subject
