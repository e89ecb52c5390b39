import pytest
from django.test import Client

from tickets import services


@pytest.fixture
def sign_in():
    """`sign_in(user)` gives a browser-like client with that user logged in."""

    def signed_in_client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in_client


@pytest.fixture
def alices_ticket(alice, agent01):
    """Alice's invoice ticket, opened as she would: assigned automatically to agent01 of Billing."""
    return services.ticket_create(
        customer=alice, subject="Where is my large invoice", description="I asked for it at 9:00.", category="invoice"
    )
