import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportdesk.models import User
from tests.factories import CustomerFactory, InvoiceFactory, TicketFactory
from tickets import services
from tickets.models import Status, Ticket


@pytest.fixture
def alices_ticket(alice, billing, agent01):
    return services.ticket_create(customer=alice, subject="Where is my 10,300 CNY invoice?", description="Since 9:00", category="invoice")


# --- authentication ----------------------------------------------------------------


def test_a_username_and_password_get_a_token_that_authenticates(api, alice):
    answer = api.post("/api/v1/auth/token/", {"username": "alice", "password": "demo12345"}, format="json")

    assert answer.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api.get("/api/v1/tickets/").status_code == 200


def test_a_wrong_password_gets_no_token(api, alice):
    answer = api.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")

    assert answer.status_code == 400
    assert "token" not in answer.json()


def test_without_credentials_the_api_answers_401(api):
    assert api.get("/api/v1/tickets/").status_code == 401


# --- creating -------------------------------------------------------------------------


def test_a_customer_opens_a_ticket_and_it_is_assigned_at_once(api, alice, agent01):
    answer = api.as_user(alice).post(
        "/api/v1/tickets/", {"subject": "Invoice", "description": "Two invoices", "category": "invoice"}, format="json"
    )

    assert answer.status_code == 201
    body = answer.json()
    assert body["reference"] == f"T-{body['id']:06d}"
    assert (body["status"], body["assignee"], body["priority"], body["level"]) == ("open", agent01.pk, "normal", 1)
    assert body["held_by"] == "a Billing specialist"
    assert body["allowed_transitions"] == []


def test_bad_input_answers_400_with_field_errors_and_creates_nothing(api, alice, agent01):
    answer = api.as_user(alice).post(
        "/api/v1/tickets/", {"subject": "", "category": "invoices", "priority": "asap"}, format="json"
    )

    assert answer.status_code == 400
    assert set(answer.json()) == {"subject", "description", "category", "priority"}
    assert not Ticket.objects.exists()


def test_a_ticket_may_point_at_the_customers_own_invoice_only(api, alice, bob, agent01):
    own = InvoiceFactory(customer=alice)
    someone_elses = InvoiceFactory(customer=bob)
    payload = {"subject": "Invoice", "description": "x", "category": "invoice"}

    refused = api.as_user(alice).post("/api/v1/tickets/", {**payload, "invoice": someone_elses.pk}, format="json")
    accepted = api.as_user(alice).post("/api/v1/tickets/", {**payload, "invoice": own.pk}, format="json")

    assert refused.status_code == 400 and "invoice" in refused.json()
    assert accepted.status_code == 201 and accepted.json()["invoice"] == own.pk


def test_staff_open_a_ticket_on_behalf_of_a_named_customer(api, agent01, alice):
    payload = {"subject": "Phoned in", "description": "x", "category": "billing"}

    unnamed = api.as_user(agent01).post("/api/v1/tickets/", payload, format="json")
    named = api.as_user(agent01).post("/api/v1/tickets/", {**payload, "customer": alice.pk}, format="json")

    assert unnamed.status_code == 400 and "customer" in unnamed.json()
    assert named.status_code == 201 and named.json()["customer"] == alice.pk


# --- scoping --------------------------------------------------------------------------


def test_a_customer_sees_only_their_own_tickets(api, alice, bob, alices_ticket):
    bobs = services.ticket_create(customer=bob, subject="Bob's", description="x", category="billing")

    listed = api.as_user(bob).get("/api/v1/tickets/").json()

    assert [t["id"] for t in listed["results"]] == [bobs.pk]
    assert api.as_user(bob).get(f"/api/v1/tickets/{alices_ticket.pk}/").status_code == 404
    assert api.as_user(bob).get(f"/api/v1/tickets/{alices_ticket.pk}/messages/").status_code == 404
    assert api.as_user(bob).get(f"/api/v1/tickets/{alices_ticket.pk}/events/").status_code == 404
    assert api.as_user(bob).post(f"/api/v1/tickets/{alices_ticket.pk}/close/").status_code == 404
    assert api.as_user(bob).post(f"/api/v1/tickets/{alices_ticket.pk}/messages/", {"body": "hi"}).status_code == 404


def test_an_agent_sees_their_team_and_not_other_teams(api, alices_ticket, alice, tech01, agent02):
    technical = services.ticket_create(customer=alice, subject="API", description="x", category="technical")

    assert [t["id"] for t in api.as_user(agent02).get("/api/v1/tickets/").json()["results"]] == [alices_ticket.pk]
    assert [t["id"] for t in api.as_user(tech01).get("/api/v1/tickets/").json()["results"]] == [technical.pk]
    assert api.as_user(tech01).get(f"/api/v1/tickets/{alices_ticket.pk}/").status_code == 404


