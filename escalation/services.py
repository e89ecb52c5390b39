"""What people do with escalations: acknowledge them and take tickets over."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation import permissions
from escalation.models import Escalation, EscalationStatus
from supportdesk import fsm
from tickets import services as tickets
from tickets.models import EventKind

ACTIONS = {
    "acknowledge": gettext_lazy("acknowledge this escalation"),
    "take_over": gettext_lazy("take this escalation over"),
}


class EscalationRefused(fsm.TransitionRefused):
    """The escalation's state does not allow this now (HTTP 409)."""

    def __init__(self, escalation: Escalation, transition: str, message: str = ""):
        super().__init__(escalation, transition, message, actions=ACTIONS)


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by) -> Escalation:
    """The owner (or someone above) says they have it: the acknowledgement target is met."""
    locked = _lock(escalation)
    if not permissions.may_acknowledge(locked, by):
        raise PermissionDenied(_("Only the owner of the escalation, or the head of support, acknowledges it."))
    if locked.status != EscalationStatus.OPEN:
        raise EscalationRefused(locked, "acknowledge")
    now = timezone.now()
    locked.status, locked.acknowledged_at, locked.acknowledged_by, locked.check_at = EscalationStatus.ACKNOWLEDGED, now, by, None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "check_at"])
    tickets.ticket_log(
        ticket=locked.ticket, kind=EventKind.ACKNOWLEDGED, actor=by,
        detail=_("%(who)s acknowledged the escalation.") % {"who": by},
    )
    return locked


@transaction.atomic
def escalation_take_over(*, escalation: Escalation, by) -> Escalation:
    """A manager or the head of support takes the ticket into their own hands; it counts as acknowledged."""
    locked = _lock(escalation)
    if not permissions.may_take_over(locked, by):
        raise PermissionDenied(_("Only a manager or the head of support takes over an escalation."))
    if locked.status == EscalationStatus.RESOLVED:
        raise EscalationRefused(locked, "take_over")
    tickets.ticket_take_over(ticket=locked.ticket, by=by)
    now = timezone.now()
    locked.owner = by
    if locked.status == EscalationStatus.OPEN:
        locked.status, locked.acknowledged_at, locked.acknowledged_by, locked.check_at = EscalationStatus.ACKNOWLEDGED, now, by, None
    locked.save(update_fields=["owner", "status", "acknowledged_at", "acknowledged_by", "check_at"])
    return locked


def _lock(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=escalation.pk)
