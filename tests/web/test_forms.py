from django.core.exceptions import ValidationError

from supportdesk.submission import add_service_errors
from tickets.forms import EscalateForm


def _valid_escalate_form(alice):
    form = EscalateForm({"escalate-reason": "Stuck."}, prefix="escalate", ticket=None, user=alice)
    assert form.is_valid()
    return form


def test_a_service_error_on_a_field_of_the_form_shows_next_to_that_field(alice):
    # given
    form = _valid_escalate_form(alice)
    # when
    add_service_errors(form, ValidationError({"reason": "Say why, in a sentence."}))
    # then
    assert form.errors == {"reason": ["Say why, in a sentence."]}


def test_a_service_error_on_another_field_or_none_shows_above_the_form(alice):
    # given
    form = _valid_escalate_form(alice)
    # when
    add_service_errors(form, ValidationError({"agent": "Choose an active frontline agent."}))
    add_service_errors(form, ValidationError("Something about the whole ticket."))
    # then
    assert form.non_field_errors() == ["Choose an active frontline agent.", "Something about the whole ticket."]
