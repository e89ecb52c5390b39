from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Level, Status


def _page(ticket) -> str:
    return f"/agent/tickets/{ticket.pk}/"


def _transition(ticket, name) -> str:
    return f"/agent/tickets/{ticket.pk}/transition/{name}/"


def test_the_ticket_page_shows_the_ticket_its_conversation_and_its_timeline(alices_ticket, agent01, sign_in):
    # given
    services.message_post(ticket=alices_ticket, author=agent01, body="Checking the pipeline now.")
    services.message_post(ticket=alices_ticket, author=agent01, body="Gateway looks stuck.", internal=True)
    # when
    response = sign_in(agent01).get(_page(alices_ticket))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    facts = (
        "Where is my large invoice", "I asked for it at 9:00.", "alice", "Open", "Frontline agent", "Billing", "agent01"
    )
    for fact in facts:
        assert fact in html
    assert "Checking the pipeline now." in html and "Public reply" in html
    assert "Gateway looks stuck." in html and "Internal note — not visible to the customer" in html
    assert "Assigned automatically to agent01" in html  # the timeline, staff events included
    for field in ("reply-body", "note-body", "request_info-body", "escalate-reason", "resolve-resolution"):
        assert f'name="{field}"' in html


def test_the_ticket_page_runs_a_bounded_number_of_queries(
    alices_ticket, agent01, sign_in, django_assert_max_num_queries
):
    # given
    for number in range(20):
        services.message_post(ticket=alices_ticket, author=agent01, body=f"Update {number}", internal=number % 2 == 0)
    client = sign_in(agent01)
    # when / then
    with django_assert_max_num_queries(8):
        client.get(_page(alices_ticket))


def test_an_agent_replies_to_the_customer(alices_ticket, agent01, sign_in):
    # given
    client = sign_in(agent01)
    # when
    response = client.post(f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "Your invoice is under review."})
    # then
    assert response.status_code == 302 and response.url == _page(alices_ticket)
    message = alices_ticket.messages.get()
    assert message.body == "Your invoice is under review." and not message.internal and message.author == agent01
    page = client.get(response.url).content.decode()
    assert "Your reply was sent to the customer." in page and "Your invoice is under review." in page


def test_an_agent_adds_an_internal_note(alices_ticket, agent01, sign_in):
    # given
    client = sign_in(agent01)
    # when
    response = client.post(f"/agent/tickets/{alices_ticket.pk}/note/", {"note-body": "E-invoice gateway times out."})
    # then
    assert response.status_code == 302
    note = alices_ticket.messages.get()
    assert note.internal and note.body == "E-invoice gateway times out."


def test_an_agent_takes_an_unassigned_ticket_of_the_team(agent01, billing, alice, sign_in):
    # given
    ticket = TicketFactory(customer=alice, team=billing, status=Status.NEW)
    client = sign_in(agent01)
    assert "Take it" in client.get(_page(ticket)).content.decode()
    # when
    response = client.post(_transition(ticket, "assign"))
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.assignee == agent01


def test_a_manager_assigns_a_ticket_to_an_agent_of_the_team(alices_ticket, maria, agent02, sign_in):
    # given
    client = sign_in(maria)
    assert f'<option value="{agent02.pk}">agent02</option>' in client.get(_page(alices_ticket)).content.decode()
    # when
    response = client.post(_transition(alices_ticket, "assign"), {"assign-agent": agent02.pk})
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.assignee == agent02


def test_an_agent_asks_the_customer_for_information(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "request_info"), {"request_info-body": "Which tax id?"})
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.WAITING_ON_CUSTOMER
    assert alices_ticket.events.filter(kind=EventKind.INFO_REQUESTED, detail="Which tax id?").exists()


def test_an_agent_escalates_to_the_teams_manager(alices_ticket, agent01, maria, sign_in):
    # when
    response = sign_in(agent01).post(
        _transition(alices_ticket, "escalate"), {"escalate-reason": "Stuck for five hours."}
    )
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.ESCALATED and alices_ticket.escalated_to == maria
    assert alices_ticket.level == Level.MANAGER


def test_a_manager_returns_an_escalated_ticket_with_guidance(alices_ticket, agent01, maria, sign_in):
    # given
    services.ticket_escalate(ticket=alices_ticket, reason="Stuck.", by=agent01)
    # when
    response = sign_in(maria).post(
        _transition(alices_ticket, "return_to_agent"), {"return_to_agent-guidance": "Retry issuance."}
    )
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN and alices_ticket.level == Level.AGENT
    assert alices_ticket.events.filter(kind=EventKind.RETURNED, detail="Retry issuance.").exists()


