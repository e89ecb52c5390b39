"""Which SLA policy governs a ticket: the most specific active one that matches.

The policies are a handful of rows read on every ticket event and every SLA
check, so each process keeps them for POLICY_CACHE_SECONDS; saving or deleting
a policy or a calendar clears this process's copy at once, and other processes
see the change within that time.
"""

import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from escalation.models import Calendar, SlaPolicy

_cached: dict = {"loaded_at": None, "policies": ()}


def active_policies() -> tuple[SlaPolicy, ...]:
    loaded_at = _cached["loaded_at"]
    if loaded_at is None or time.monotonic() - loaded_at > settings.SLA_POLICY_CACHE_SECONDS:
        _cached["policies"] = tuple(SlaPolicy.objects.select_related("calendar").filter(is_active=True).order_by("pk"))
        _cached["loaded_at"] = time.monotonic()
    return _cached["policies"]


@receiver([post_save, post_delete], sender=SlaPolicy, dispatch_uid="escalation.policies.forget.policy")
@receiver([post_save, post_delete], sender=Calendar, dispatch_uid="escalation.policies.forget.calendar")
def forget_policies(**kwargs) -> None:
    _cached["loaded_at"] = None


def policy_for(*, category: str, priority: str, customer_tier: str) -> SlaPolicy | None:
    """Every criterion of a policy is empty or equal; more criteria win; ties go to the oldest policy."""
    candidates = [
        policy
        for policy in active_policies()
        if policy.category in ("", category) and policy.priority in ("", priority) and policy.customer_tier in ("", customer_tier)
    ]
    ranked = sorted(candidates, key=lambda policy: (-policy.specificity, policy.pk))
    return ranked[0] if ranked else None


def policy_for_ticket(ticket) -> SlaPolicy | None:
    return policy_for(category=ticket.category, priority=ticket.priority, customer_tier=ticket.customer.tier)
