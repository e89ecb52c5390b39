"""The SLA monitor: warns at 75% of a target and escalates at the target, once.

The due columns on each ticket are the truth. `Ticket.sla_check_at` is the next
moment anything is due for a ticket and `Escalation.check_at` the next moment an
escalation's acknowledgement needs a warning or times out; both are indexed
only on rows that can still be due. A pass reads only what is due (one index
probe each when nothing is), and claims every row with a conditional update
whose row count must be 1, under `select_for_update(skip_locked=True)` where the
database has it: however many sweepers, beats and ETA tasks see a row, each
warning and each breach happens once. The deadlines of the next minute go to
short ETA tasks for precision; an ETA task that is lost (a worker killed) costs
only that precision, because the next pass finds the row still due.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from escalation.models import Escalation, EscalationStatus, Reason, Target
from escalation.policies import policy_for_ticket
from escalation.targets import TICKET_TARGETS, next_check_at, warning_at
from tickets import services as tickets
from tickets.models import SLA_RUNNING_STATUSES, EventKind, Level, SlaAlert, Status, Ticket

logger = logging.getLogger(__name__)

RETRY_FAILED_ROW_AFTER = timedelta(seconds=30)
EARLY_TIMER_TOLERANCE_SECONDS = 2.0


@dataclass
class SweepReport:
    tickets: int = 0  # tickets warned or escalated
    acknowledgements: int = 0  # escalations warned or timed out
    timers: int = 0  # deadlines of the next minute handed to ETA tasks

    def __str__(self):
        return f"{self.tickets} tickets, {self.acknowledgements} acknowledgements, {self.timers} timers"


def sla_sweep(*, now=None, limit: int = 1000) -> SweepReport:
    """One pass: everything due now, then the timers of the next minute."""
    now = now or timezone.now()
    report = SweepReport()
    if due_tickets(now).exists():
        report.tickets = _drain(due_tickets(now), "sla_check_at", enforce_ticket, now=now, limit=limit)
    if due_acknowledgements(now).exists():
        report.acknowledgements = _drain(due_acknowledgements(now), "check_at", enforce_acknowledgement, now=now, limit=limit)
    report.timers = hand_over_timers(now=now)
    return report


def due_tickets(now):
    """Only running clocks have a check time (escalation.clock), so the probe needs no status term.

    That keeps it a range scan of the partial index `ticket_sla_check_at` on
    PostgreSQL and on SQLite alike; the claim re-checks the status anyway.
    """
    return Ticket.objects.filter(sla_check_at__lte=now)


def due_acknowledgements(now):
    return Escalation.objects.filter(check_at__lte=now)


def _drain(due, check_field: str, enforce, *, now, limit: int) -> int:
    """Enforces due rows oldest first, each once per pass; rows another process holds are its to finish."""
    handled, seen = 0, set()
    while len(seen) < limit:
        batch = list(due.exclude(pk__in=seen).order_by(check_field, "id").values_list("pk", flat=True)[:100])
        if not batch:
            break
        seen.update(batch)
        for pk in batch:
            try:
                handled += enforce(pk, now=now)
            except Exception:  # noqa: BLE001 - one bad row must not stop the monitor for every other ticket
                logger.exception("SLA monitor could not enforce %s %s; retrying it later", due.model.__name__, pk)
                due.model.objects.filter(pk=pk).update(**{check_field: now + RETRY_FAILED_ROW_AFTER})
    return handled


# --- tickets -----------------------------------------------------------------------


@transaction.atomic
def enforce_ticket(ticket_id: int, *, now) -> bool:
    """Warns about and escalates whatever is due on one ticket; False when nothing was (or another process had it)."""
    ticket = (
        due_tickets(now).select_for_update(skip_locked=True, of=("self",)).select_related("customer").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return False
    # The claim. On PostgreSQL the row lock already excludes other sweepers;
    # SQLite has no row locks, and this update is what makes the work happen once.
    if Ticket.objects.filter(pk=ticket.pk, sla_check_at=ticket.sla_check_at).update(sla_check_at=None) != 1:
        return False
    if ticket.status not in SLA_RUNNING_STATUSES or ticket.sla_paused_at is not None:
        return False  # a check time left behind (e.g. its policy was switched off): cleared, nothing to do
    policy = policy_for_ticket(ticket)
    warnings, breaches = _what_is_due(ticket, policy, now)
    alerts = dict(ticket.sla_alerts or {})
    alerts.update({target: SlaAlert.WARNED for target, _due in warnings})
    alerts.update({target: SlaAlert.BREACHED for target, _due in breaches})
    ticket.sla_alerts = alerts
    Ticket.objects.filter(pk=ticket.pk).update(sla_alerts=alerts, sla_check_at=next_check_at(ticket, policy))
    for target, due in warnings:
        tickets.ticket_log(ticket=ticket, kind=EventKind.SLA_WARNING, detail=_warning_text(target, due))
    if breaches:
        _breach(ticket, breaches)
    return True


def _what_is_due(ticket: Ticket, policy, now) -> tuple[list, list]:
    warnings, breaches = [], []
    for target, (due_field, minutes_field) in TICKET_TARGETS.items():
        due = getattr(ticket, due_field)
        alert = (ticket.sla_alerts or {}).get(target)
        if due is None or alert == SlaAlert.BREACHED:
            continue
        if due <= now:
            breaches.append((target, due))
        elif alert != SlaAlert.WARNED:
            warn = warning_at(policy, due, getattr(policy, minutes_field, None))
            if warn is not None and warn <= now:
                warnings.append((target, due))
    return warnings, breaches


def _breach(ticket: Ticket, breaches: list) -> None:
    """One breach or several at once: the ticket goes up one level, naming the earliest."""
    target, due = min(breaches, key=lambda breach: breach[1])
    detail = _("SLA breached: the %(targets)s target was due at %(due)s.") % {
        "targets": ", ".join(str(Target(t).label) for t, _due in breaches),
        "due": _when(due),
    }
    if ticket.level < Level.HEAD:
        tickets.ticket_escalate(ticket=ticket, reason=detail, by=None, cause=Reason.SLA_BREACH, target=target, due_at=due)
    else:
        tickets.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail=detail)


def _warning_text(target: str, due) -> str:
    return _("The %(target)s target is due at %(due)s; %(share)d%% of its time is used.") % {
        "target": Target(target).label, "due": _when(due), "share": round(settings.SLA_WARNING_AT * 100),
    }


# --- acknowledgements -------------------------------------------------------------------


@transaction.atomic
def enforce_acknowledgement(escalation_id: int, *, now) -> bool:
    """Warns the owner of an unacknowledged escalation, then hands the ticket to the head of support."""
    escalation = (
        due_acknowledgements(now).select_for_update(skip_locked=True, of=("self",)).select_related("ticket")
        .filter(pk=escalation_id).first()
    )
    if escalation is None:
        return False
    if Escalation.objects.filter(pk=escalation.pk, check_at=escalation.check_at).update(check_at=None) != 1:
        return False
    if escalation.status != EscalationStatus.OPEN:
        return False
    if escalation.acknowledge_due is not None and escalation.acknowledge_due <= now:
        _acknowledgement_missed(escalation)
    elif not escalation.acknowledge_warned:
        Escalation.objects.filter(pk=escalation.pk).update(acknowledge_warned=True, check_at=escalation.acknowledge_due)
        tickets.ticket_log(
            ticket=escalation.ticket, kind=EventKind.SLA_WARNING,
            detail=_("Acknowledge this escalation by %(due)s, or it goes to the head of support.")
            % {"due": _when(escalation.acknowledge_due)},
        )
    return True


def _acknowledgement_missed(escalation: Escalation) -> None:
    ticket = escalation.ticket
    detail = _("%(owner)s did not acknowledge the escalation by %(due)s.") % {
        "owner": escalation.owner or _("Nobody"), "due": _when(escalation.acknowledge_due),
    }
    if ticket.status == Status.ESCALATED and ticket.level < Level.HEAD:
        tickets.ticket_escalate(
            ticket=ticket, reason=detail, by=None, cause=Reason.ACK_TIMEOUT, target=Target.ACKNOWLEDGE,
            due_at=escalation.acknowledge_due,
        )
    else:
        tickets.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail=detail)


# --- precision: the next minute's deadlines as short ETA tasks ----------------------------


def hand_over_timers(*, now, limit: int = 1000) -> int:
    """Sends one ETA task per deadline of the next minute not handed over yet; returns how many."""
    horizon = settings.SLA_TIMER_HORIZON_SECONDS
    if not horizon:
        return 0
    unhanded = Ticket.objects.filter(
        sla_check_at__gt=now, sla_check_at__lte=now + timedelta(seconds=horizon)
    ).exclude(sla_timer_at=F("sla_check_at"))
    if not unhanded.exists():  # the usual case: one index probe, no transaction
        return 0
    with transaction.atomic():
        # Claimed under row locks, marked in one update: of two overlapping passes, one hands each deadline over.
        soon = list(unhanded.select_for_update(skip_locked=True).values_list("pk", "sla_check_at")[:limit])
        Ticket.objects.filter(pk__in=[pk for pk, _at in soon]).update(sla_timer_at=F("sla_check_at"))
    from escalation.tasks import check_ticket_sla

    handed = 0
    for pk, check_at in soon:
        try:
            check_ticket_sla.apply_async((pk, check_at.isoformat()), eta=check_at)
            handed += 1
        except Exception:  # noqa: BLE001 - broker down: the pass at the due time finds the ticket anyway
            logger.exception("Could not hand ticket %s's SLA deadline to an ETA task", pk)
    return handed


def rearm_early_timer(ticket_id: int, check_at: str | None) -> None:
    """A timer that fired a moment before its deadline (clocks differ by milliseconds) sets itself again once."""
    if not check_at:
        return
    deadline = datetime.fromisoformat(check_at)
    early_by = (deadline - timezone.now()).total_seconds()
    if 0 < early_by <= EARLY_TIMER_TOLERANCE_SECONDS and Ticket.objects.filter(pk=ticket_id, sla_check_at=deadline).exists():
        from escalation.tasks import check_ticket_sla

        check_ticket_sla.apply_async((ticket_id,), eta=deadline)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i T") if moment else "-"