def test_the_head_of_support_sees_every_ticket(api, hana, alices_ticket, alice, tech01):
    services.ticket_create(customer=alice, subject="API", description="x", category="technical")

    assert api.as_user(hana).get("/api/v1/tickets/").json()["count"] == 2


def test_customers_never_see_internal_notes_or_internal_events(api, alice, agent01, alices_ticket):
    services.message_post(ticket=alices_ticket, author=agent01, body="Gateway is down, do not promise", internal=True)
    services.message_post(ticket=alices_ticket, author=agent01, body="We are on it")

    as_customer = api.as_user(alice)
    messages = as_customer.get(f"/api/v1/tickets/{alices_ticket.pk}/messages/").json()
    events = as_customer.get(f"/api/v1/tickets/{alices_ticket.pk}/events/").json()
    staff_messages = api.as_user(agent01).get(f"/api/v1/tickets/{alices_ticket.pk}/messages/").json()

    assert [m["body"] for m in messages] == ["We are on it"]
    assert all(e["public"] for e in events) and "note" not in [e["kind"] for e in events]
    assert [m["internal"] for m in staff_messages] == [True, False]


def test_posting_messages_through_the_api(api, alice, agent01, alices_ticket):
    note = api.as_user(agent01).post(f"/api/v1/tickets/{alices_ticket.pk}/messages/", {"body": "Check gateway", "internal": True}, format="json")
    blank = api.as_user(alice).post(f"/api/v1/tickets/{alices_ticket.pk}/messages/", {"body": ""}, format="json")
    sneaky = api.as_user(alice).post(f"/api/v1/tickets/{alices_ticket.pk}/messages/", {"body": "x", "internal": True}, format="json")

    assert note.status_code == 201 and note.json()["internal"] is True
    assert blank.status_code == 400 and "body" in blank.json()
    assert sneaky.status_code == 403
    assert alices_ticket.messages.count() == 1


# --- transitions ----------------------------------------------------------------------


def test_a_transition_answers_the_updated_ticket(api, agent01, alices_ticket, maria):
    answer = api.as_user(agent01).post(f"/api/v1/tickets/{alices_ticket.pk}/escalate/", {"reason": "Needs a manager"}, format="json")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["level"], body["escalated_to"]) == ("escalated", 2, maria.pk)
    assert body["held_by"] == "a Billing manager"


def test_a_transition_not_allowed_now_answers_409_with_the_state_and_what_is_allowed(api, agent01, alices_ticket):
    api.as_user(agent01).post(f"/api/v1/tickets/{alices_ticket.pk}/resolve/", {"resolution": "Issued"}, format="json")

    answer = api.as_user(agent01).post(f"/api/v1/tickets/{alices_ticket.pk}/resolve/", {"resolution": "Again"}, format="json")

    assert answer.status_code == 409
    assert answer.json() == {
        "detail": "Cannot resolve the ticket: it is resolved.",
        "status": "resolved",
        "allowed_transitions": ["reopen", "close"],
    }
    assert alices_ticket.events.filter(kind="resolved").count() == 1


def test_a_role_that_may_not_run_a_transition_gets_403(api, alice, alices_ticket):
    answer = api.as_user(alice).post(f"/api/v1/tickets/{alices_ticket.pk}/escalate/", {"reason": "Hurry"}, format="json")

    assert answer.status_code == 403
    assert Ticket.objects.get(pk=alices_ticket.pk).status == Status.OPEN


def test_a_transition_without_its_text_answers_400(api, agent01, alices_ticket):
    answer = api.as_user(agent01).post(f"/api/v1/tickets/{alices_ticket.pk}/escalate/", {}, format="json")

    assert answer.status_code == 400 and "reason" in answer.json()


def test_assign_validates_the_agent(api, maria, alices_ticket, tech01, agent02):
    not_an_agent = api.as_user(maria).post(f"/api/v1/tickets/{alices_ticket.pk}/assign/", {"agent": maria.pk}, format="json")
    other_team = api.as_user(maria).post(f"/api/v1/tickets/{alices_ticket.pk}/assign/", {"agent": tech01.pk}, format="json")
    ok = api.as_user(maria).post(f"/api/v1/tickets/{alices_ticket.pk}/assign/", {"agent": agent02.pk}, format="json")

    assert not_an_agent.status_code == 400 and "agent" in not_an_agent.json()
    assert other_team.status_code == 400 and "agent" in other_team.json()
    assert ok.status_code == 200 and ok.json()["assignee"] == agent02.pk


