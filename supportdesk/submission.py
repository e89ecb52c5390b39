"""Running a service from a web form, with the error shapes every page shares.

Field errors (the form's or the service's) are 400, a transition the current
state refuses is 409; both are shown on the form, which keeps what the user
typed. PermissionDenied is left to Django: 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from supportdesk.fsm import TransitionRefused


@dataclass(frozen=True)
class Outcome:
    status: HTTPStatus
    result: object = None

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK


def submit(form: forms.Form, perform: Callable[[forms.Form], object]) -> Outcome:
    """Validates the form, then runs `perform(form)`, which calls one service."""
    if not form.is_valid():
        return Outcome(HTTPStatus.BAD_REQUEST)
    try:
        result = perform(form)
    except ValidationError as error:
        add_service_errors(form, error)
        return Outcome(HTTPStatus.BAD_REQUEST)
    except TransitionRefused as refusal:
        form.add_error(None, refusal.message)
        return Outcome(HTTPStatus.CONFLICT)
    return Outcome(HTTPStatus.OK, result)


# What a service answers when it will not do something: the state, the role, the input.
REFUSALS = (TransitionRefused, PermissionDenied, ValidationError)


def refusal_reason(error: Exception) -> str:
    """One line a person reads, for an admin action that reports each refused row."""
    if isinstance(error, TransitionRefused):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Permission denied.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: next to its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, ValidationError(errors))
