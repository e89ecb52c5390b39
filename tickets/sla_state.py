"""How a ticket's SLA clock reads to a person: on track, due soon, breached or paused.

Pure functions of the ticket's due columns and the time: no queries. The
moment a target turns "due soon" (SLA_WARNING_AT of it used, counted on the
policy's calendar) is the SLA engine's to say, so callers pass it in as
`warning_at(target, due)`; tickets know nothing of policies.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.models import SLA_DUE_FIELDS, SLA_RUNNING_STATUSES, SlaAlert, Status


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", gettext_lazy("on track")
    DUE_SOON = "due_soon", gettext_lazy("due soon")
    BREACHED = "breached", gettext_lazy("breached")
    PAUSED = "paused", gettext_lazy("paused")


TARGET_LABELS = {
    "first_response": gettext_lazy("First response"),
    "next_update": gettext_lazy("Next update"),
    "resolution": gettext_lazy("Resolution"),
}

# The worse state wins when a ticket's targets disagree.
_SEVERITY = {SlaState.PAUSED: 0, SlaState.ON_TRACK: 1, SlaState.DUE_SOON: 2, SlaState.BREACHED: 3}

WarningAt = Callable[[str, datetime], datetime | None]  # (target, due) -> the moment it turns "due soon"


@dataclass(frozen=True)
class TargetClock:
    """One target of one ticket, as the page shows it."""

    target: str
    due: datetime
    state: SlaState
    remaining: timedelta  # negative once overdue

    @property
    def label(self) -> str:
        return str(TARGET_LABELS[self.target])

    @property
    def overdue(self) -> bool:
        return self.remaining <= timedelta(0)

    @property
    def countdown(self) -> str:
        return countdown(self.remaining)


def target_state(
    *, due: datetime, now: datetime, warning_at: datetime | None, paused: bool, alert: str = ""
) -> SlaState:
    """One target's state; `alert` is what the SLA monitor already recorded for it (warned, breached)."""
    if paused:
        return SlaState.PAUSED
    if due <= now or alert == SlaAlert.BREACHED:
        return SlaState.BREACHED
    if alert == SlaAlert.WARNED or (warning_at is not None and now >= warning_at):
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def ticket_clocks(ticket, *, now: datetime, warning_at: WarningAt | None = None) -> list[TargetClock]:
    """Every target with a due time, the nearest first; none once the ticket is finished."""
    if ticket.status not in (*SLA_RUNNING_STATUSES, Status.WAITING_ON_CUSTOMER):
        return []
    paused = ticket.sla_paused_at is not None or ticket.status == Status.WAITING_ON_CUSTOMER
    alerts = ticket.sla_alerts or {}
    clocks = []
    for field in SLA_DUE_FIELDS:
        due = getattr(ticket, field)
        if due is None:
            continue
        target = field.removesuffix("_due")
        warn = None if paused or warning_at is None else warning_at(target, due)
        state = target_state(due=due, now=now, warning_at=warn, paused=paused, alert=alerts.get(target, ""))
        # While paused the clock stands still: what is left is what was left when it stopped.
        reference = ticket.sla_paused_at if paused and ticket.sla_paused_at else now
        clocks.append(TargetClock(target=target, due=due, state=state, remaining=due - reference))
    return sorted(clocks, key=lambda clock: clock.due)


def headline(clocks: list[TargetClock]) -> TargetClock | None:
    """The target a queue row shows: the worst state, the nearest due time among equals."""
    if not clocks:
        return None
    return min(clocks, key=lambda clock: (-_SEVERITY[clock.state], clock.due))


def countdown(remaining: timedelta) -> str:
    """'2 h 5 min left', '3 d 4 h overdue', 'less than a minute left'."""
    overdue = remaining <= timedelta(0)
    span = _span(abs(remaining))
    if overdue:
        return _("%(time)s overdue") % {"time": span}
    return _("%(time)s left") % {"time": span}


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("less than a minute")