def test_the_customer_reopens_and_closes_through_the_api(api, alice, agent01, alices_ticket):
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued", by=agent01)

    reopened = api.as_user(alice).post(f"/api/v1/tickets/{alices_ticket.pk}/reopen/", {"reason": "Wrong amount"}, format="json")
    services.ticket_resolve(ticket=alices_ticket, resolution="Fixed", by=agent01)
    closed = api.as_user(alice).post(f"/api/v1/tickets/{alices_ticket.pk}/close/", {}, format="json")

    assert reopened.json()["status"] == "open"
    assert closed.json()["status"] == "closed" and closed.json()["allowed_transitions"] == []


# --- lists: filters, pagination, query counts ------------------------------------------


def test_filters_narrow_the_list(api, hana, alice, billing, agent01, tech01):
    invoice = services.ticket_create(customer=alice, subject="Invoice header wrong", description="x", category="invoice")
    technical = services.ticket_create(customer=alice, subject="API timeout", description="x", category="technical")
    services.ticket_resolve(ticket=technical, resolution="Fixed", by=tech01)
    as_head = api.as_user(hana)

    def ids(query):
        return [t["id"] for t in as_head.get(f"/api/v1/tickets/?{query}").json()["results"]]

    assert ids("status=resolved") == [technical.pk]
    assert ids("category=invoice") == [invoice.pk]
    assert ids(f"assignee={agent01.pk}") == [invoice.pk]
    assert ids(f"team={billing.pk}") == [invoice.pk]
    assert ids("search=header") == [invoice.pk]
    assert ids(f"search=T-{technical.pk:06d}") == [technical.pk]
    assert ids("level=1&status=open") == [invoice.pk]
    assert as_head.get("/api/v1/tickets/?status=bogus").status_code == 400


def test_pages_hold_at_most_100_tickets(api, hana):
    customer = CustomerFactory()
    TicketFactory.create_batch(105, customer=customer)

    page = api.as_user(hana).get("/api/v1/tickets/?page_size=500").json()

    assert page["count"] == 105 and len(page["results"]) == 100 and page["next"]


@pytest.mark.parametrize("role", ["hana", "maria", "agent01", "alice"])
def test_the_ticket_list_runs_the_same_queries_for_5_or_50_tickets(role, api, request, alice, billing, agent01, maria, hana):
    username = request.getfixturevalue(role).username

    def queries_for_page():
        api.as_user(User.objects.get(username=username))  # a fresh request knows nothing yet
        with CaptureQueriesContext(connection) as captured:
            answer = api.get("/api/v1/tickets/?page_size=100")
        assert answer.status_code == 200
        return len(captured), answer.json()["count"]

    TicketFactory.create_batch(5, customer=alice, team=billing, assignee=agent01, status=Status.OPEN)
    few, count_few = queries_for_page()
    TicketFactory.create_batch(45, customer=alice, team=billing, assignee=agent01, status=Status.ESCALATED, escalated_to=maria, level=2)
    many, count_many = queries_for_page()

    assert (count_few, count_many) == (5, 50)
    assert few == many <= 3


def test_the_ticket_list_query_count_is_exact(api, hana, alice, billing, agent01, django_assert_num_queries):
    TicketFactory.create_batch(30, customer=alice, team=billing, assignee=agent01, status=Status.OPEN)

    with django_assert_num_queries(2):  # count, then one page with its joins
        assert api.as_user(hana).get("/api/v1/tickets/").status_code == 200


# --- teams and the schema ---------------------------------------------------------------


def test_teams_show_their_manager_agents_and_expertise(api, agent01, agent02, billing, maria):
    teams = api.as_user(agent01).get("/api/v1/teams/").json()["results"]

    assert teams == [{
        "id": billing.pk,
        "name": "Billing",
        "manager": {"id": maria.pk, "username": "maria", "name": "Maria"},
        "agents": [
            {"id": agent01.pk, "username": "agent01", "name": "agent01"},
            {"id": agent02.pk, "username": "agent02", "name": "agent02"},
        ],
        "expertise": ["invoice", "billing"],
        "categories": ["invoice", "billing"],
        "agent_count": 2,
        "over_capacity": False,
    }]


def test_customers_may_not_list_teams(api, alice):
    assert api.as_user(alice).get("/api/v1/teams/").status_code == 403


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200 and b"/api/v1/tickets/{id}/escalate/" in schema.content
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()