def test_an_agent_resolves_a_ticket(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "resolve"), {"resolve-resolution": "Issued as INV-1."})
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.RESOLVED


def test_an_agent_reopens_a_resolved_ticket(alices_ticket, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Done.", by=agent01)
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "reopen"), {"reopen-reason": "The PDF is blank."})
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN


def test_an_agent_closes_a_resolved_ticket(alices_ticket, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Done.", by=agent01)
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "close"))
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.CLOSED


def test_a_manager_who_no_longer_sees_the_ticket_goes_back_to_the_queue(agent01, tomas, alice, sign_in):
    # given: escalated to Tomas, who does not lead Billing
    ticket = TicketFactory(
        customer=alice, team=agent01.team, assignee=agent01,
        status=Status.ESCALATED, level=Level.MANAGER, escalated_to=tomas,
    )
    # when
    response = sign_in(tomas).post(_transition(ticket, "return_to_agent"), {"return_to_agent-guidance": "Not mine."})
    # then
    assert response.status_code == 302 and response.url == "/agent/"


# --- what goes wrong -----------------------------------------------------------------


def test_a_blank_reason_is_refused_with_the_error_next_to_the_field(alices_ticket, agent01, sign_in):
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "escalate"), {"escalate-reason": "   "})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    reason_box = html.index('name="escalate-reason"')
    assert html.rindex("This field is required.", 0, reason_box) > html.index('class="action action-escalate"')
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN


def test_a_bad_choice_keeps_what_was_typed_elsewhere_on_the_page(alices_ticket, maria, sign_in):
    # when: an id that is not an agent of the team
    response = sign_in(maria).post(_transition(alices_ticket, "assign"), {"assign-agent": maria.pk})
    # then
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_a_refused_transition_is_409_with_the_reason_and_the_text_kept(alices_ticket, agent01, sign_in):
    # given: the customer was asked a question, so the ticket cannot be resolved now
    services.ticket_request_info(ticket=alices_ticket, body="Which tax id?", by=agent01)
    # when
    response = sign_in(agent01).post(_transition(alices_ticket, "resolve"), {"resolve-resolution": "Issued as INV-7."})
    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert ": it is waiting on customer." in html
    assert ">\nIssued as INV-7.</textarea>" in html
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.WAITING_ON_CUSTOMER


def test_a_reply_to_a_closed_ticket_is_409_and_the_reply_is_kept(alices_ticket, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Done.", by=agent01)
    services.ticket_close(ticket=alices_ticket, by=agent01)
    # when
    response = sign_in(agent01).post(f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "One more thing."})
    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert "closed and takes no more replies" in html and ">\nOne more thing.</textarea>" in html
    assert not alices_ticket.messages.exists()


def test_a_transition_the_role_may_not_run_is_403(alices_ticket, agent01, sign_in):
    # given
    services.ticket_escalate(ticket=alices_ticket, reason="Stuck.", by=agent01)
    # when: only managers return tickets to agents
    response = sign_in(agent01).post(_transition(alices_ticket, "return_to_agent"), {"return_to_agent-guidance": "Me?"})
    # then
    assert response.status_code == 403


def test_an_unknown_transition_is_404(alices_ticket, agent01, sign_in):
    assert sign_in(agent01).post(_transition(alices_ticket, "expedite")).status_code == 404


def test_a_ticket_of_another_team_is_404(tech01, alices_ticket, sign_in):
    client = sign_in(tech01)
    assert client.get(_page(alices_ticket)).status_code == 404
    assert client.post(f"/agent/tickets/{alices_ticket.pk}/reply/", {"reply-body": "Hi"}).status_code == 404
    assert client.post(_transition(alices_ticket, "resolve"), {"resolve-resolution": "x"}).status_code == 404


def test_the_action_urls_take_posts_only(alices_ticket, agent01, sign_in):
    assert sign_in(agent01).get(f"/agent/tickets/{alices_ticket.pk}/reply/").status_code == 405


def test_a_customer_cannot_post_on_the_agent_side(alices_ticket, alice, sign_in):
    response = sign_in(alice).post(f"/agent/tickets/{alices_ticket.pk}/note/", {"note-body": "Let me in"})
    assert response.status_code == 403


def test_a_customer_following_an_agent_link_lands_on_her_own_page(alices_ticket, alice, sign_in):
    response = sign_in(alice).get(_page(alices_ticket))
    assert response.status_code == 302 and response.url == f"/my/tickets/{alices_ticket.pk}/"
