"""The customer's invoice pages: request, list, watch, download; and the helpers of the other invoice page tests."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices import services
from invoices.models import Invoice, InvoiceEvent, InvoiceEventKind, InvoiceStatus
from invoices.views.customer import INVOICE_LIST_PAGE_SIZE
from tests.factories import InvoiceFactory

NEW = "/my/invoices/new/"
QUEUE = "/review/invoices/"


def mine_url(invoice) -> str:
    return f"/my/invoices/{invoice.pk}/"


def staff_url(invoice) -> str:
    return f"/invoices/{invoice.pk}/"


def transition_url(invoice, name) -> str:
    return f"/invoices/{invoice.pk}/transition/{name}/"


def request_form_data(**overrides) -> dict:
    form = {
        "amount": "300", "currency": "CNY", "period_start": "2024-01-01", "period_end": "2024-12-31",
        "title": "Example Co., Ltd.", "tax_id": "91310000MA1FL0000X",
    }
    return {**form, **overrides}


def request_invoice(customer, amount: str) -> Invoice:
    return services.invoice_request(
        customer=customer, amount=Decimal(amount), period_start=date(2015, 1, 1), period_end=date(2019, 12, 31),
        title="Example Co., Ltd.",
    )


def issued_invoice(customer, number: str) -> Invoice:
    return InvoiceFactory(
        customer=customer, status=InvoiceStatus.ISSUED, invoice_number=number, document=f"<p>{number}</p>",
        issued_at=timezone.now(),
    )


def add_gateway_error(invoice) -> None:
    InvoiceEvent.objects.create(invoice=invoice, at=timezone.now(), kind=InvoiceEventKind.GATEWAY_ERROR, detail="503")


def failed_invoice(customer) -> Invoice:
    return InvoiceFactory(
        customer=customer, status=InvoiceStatus.FAILED, attempts=5, last_error="Gateway timed out",
        stage_started_at=timezone.now(),
    )


# --- the customer requests an invoice ---------------------------------------------------------


def test_a_small_invoice_requested_through_the_form_is_issued_with_a_download_link(
    alice, sign_in, django_capture_on_commit_callbacks
):
    # given
    client = sign_in(alice)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, request_form_data(amount="300"))
    # then
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response.url == mine_url(invoice)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.customer == alice and invoice.amount == Decimal("300")
    html = client.get(response.url).content.decode()
    assert f"Your invoice request {invoice.reference} is received." in html
    assert f"with number {invoice.invoice_number}. You can download it now." in html
    assert f'href="/invoices/{invoice.pk}/document/"' in html
    assert "hx-trigger" not in html  # finished: the page stops refreshing itself
    assert f'href="/invoices/{invoice.pk}/document/"' in client.get("/my/invoices/").content.decode()
    download = client.get(f"/invoices/{invoice.pk}/document/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/html")
    assert "attachment" in download["Content-Disposition"] and invoice.invoice_number in download.content.decode()


def test_a_large_invoice_waits_for_review_and_its_page_says_why(alice, sign_in, django_capture_on_commit_callbacks):
    # given
    client = sign_in(alice)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, request_form_data(amount="10300"))
    # then
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.PENDING_REVIEW
    html = client.get(response.url).content.decode()
    assert "Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY" in html
    assert f'hx-get="/my/invoices/{invoice.pk}/live/"' in html and 'hx-trigger="every 3s"' in html
    assert "/document/" not in html
    assert "Sent to review" in html  # the timeline


def test_the_form_has_a_label_for_every_field(alice, sign_in):
    html = sign_in(alice).get(NEW).content.decode()
    for field in ("amount", "currency", "period_start", "period_end", "title", "tax_id"):
        assert f'<label for="id_{field}"' in html and f'name="{field}"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "0"}, "amount", "The amount must be more than zero."),
        ({"amount": "-5"}, "amount", "The amount must be more than zero."),
        ({"amount": "lots"}, "amount", "Enter the amount as a number"),
        ({"amount": "123456789012345"}, "amount", "The amount is too large for one invoice."),
        ({"currency": "XXX"}, "currency", "Select a valid choice."),
        ({"period_start": "2024-12-31", "period_end": "2024-01-01"}, "period_end", "cannot end before it starts."),
        ({"period_end": str(timezone.localdate() + timedelta(days=40))}, "period_end", "cannot end in the future."),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_bad_input_is_400_with_the_message_next_to_the_field_and_nothing_created(
    alice, sign_in, changes, field, message
):
    # given
    typed = {**request_form_data(title="Typed Header Co."), **changes}
    # when
    response = sign_in(alice).post(NEW, typed)
    # then
    assert response.status_code == 400
    html = response.content.decode()
    box = html.index(f'name="{field}"')
    assert html.rindex(message, 0, box) > html.index(f'<label for="id_{field}"')  # between its label and its box
    assert 'value="91310000MA1FL0000X"' in html  # what was typed stays
    if "title" not in changes:
        assert 'value="Typed Header Co."' in html
    if field == "amount":
        assert f'value="{changes["amount"]}"' in html
    assert not Invoice.objects.exists()


# --- the customer's list and page ------------------------------------------------------------


def test_the_list_shows_her_invoices_newest_first_with_their_explanations(alice, bob, sign_in):
    # given
    older = request_invoice(alice, "10300")
    newer = failed_invoice(alice)
    bobs = InvoiceFactory(customer=bob, title="Bob Ltd.", status=InvoiceStatus.QUEUED, stage_started_at=timezone.now())
    # when
    html = sign_in(alice).get("/my/invoices/").content.decode()
    # then
    assert html.index(newer.reference) < html.index(older.reference)
    assert "10,300.00 CNY" in html and "01/01/2015 – 12/31/2019" in html and "Pending review" in html
    assert "Waiting for manual review because 10,300.00 CNY is above your automatic limit" in html
    assert "Issuance failed after 5 attempts" in html
    assert bobs.reference not in html and "Bob Ltd." not in html


@pytest.mark.parametrize("invoices", [3, 30])
def test_the_list_runs_the_same_number_of_queries_whatever_the_number_of_invoices(
    invoices, alice, sign_in, django_assert_num_queries
):
    # given: rejected ones too, whose explanation names the reviewer
    for number in range(invoices):
        InvoiceFactory(customer=alice, status=InvoiceStatus.PENDING_REVIEW if number % 2 else InvoiceStatus.REJECTED,
                       stage_started_at=timezone.now(), stage_due=timezone.now(), rejection_reason="Wrong header")
    client = sign_in(alice)
    # when / then: session, user, page count, page rows, open incidents, unread notifications
    with django_assert_num_queries(6):
        html = client.get("/my/invoices/").content.decode()
    assert html.count('<tr class="invoice-row">') == min(invoices, INVOICE_LIST_PAGE_SIZE)


def test_the_invoice_page_runs_a_bounded_number_of_queries(alice, sign_in, django_assert_num_queries):
    # given: a long pipeline history
    invoice = request_invoice(alice, "10300")
    for _ in range(20):
        add_gateway_error(invoice)
    client = sign_in(alice)
    # when / then: session, user, invoice, timeline, open incidents, unread notifications
    with django_assert_num_queries(6):
        client.get(mine_url(invoice))
    with django_assert_num_queries(4):
        client.get(f"/my/invoices/{invoice.pk}/live/")


def test_the_polling_partial_answers_with_the_explanation_and_stops_when_finished(alice, sign_in):
    # given
    waiting = request_invoice(alice, "10300")
    issued = issued_invoice(alice, "EI-9")
    client = sign_in(alice)
    # when
    moving = client.get(f"/my/invoices/{waiting.pk}/live/", headers={"HX-Request": "true"})
    done = client.get(f"/my/invoices/{issued.pk}/live/", headers={"HX-Request": "true"})
    # then
    assert moving.status_code == 200
    html = moving.content.decode()
    assert "<html" not in html and f'id="invoice-live-{waiting.pk}"' in html
    assert "Waiting for manual review because 10,300.00 CNY" in html and 'hx-trigger="every 3s"' in html
    assert done.status_code == 200 and "with number EI-9" in done.content.decode()
    assert "hx-trigger" not in done.content.decode()


def test_another_customers_invoice_and_document_are_404(alice, bob, sign_in):
    # given
    invoice = issued_invoice(alice, "EI-1")
    client = sign_in(bob)
    # when / then
    assert client.get(mine_url(invoice)).status_code == 404
    assert client.get(f"/my/invoices/{invoice.pk}/live/").status_code == 404
    assert client.get(f"/invoices/{invoice.pk}/document/").status_code == 404
    assert client.get(staff_url(invoice)).status_code == 302  # to her own side, where it is 404 again
    assert client.post(transition_url(invoice, "retry")).status_code == 404


def test_a_document_not_issued_yet_is_404_even_for_its_customer(alice, sign_in):
    invoice = request_invoice(alice, "10300")
    assert sign_in(alice).get(f"/invoices/{invoice.pk}/document/").status_code == 404


def test_staff_download_an_issued_document(alice, agent01, sign_in):
    invoice = issued_invoice(alice, "EI-2")
    assert sign_in(agent01).get(f"/invoices/{invoice.pk}/document/").status_code == 200


def test_the_navigation_offers_invoices_to_customers_and_the_review_queue_to_reviewers(
    alice, maria, tomas, agent01, sign_in
):
    customer_nav = sign_in(alice).get("/my/invoices/").content.decode()
    assert 'href="/my/invoices/"' in customer_nav and 'href="/my/invoices/new/"' in customer_nav
    assert 'href="/review/invoices/"' in sign_in(maria).get("/agent/").content.decode()
    assert 'href="/review/invoices/"' not in sign_in(tomas).get("/agent/").content.decode()
    assert 'href="/review/invoices/"' not in sign_in(agent01).get("/agent/").content.decode()
