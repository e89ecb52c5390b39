"""Which SLA policy governs a ticket: the most specific active one that matches."""

from django.db.models import Q

from escalation.models import SlaPolicy


def policy_for(*, category: str, priority: str, customer_tier: str) -> SlaPolicy | None:
    """Every criterion of a policy is empty or equal; more criteria win; ties go to the oldest policy."""
    candidates = SlaPolicy.objects.select_related("calendar").filter(
        Q(category="") | Q(category=category),
        Q(priority="") | Q(priority=priority),
        Q(customer_tier="") | Q(customer_tier=customer_tier),
        is_active=True,
    )
    ranked = sorted(candidates, key=lambda policy: (-policy.specificity, policy.pk))
    return ranked[0] if ranked else None


def policy_for_ticket(ticket) -> SlaPolicy | None:
    return policy_for(category=ticket.category, priority=ticket.priority, customer_tier=ticket.customer.tier)
