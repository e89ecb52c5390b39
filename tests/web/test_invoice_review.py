"""The reviewers' queue and the staff invoice page: approve, reject, retry, and what is refused."""

import pytest

from invoices.models import Invoice, InvoiceStatus
from tests.web.test_invoice_pages import (
    QUEUE,
    failed_invoice,
    issued_invoice,
    mine_url,
    request_invoice,
    staff_url,
    transition_url,
)


def test_the_review_queue_lists_invoices_in_review_oldest_first_and_failed_ones(alice, bob, maria, sign_in):
    # given
    first = request_invoice(alice, "10300")
    second = request_invoice(bob, "25000")
    small = request_invoice(alice, "300")  # queued: not the reviewers' business
    failed = failed_invoice(bob)
    Invoice.objects.filter(pk=first.pk).update(stalled=True)
    # when
    response = sign_in(maria).get(QUEUE)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(first.reference) < html.index(second.reference) < html.index(failed.reference)
    assert small.reference not in html
    assert "Waiting for manual review because 25,000.00 CNY is above the customer&#x27;s automatic limit of 10,000.00 CNY" in html
    assert "Yes: past its stage target" in html  # the stalled flag, in words
    assert "0 min" in html  # how long it has waited
    assert f'action="/invoices/{first.pk}/transition/approve/"' in html
    assert f'action="/invoices/{first.pk}/transition/reject/"' in html
    assert f'id="id_invoice{first.pk}_reject-reason"' in html and f'for="id_invoice{second.pk}_reject-reason"' in html
    assert f'action="/invoices/{failed.pk}/transition/retry/"' in html
    assert "Issuance failed after 5 attempts" in html


@pytest.mark.parametrize("invoices", [3, 30])
def test_the_review_queue_runs_the_same_number_of_queries_whatever_the_number_of_invoices(
    invoices, alice, maria, sign_in, django_assert_num_queries
):
    # given
    for _ in range(invoices):
        request_invoice(alice, "10300")
        failed_invoice(alice)
    client = sign_in(maria)
    # when / then: session, user, review count, review rows, failed rows, open incidents, unread notifications
    with django_assert_num_queries(7):
        response = client.get(QUEUE)
    assert response.content.decode().count('class="invoice-queue-item') == 2 * invoices


def test_maria_approves_from_the_queue_and_the_invoice_is_issued(
    alice, maria, sign_in, django_capture_on_commit_callbacks
):
    # given
    invoice = request_invoice(alice, "10300")
    client = sign_in(maria)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(transition_url(invoice, "approve"), {"approve-next": QUEUE})
    # then
    assert response.status_code == 302 and response.url == QUEUE
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.reviewed_by == maria
    html = client.get(QUEUE).content.decode()
    assert f"{invoice.reference} is approved and queued for issuance." in html
    assert "No invoice is waiting for review." in html
    customer_page = sign_in(alice).get(mine_url(invoice)).content.decode()
    assert "Approved" in customer_page and "by Maria" in customer_page and "You can download it now." in customer_page


