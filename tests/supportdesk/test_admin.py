"""The Django admin: configuration pages, the team size warning, and ticket transitions as actions."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.models import Invoice, InvoiceStatus
from supportdesk.models import Notification, Role, Team, User
from tests.factories import AgentFactory, InvoiceFactory, TicketFactory, UserFactory
from tickets import services
from tickets.models import EventKind, Level, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_page(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- pages --------------------------------------------------------------------------


def test_every_admin_page_loads_for_an_administrator(admin_client, alice, agent01, billing):
    # Given a ticket, an invoice and a notification
    invoice = InvoiceFactory(customer=alice)
    ticket = services.ticket_create(customer=alice, subject="Where is my invoice?", description="x", category="invoice")
    services.message_post(ticket=ticket, author=agent01, body="Checking.", internal=True)
    notification = Notification.objects.create(recipient=alice, source_key="test:1", subject="Hello", body="Hi")
    pages = [
        *(changelist(model) for model in (User, Team, Ticket, Invoice, Notification)),
        *(change_page(obj) for obj in (alice, agent01, billing, ticket, invoice, notification)),
        reverse("admin:supportdesk_user_add"),
        reverse("admin:supportdesk_team_add"),
        reverse("admin:index"),
    ]

    # When the administrator opens each page
    statuses = {page: admin_client.get(page).status_code for page in pages}

    # Then every one loads
    assert statuses == {page: 200 for page in pages}


def test_a_ticket_page_shows_its_conversation_and_timeline_read_only(admin_client, alice, agent01):
    # Given a ticket with an internal note
    ticket = services.ticket_create(customer=alice, subject="Blank PDF", description="x", category="invoice")
    services.message_post(ticket=ticket, author=agent01, body="Renderer crashed again.", internal=True)

    # When the administrator opens it, and then tries to post an edit
    page = admin_client.get(change_page(ticket))
    edit = admin_client.post(change_page(ticket), {"subject": "Changed"})

    # Then the note and the events are shown, nothing is editable, and the edit is refused
    assert b"Renderer crashed again." in page.content
    assert b"Assigned automatically" in page.content
    assert b'name="_save"' not in page.content
    assert edit.status_code == 403
    ticket.refresh_from_db()
    assert ticket.subject == "Blank PDF"


def test_the_ticket_list_finds_a_ticket_by_its_reference(admin_client, alice, agent01):
    # Given two tickets
    first = services.ticket_create(customer=alice, subject="First", description="x", category="invoice")
    services.ticket_create(customer=alice, subject="Second", description="x", category="invoice")

    # When the administrator searches for the first one's reference
    response = admin_client.get(changelist(Ticket), {"q": first.reference})

    # Then only that ticket is listed
    assert list(response.context["cl"].result_list) == [first]


# --- users --------------------------------------------------------------------------------


def test_a_manager_s_expertise_is_edited_as_checkboxes_and_stored_as_a_list(admin_client, maria):
    # Given the change form of maria
    form_page = admin_client.get(change_page(maria))
    assert b'type="checkbox" name="expertise" value="technical"' in form_page.content

    # When the administrator ticks invoice and technical
    response = admin_client.post(change_page(maria), user_form_data(maria, expertise=["invoice", "technical"]))

    # Then maria's expertise is that list
    assert response.status_code == 302, response.context["adminform"].form.errors
    maria.refresh_from_db()
    assert maria.expertise == ["invoice", "technical"]


def test_a_manager_cannot_be_put_in_a_team_as_an_agent(admin_client, maria, billing):
    # When the administrator gives maria (a manager) a team
    response = admin_client.post(change_page(maria), user_form_data(maria, team=billing.pk))

    # Then the form refuses it
    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    maria.refresh_from_db()
    assert maria.team_id is None


def test_a_user_is_added_with_a_role(admin_client):
    # When the administrator adds a head of support
    response = admin_client.post(
        reverse("admin:supportdesk_user_add"),
        {
            "username": "jana",
            "email": "jana@example.com",
            "display_name": "Jana",
            "role": Role.HEAD,
            "usable_password": "true",
            "password1": "a-long-Passphrase-9",
            "password2": "a-long-Passphrase-9",
        },
    )

    # Then jana exists with that role and can log in
    assert response.status_code == 302
    jana = User.objects.get(username="jana")
    assert jana.role == Role.HEAD and jana.check_password("a-long-Passphrase-9")


def user_form_data(user, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team_id or "",
        "expertise": list(user.expertise),
        "tier": user.tier,
        "invoice_auto_limit": str(user.invoice_auto_limit),
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return data


# --- teams -----------------------------------------------------------------------------


def test_a_team_s_categories_are_edited_as_checkboxes(admin_client, tomas):
    # When the administrator adds a team owning accounts and other
    response = admin_client.post(
        reverse("admin:supportdesk_team_add"),
        {"name": "Accounts", "manager": tomas.pk, "categories": ["account", "other"]},
    )

    # Then the team owns exactly those categories
    assert response.status_code == 302
    assert Team.objects.get(name="Accounts").categories == ["account", "other"]


def test_a_category_owned_by_another_team_is_refused(admin_client, billing, tomas):
    # When the administrator gives a new team the invoice category, which Billing owns
    response = admin_client.post(
        reverse("admin:supportdesk_team_add"), {"name": "Invoices", "manager": tomas.pk, "categories": ["invoice"]}
    )

    # Then the form says who owns it and no team is created
    assert response.status_code == 200
    assert "Billing" in str(response.context["adminform"].form.errors["categories"])
    assert not Team.objects.filter(name="Invoices").exists()


@pytest.mark.parametrize(("agents", "warned"), [(20, False), (21, True)])
def test_a_team_of_more_than_20_agents_is_flagged(admin_client, billing, agents, warned):
    # Given Billing with this many active agents (and an inactive one, which does not count)
    AgentFactory.create_batch(agents, team=billing)
    AgentFactory(team=billing, is_active=False)

    # When the administrator lists teams and opens Billing
    listing = admin_client.get(changelist(Team))
    page = admin_client.get(change_page(billing))

    # Then the list and the page warn only when the team is over 20
    assert (b"over the recommended 20" in listing.content) is warned
    warnings = [m for m in page_messages(page) if "more than the 20 one manager should lead" in m]
    assert len(warnings) == (1 if warned else 0)
    if warned:
        assert "Billing has 21 active agents" in warnings[0]


def test_saving_a_team_over_20_agents_warns_again(admin_client, billing, maria):
    # Given Billing with 21 agents
    AgentFactory.create_batch(21, team=billing)

    # When the administrator saves it
    response = admin_client.post(
        change_page(billing),
        {"name": "Billing", "manager": maria.pk, "categories": ["invoice", "billing"]},
        follow=True,
    )

    # Then the team list shows the warning once
    warnings = [m for m in page_messages(response) if "more than the 20" in m]
    assert len(warnings) == 1


def test_putting_a_21st_agent_in_a_team_warns(admin_client, billing):
    # Given Billing with 20 agents and one agent without a team
    AgentFactory.create_batch(20, team=billing)
    newcomer = AgentFactory(username="newcomer")

    # When the administrator puts the newcomer in Billing
    response = admin_client.post(change_page(newcomer), user_form_data(newcomer, team=billing.pk), follow=True)

    # Then the save is done and the administrator is warned
    newcomer.refresh_from_db()
    assert newcomer.team == billing
    assert any("Billing has 21 active agents" in m for m in page_messages(response))


# --- ticket transitions as actions --------------------------------------------------------------


def open_ticket(customer, agent=None, subject="Where is my invoice?"):
    return services.ticket_create(customer=customer, subject=subject, description="Details.", category="invoice")


def escalated_ticket(customer, agent):
    return services.ticket_escalate(ticket=open_ticket(customer), reason="Needs a manager.", by=agent)


def resolved_ticket(customer, agent):
    return services.ticket_resolve(ticket=open_ticket(customer), resolution="Done.", by=agent)


def closed_ticket(customer, agent):
    return services.ticket_close(ticket=resolved_ticket(customer, agent), by=customer)


ASSIGN_TO_AGENT02 = object()  # the form picks agent02, who only exists inside the test

# action: a ticket it applies to, what its page asks for, the state and the event it leads to
ACTIONS = {
    "assign": (open_ticket, ASSIGN_TO_AGENT02, Status.OPEN, EventKind.ASSIGNED),
    "request_info": (open_ticket, {"text": "Which period?"}, Status.WAITING_ON_CUSTOMER, EventKind.INFO_REQUESTED),
    "escalate": (open_ticket, {"text": "Stuck in review."}, Status.ESCALATED, EventKind.ESCALATED),
    "return_to_agent": (escalated_ticket, {"text": "Ask for the tax ID."}, Status.OPEN, EventKind.RETURNED),
    "resolve": (open_ticket, {"text": "Re-issued."}, Status.RESOLVED, EventKind.RESOLVED),
    "reopen": (resolved_ticket, None, Status.OPEN, EventKind.REOPENED),
    "close": (resolved_ticket, None, Status.CLOSED, EventKind.CLOSED),
}


def run_action(client, action, tickets, form=None):
    """Post the action as the changelist does, then (if it asks for something) answer its page."""
    selection = {"action": action, "_selected_action": [t.pk for t in tickets]}
    first = client.post(changelist(Ticket), {**selection, "index": 0})
    if form is None:
        return first, None
    answer = client.post(changelist(Ticket), {**selection, "apply": "yes", **form})
    return answer, first


@pytest.mark.parametrize("action", ACTIONS)
def test_a_ticket_action_applies_where_allowed_and_reports_where_refused(
    admin_client, admin_user, alice, agent01, agent02, maria, action
):
    make_ticket, form, target, kind = ACTIONS[action]
    if form is ASSIGN_TO_AGENT02:
        form = {"agent": agent02.pk}
    # Given a ticket the transition applies to, and a closed one it does not
    allowed = make_ticket(alice, agent01)
    refused = closed_ticket(alice, agent01)
    allowed_from, refused_events = allowed.status, refused.events.count()

    # When the administrator runs the action on both
    response, asked = run_action(admin_client, action, [allowed, refused], form)

    # Then (after asking what it needs) the allowed ticket moved, with its event by the administrator
    if asked is not None:
        assert asked.status_code == 200
        assert "admin/tickets/transition_action.html" in [t.name for t in asked.templates]
        assert allowed.reference.encode() in asked.content
    assert response.status_code == 302
    allowed.refresh_from_db()
    assert allowed.status == target
    event = allowed.events.exclude(kind="notice").order_by("-id").first()  # escalating also tells the customer
    assert (event.kind, event.actor, event.from_status, event.to_status) == (kind, admin_user, allowed_from, target)

    # And the closed ticket is unchanged, with the refusal and its reason reported
    refused.refresh_from_db()
    assert refused.status == Status.CLOSED and refused.events.count() == refused_events
    reported = page_messages(admin_client.get(changelist(Ticket)))
    assert any(m.startswith("1 ticket ") for m in reported), reported
    assert any(m.startswith(f"{refused.reference} refused: ") and "closed" in m for m in reported), reported


def test_assign_gives_the_ticket_to_the_chosen_agent(admin_client, alice, agent01, agent02):
    ticket = open_ticket(alice)
    assert ticket.assignee == agent01

    run_action(admin_client, "assign", [ticket], {"agent": agent02.pk})

    ticket.refresh_from_db()
    assert ticket.assignee == agent02


def test_escalate_twice_reaches_the_head_of_support(admin_client, alice, agent01, maria, hana):
    # Given an open ticket
    ticket = open_ticket(alice)

    # When the administrator escalates it twice
    run_action(admin_client, "escalate", [ticket], {"text": "Needs a manager."})
    ticket.refresh_from_db()
    assert (ticket.level, ticket.escalated_to) == (Level.MANAGER, maria)
    run_action(admin_client, "escalate", [ticket], {"text": "Needs the head of support."})

    # Then it is with hana at level 3, and the reason is on the timeline
    ticket.refresh_from_db()
    assert (ticket.level, ticket.escalated_to) == (Level.HEAD, hana)
    assert ticket.events.filter(kind=EventKind.ESCALATED, detail="Needs the head of support.").exists()


def test_a_blank_text_asks_again_and_changes_nothing(admin_client, alice, agent01):
    # Given an open ticket
    ticket = open_ticket(alice)
    events = ticket.events.count()

    # When the administrator resolves it without a resolution
    response, _ = run_action(admin_client, "resolve", [ticket], {"text": "   "})

    # Then the page asks again and the ticket is untouched
    assert response.status_code == 200
    assert response.context["form"].errors
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.events.count() == events


def test_a_staff_member_whose_role_may_not_run_a_transition_is_refused(client, alice, agent01, tech01):
    # Given a staff member who is a Technical agent, allowed in the admin to list and act on tickets
    tech01.is_staff = True
    tech01.save()
    tech01.user_permissions.add(*Permission.objects.filter(codename__in=["view_ticket", "change_ticket"]))
    client.force_login(tech01)
    ticket = open_ticket(alice)  # a Billing ticket, which tech01 may not see

    # When they try to resolve it from the admin
    run_action(client, "resolve", [ticket], {"text": "Done."})

    # Then it is refused for their role and nothing changes
    reported = page_messages(client.get(changelist(Ticket)))
    assert any(m.startswith(f"{ticket.reference} refused: ") and "may not" in m for m in reported), reported
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_several_tickets_are_reported_together(admin_client, alice, agent01):
    # Given two open tickets and two closed ones
    opened = [open_ticket(alice), open_ticket(alice)]
    closed = [closed_ticket(alice, agent01), closed_ticket(alice, agent01)]

    # When the administrator escalates all four
    run_action(admin_client, "escalate", [*opened, *closed], {"text": "Escalating the batch."})

    # Then two are escalated and each closed one is reported
    reported = page_messages(admin_client.get(changelist(Ticket)))
    assert "2 tickets escalated." in reported
    assert sum(" refused: " in m for m in reported) == 2
    assert Ticket.objects.filter(status=Status.ESCALATED).count() == 2


def test_a_staff_flag_alone_opens_the_admin_but_not_the_tickets(client):
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(clerk)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(changelist(Ticket)).status_code == 403


def test_a_long_selection_is_summarised_on_the_action_page(admin_client, alice):
    # Given 51 tickets
    tickets = TicketFactory.create_batch(51, customer=alice)

    # When the administrator starts resolving them all
    page, _ = run_action(admin_client, "resolve", tickets)

    # Then the page lists 50, says how many more, and keeps all of them selected
    assert b"and 1 more" in page.content
    assert page.content.count(b'name="_selected_action"') == 51


def test_the_ticket_list_runs_the_same_queries_whatever_the_number_of_tickets(
    admin_client, alice, agent01, django_assert_max_num_queries
):
    # Given a few tickets, then many more
    for n in range(3):
        open_ticket(alice, subject=f"Ticket {n}")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(changelist(Ticket))
    for n in range(30):
        open_ticket(alice, subject=f"More {n}")

    # When the administrator lists them, then the number of queries does not grow
    with django_assert_max_num_queries(len(few)):
        admin_client.get(changelist(Ticket))


# --- invoices --------------------------------------------------------------------------------


def test_an_invoice_awaiting_review_can_have_its_tax_id_corrected_but_not_its_amount(admin_client, alice):
    # Given an invoice waiting for review
    invoice = InvoiceFactory(customer=alice, status=InvoiceStatus.PENDING_REVIEW, tax_id="WRONG")

    # When the administrator corrects its tax ID and tries to change its amount and status
    response = admin_client.post(
        change_page(invoice),
        {
            "title": invoice.title, "tax_id": "91310115MA1HB3XK2W", "amount": "1.00", "status": "issued",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",  # the read-only timeline inline
        },
    )

    # Then only the tax ID changed
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.tax_id, invoice.amount, invoice.status) == (
        "91310115MA1HB3XK2W",
        Decimal("300.00"),
        InvoiceStatus.PENDING_REVIEW,
    )


def test_an_issued_invoice_is_shown_read_only(admin_client, alice):
    invoice = InvoiceFactory(customer=alice, status=InvoiceStatus.ISSUED, invoice_number="EI-1")

    page = admin_client.get(change_page(invoice))

    assert page.status_code == 200
    assert b"EI-1" in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.post(change_page(invoice), {"tax_id": "X"}).status_code == 403


def test_invoice_admin_actions_approve_and_report_refusals(client, admin_user, django_capture_on_commit_callbacks):
    from invoices.models import Invoice, InvoiceStatus
    from tests.factories import InvoiceFactory

    pending = InvoiceFactory(status=InvoiceStatus.PENDING_REVIEW, amount="20000.00")
    issued = InvoiceFactory(status=InvoiceStatus.ISSUED, invoice_number="EI-OLD-1")
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/invoices/invoice/", {"action": "approve", "_selected_action": [pending.pk, issued.pk]}, follow=True
        )

    shown = [str(m) for m in answer.context["messages"]]
    assert "1 invoice approved." in shown
    assert any(issued.reference in m and "Cannot approve" in m for m in shown)
    assert Invoice.objects.get(pk=pending.pk).status == InvoiceStatus.ISSUED
    assert client.get(f"/admin/invoices/invoice/{pending.pk}/change/").status_code == 200
