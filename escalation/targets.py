"""A ticket's SLA targets: where each one's due time lives and when its owner is warned."""

from django.conf import settings

from escalation.calendars import subtract_working_minutes
from escalation.models import Target
from tickets.models import SlaAlert

# target -> (the ticket's due column, the policy's minutes)
TICKET_TARGETS = {
    Target.FIRST_RESPONSE: ("first_response_due", "first_response_minutes"),
    Target.NEXT_UPDATE: ("next_update_due", "next_update_minutes"),
    Target.RESOLUTION: ("resolution_due", "resolution_minutes"),
}
DUE_FIELD_TARGET = {due: target for target, (due, _minutes) in TICKET_TARGETS.items()}


def warning_at(policy, due, minutes):
    """The moment SLA_WARNING_AT of the target is used up, counted back from the due time on the calendar."""
    if policy is None or not minutes or due is None:
        return None
    return subtract_working_minutes(policy.calendar, due, minutes * (1 - settings.SLA_WARNING_AT))


def next_check_at(ticket, policy):
    """The next moment the monitor must look at the ticket: a warning not given yet, or a due time not yet breached."""
    moments = []
    for target, (due_field, minutes_field) in TICKET_TARGETS.items():
        due = getattr(ticket, due_field)
        alert = (ticket.sla_alerts or {}).get(target)
        if due is None or alert == SlaAlert.BREACHED:
            continue
        warn = None if alert == SlaAlert.WARNED else warning_at(policy, due, getattr(policy, minutes_field, None))
        moments.append(warn or due)
    return min(moments, default=None)


def warning_moments_for(ticket):
    """`(target, due) -> when it turns "due soon"` for one ticket, its policy read once and only if asked.

    The tickets app's pages reach this through the SLA_WARNING_MOMENTS setting:
    tickets know nothing of policies.
    """
    from escalation.policies import policy_for_ticket

    found = {}

    def moment(target: str, due):
        if "policy" not in found:
            found["policy"] = policy_for_ticket(ticket)
        policy = found["policy"]
        _due_field, minutes_field = TICKET_TARGETS[target]
        return warning_at(policy, due, getattr(policy, minutes_field, None))

    return moment