def test_an_outside_address_to_go_back_to_is_ignored(alice, maria, sign_in):
    invoice = request_invoice(alice, "10300")
    response = sign_in(maria).post(transition_url(invoice, "approve"), {"approve-next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == staff_url(invoice)


def test_rejecting_needs_a_reason_and_the_customer_then_reads_it(alice, maria, sign_in):
    # given
    invoice = request_invoice(alice, "10300")
    client = sign_in(maria)
    # when: no reason
    response = client.post(transition_url(invoice, "reject"), {"reject-reason": "  ", "reject-next": QUEUE})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    box = html.index('name="reject-reason"')
    assert html.rindex("This field is required.", 0, box) > html.index('class="action invoice-action action-reject"')
    assert "Waiting for manual review because 10,300.00 CNY" in html  # the page still explains the invoice
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PENDING_REVIEW
    # when: with a reason
    reason = "The tax id belongs to another company."
    response = client.post(transition_url(invoice, "reject"), {"reject-reason": reason})
    # then
    assert response.status_code == 302 and response.url == staff_url(invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REJECTED
    page = sign_in(alice).get(mine_url(invoice)).content.decode()
    assert "Rejected by Maria" in page and reason in page
    assert "hx-trigger" not in page


def test_approving_an_invoice_not_in_review_is_409_with_the_reason(alice, maria, sign_in):
    # given
    invoice = issued_invoice(alice, "EI-3")
    client = sign_in(maria)
    # when
    approve = client.post(transition_url(invoice, "approve"))
    reject = client.post(transition_url(invoice, "reject"), {"reject-reason": "Too late, sorry."})
    # then
    assert approve.status_code == 409 and "Cannot approve this invoice: it is issued." in approve.content.decode()
    assert reject.status_code == 409
    html = reject.content.decode()
    assert "Cannot reject this invoice: it is issued." in html and ">\nToo late, sorry.</textarea>" in html
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.reviewed_by is None


def test_a_manager_without_invoice_expertise_may_not_approve(alice, tomas, sign_in):
    # given
    invoice = request_invoice(alice, "10300")
    client = sign_in(tomas)
    # when / then
    assert client.post(transition_url(invoice, "approve")).status_code == 403
    assert client.get(QUEUE).status_code == 403
    page = client.get(staff_url(invoice)).content.decode()
    assert "/transition/approve/" not in page and "No action is open to you in this state." in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PENDING_REVIEW


def test_the_review_queue_is_403_for_agents_and_404_for_customers(agent01, alice, sign_in):
    assert sign_in(agent01).get(QUEUE).status_code == 403
    assert sign_in(alice).get(QUEUE).status_code == 404


def test_a_customer_cannot_approve_her_own_invoice(alice, sign_in):
    invoice = request_invoice(alice, "10300")
    assert sign_in(alice).post(transition_url(invoice, "approve")).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PENDING_REVIEW


def test_an_unknown_action_is_404_and_actions_take_posts_only(alice, maria, sign_in):
    invoice = request_invoice(alice, "10300")
    client = sign_in(maria)
    assert client.post(transition_url(invoice, "expedite")).status_code == 404
    assert client.get(transition_url(invoice, "approve")).status_code == 405


def test_an_agent_retries_a_failed_invoice_from_its_page(alice, agent01, sign_in, django_capture_on_commit_callbacks):
    # given
    invoice = failed_invoice(alice)
    client = sign_in(agent01)
    page = client.get(staff_url(invoice)).content.decode()
    assert "Issuance failed after 5 attempts" in page and "/transition/retry/" in page
    assert "/transition/approve/" not in page
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(transition_url(invoice, "retry"))
    # then
    assert response.status_code == 302 and response.url == staff_url(invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert "is queued for issuance again." in client.get(response.url).content.decode()


def test_staff_see_the_invoice_page_with_its_facts_and_live_part(alice, agent01, sign_in):
    # given
    invoice = request_invoice(alice, "10300")
    client = sign_in(agent01)
    # when
    page = client.get(staff_url(invoice))
    live = client.get(f"/invoices/{invoice.pk}/live/")
    # then
    assert page.status_code == 200 and live.status_code == 200
    html = page.content.decode()
    assert "Waiting for manual review" in html and "Example Co., Ltd." in html and "alice" in html
    assert f'hx-get="/invoices/{invoice.pk}/live/"' in html
    assert "Waiting for manual review" in live.content.decode()


def test_links_cross_to_the_right_side(alice, agent01, sign_in):
    invoice = request_invoice(alice, "10300")
    assert sign_in(alice).get(staff_url(invoice)).url == mine_url(invoice)
    assert sign_in(agent01).get(mine_url(invoice)).url == staff_url(invoice)


def test_the_navigation_offers_the_review_queue_to_invoice_reviewers_only(maria, tomas, agent01, hana, sign_in):
    def offers_review(user) -> bool:
        return 'href="/review/invoices/"' in sign_in(user).get("/agent/").content.decode()

    assert offers_review(maria) and offers_review(hana)
    assert not offers_review(tomas) and not offers_review(agent01)
