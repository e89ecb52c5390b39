"""What ticket and invoice transitions share: the refusal, and asking about a role apart from the state."""

from django.utils.translation import gettext as _


class TransitionRefused(Exception):
    """The record's current state does not allow this transition now (HTTP 409).

    `record` is the ticket or invoice as it is now; `actions` maps transition
    names to the words a person reads ("resolve the ticket").
    """

    def __init__(self, record, transition: str, message: str = "", *, actions: dict | None = None):
        self.record = record
        self.transition = transition
        self.message = message or _("Cannot %(action)s: it is %(status)s.") % {
            "action": (actions or {}).get(transition, transition),
            "status": record.get_status_display().lower(),
        }
        super().__init__(self.message)


def role_may_run(method, record, user) -> bool:
    """The transition's permission whatever the current state, so a wrong state is a 409, not a 403.

    Our permission functions do not depend on the state, so any source's permission answers.
    """
    any_source = next(iter(method._django_fsm.transitions.values()))
    return any_source.has_perm(record, user)
