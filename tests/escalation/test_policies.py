import pytest

from escalation.models import Calendar, SlaPolicy
from escalation.policies import policy_for


@pytest.fixture
def always(db):
    return Calendar.objects.get(name="24x7")


def test_the_default_policies_exist_after_migrating(db):
    assert set(SlaPolicy.objects.values_list("name", flat=True)) >= {"Default", "Invoices"}
    assert policy_for(category="technical", priority="normal", customer_tier="standard").name == "Default"
    assert policy_for(category="invoice", priority="normal", customer_tier="standard").name == "Invoices"


def test_the_most_specific_matching_policy_wins(always):
    urgent_enterprise_invoices = SlaPolicy.objects.create(
        name="Urgent enterprise invoices", category="invoice", priority="urgent", customer_tier="enterprise",
        first_response_minutes=5, calendar=always,
    )
    urgent_anything = SlaPolicy.objects.create(name="Urgent", priority="urgent", first_response_minutes=15, calendar=always)

    assert policy_for(category="invoice", priority="urgent", customer_tier="enterprise") == urgent_enterprise_invoices
    assert policy_for(category="invoice", priority="urgent", customer_tier="standard").name == "Invoices"  # ties: oldest
    assert policy_for(category="billing", priority="urgent", customer_tier="standard") == urgent_anything
    assert policy_for(category="billing", priority="low", customer_tier="standard").name == "Default"


def test_inactive_policies_never_match(always):
    SlaPolicy.objects.update(is_active=False)

    assert policy_for(category="invoice", priority="normal", customer_tier="standard") is None
