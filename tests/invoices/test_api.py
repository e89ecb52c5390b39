import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice, InvoiceStatus
from supportdesk.models import User
from tests.factories import InvoiceFactory


@pytest.fixture
def api(api, django_capture_on_commit_callbacks):
    """Each POST's after-commit work (the issuance task, run inline) happens before the answer is read, as in production."""
    post = api.post

    def committed_post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    api.post = committed_post
    return api


VALID = {"amount": "300.00", "period_start": "2025-01-01", "period_end": "2025-12-31", "title": "Lumen Analytics Co., Ltd."}


def test_a_customer_requests_a_small_invoice_and_reads_it_issued(api, alice):
    created = api.as_user(alice).post("/api/v1/invoices/", VALID, format="json")

    assert created.status_code == 201
    body = created.json()
    assert (body["amount"], body["currency"], body["customer"]) == ("300.00", "CNY", alice.pk)
    fetched = api.get(f"/api/v1/invoices/{body['id']}/").json()
    assert fetched["status"] == "issued" and fetched["invoice_number"]
    assert fetched["explanation"].startswith("Issued at ")
    assert fetched["allowed_transitions"] == []


def test_a_large_request_explains_its_review(api, alice, maria):
    body = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "amount": "10300.00"}, format="json").json()

    assert body["status"] == "pending_review" and body["stalled"] is False and body["stage_due"]
    assert body["explanation"].startswith("Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY.")
    assert api.as_user(maria).get(f"/api/v1/invoices/{body['id']}/").json()["allowed_transitions"] == ["approve", "reject"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "99999999999.00"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"period_start": "2025-12-31", "period_end": "2025-01-01"}, "period_end"),
        ({"period_end": "2999-12-31"}, "period_end"),
        ({"period_start": "yesterday"}, "period_start"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_requests_answer_400_with_the_field_and_change_nothing(change, field, api, alice):
    answer = api.as_user(alice).post("/api/v1/invoices/", {**VALID, **change}, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not Invoice.objects.exists()


def test_a_customer_sees_only_their_own_invoices(api, alice, bob):
    alices = InvoiceFactory(customer=alice)
    bobs = InvoiceFactory(customer=bob)

    assert [i["id"] for i in api.as_user(bob).get("/api/v1/invoices/").json()["results"]] == [bobs.pk]
    assert api.as_user(bob).get(f"/api/v1/invoices/{alices.pk}/").status_code == 404
    assert api.as_user(bob).post(f"/api/v1/invoices/{alices.pk}/retry/").status_code == 404
    assert api.as_user(bob).get(f"/api/v1/invoices/{alices.pk}/events/").status_code == 404


def test_a_customer_cannot_request_for_someone_else(api, alice, bob):
    answer = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "customer": bob.pk}, format="json")

    assert answer.status_code == 400 and "customer" in answer.json()


def test_a_manager_approves_through_the_api(api, alice, maria):
    invoice = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "amount": "10300.00"}, format="json").json()

    answer = api.as_user(maria).post(f"/api/v1/invoices/{invoice['id']}/approve/", {}, format="json")

    assert answer.status_code == 200
    assert answer.json()["status"] == "queued"  # issuance starts once the approval is committed
    assert api.get(f"/api/v1/invoices/{invoice['id']}/").json()["status"] == "issued"


def test_approving_twice_answers_409_with_the_state(api, alice, maria):
    invoice = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "amount": "10300.00"}, format="json").json()
    api.as_user(maria).post(f"/api/v1/invoices/{invoice['id']}/approve/")

    again = api.as_user(maria).post(f"/api/v1/invoices/{invoice['id']}/approve/")

    assert again.status_code == 409
    assert again.json() == {"detail": "Cannot approve this invoice: it is issued.", "status": "issued", "allowed_transitions": []}


def test_reviewing_needs_invoice_expertise(api, alice, tomas, agent01):
    invoice = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "amount": "10300.00"}, format="json").json()

    assert api.as_user(tomas).post(f"/api/v1/invoices/{invoice['id']}/approve/").status_code == 403
    assert api.as_user(agent01).post(f"/api/v1/invoices/{invoice['id']}/reject/", {"reason": "no"}).status_code == 403
    assert api.as_user(alice).post(f"/api/v1/invoices/{invoice['id']}/approve/").status_code == 403
    assert Invoice.objects.get(pk=invoice["id"]).status == InvoiceStatus.PENDING_REVIEW


def test_reject_needs_a_reason(api, alice, maria):
    invoice = api.as_user(alice).post("/api/v1/invoices/", {**VALID, "amount": "10300.00"}, format="json").json()

    blank = api.as_user(maria).post(f"/api/v1/invoices/{invoice['id']}/reject/", {}, format="json")
    done = api.as_user(maria).post(f"/api/v1/invoices/{invoice['id']}/reject/", {"reason": "One invoice per year, please."}, format="json")

    assert blank.status_code == 400 and "reason" in blank.json()
    assert done.json()["status"] == "rejected"
    assert "One invoice per year, please." in done.json()["explanation"]


def test_the_timeline_is_served(api, alice):
    invoice = api.as_user(alice).post("/api/v1/invoices/", VALID, format="json").json()

    events = api.get(f"/api/v1/invoices/{invoice['id']}/events/").json()

    assert [e["kind"] for e in events] == ["requested", "queued", "issuing", "issued"]


def test_filters(api, maria, alice):
    InvoiceFactory(customer=alice, status=InvoiceStatus.PENDING_REVIEW)
    InvoiceFactory(customer=alice, status=InvoiceStatus.FAILED)

    listed = api.as_user(maria).get("/api/v1/invoices/?status=failed").json()

    assert [i["status"] for i in listed["results"]] == ["failed"]
    assert api.get("/api/v1/invoices/?status=nonsense").status_code == 400


@pytest.mark.parametrize("username", ["maria", "alice"])
def test_the_invoice_list_runs_the_same_queries_for_5_or_50_invoices(username, api, alice, maria):
    def queries():
        api.as_user(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/invoices/?page_size=100").status_code == 200
        return len(captured)

    InvoiceFactory.create_batch(5, customer=alice, status=InvoiceStatus.PENDING_REVIEW)
    few = queries()
    InvoiceFactory.create_batch(45, customer=alice, status=InvoiceStatus.QUEUED)
    many = queries()

    assert few == many <= 3
