"""Small display helpers for ticket pages."""

from django import template
from django.utils.translation import gettext as _

from tickets.models import held_by_phrase

register = template.Library()


@register.filter
def held_by(ticket) -> str:
    return held_by_phrase(ticket)


@register.filter
def actor_name(user) -> str:
    """Who acted on a ticket; nobody means Supportdesk itself (automatic assignment, SLA, auto-close)."""
    return str(user) if user is not None else _("Supportdesk")
