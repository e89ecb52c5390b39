from tests.factories import AgentFactory, TicketFactory
from tickets.models import Status


def test_the_manager_sees_each_agents_load(sign_in, maria, billing, agent01, agent02, alice):
    TicketFactory.create_batch(2, status=Status.OPEN, team=billing, assignee=agent01, customer=alice)
    TicketFactory(status=Status.CLOSED, team=billing, assignee=agent02, customer=alice)

    page = sign_in(maria).get(f"/teams/{billing.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>agent01</td>\n      <td>2</td>" in html
    assert "<td>agent02</td>\n      <td>0</td>" in html
    assert "Warning:" not in html


def test_a_team_of_21_agents_shows_a_warning_and_20_do_not(sign_in, hana, billing):
    AgentFactory.create_batch(20, team=billing)
    client = sign_in(hana)
    assert "Warning:" not in client.get(f"/teams/{billing.pk}/").content.decode()
    assert "over capacity" not in client.get("/teams/").content.decode()

    AgentFactory(team=billing)

    assert "This team has 21 active agents, more than the 20" in client.get(f"/teams/{billing.pk}/").content.decode()
    assert "over capacity" in client.get("/teams/").content.decode()


def test_the_team_page_runs_the_same_queries_for_3_or_30_agents(sign_in, hana, billing, django_assert_max_num_queries):
    AgentFactory.create_batch(3, team=billing)
    client = sign_in(hana)
    with django_assert_max_num_queries(8) as few:  # with the 30-day chart series: one aggregate query
        client.get(f"/teams/{billing.pk}/")
    AgentFactory.create_batch(27, team=billing)
    with django_assert_max_num_queries(len(few)):
        client.get(f"/teams/{billing.pk}/")


def test_managers_see_only_the_teams_they_lead_and_customers_none(sign_in, tomas, technical, billing, alice):
    assert sign_in(tomas).get(f"/teams/{billing.pk}/").status_code == 404
    assert sign_in(tomas).get(f"/teams/{technical.pk}/").status_code == 200
    assert sign_in(alice).get("/teams/").status_code == 404
    assert sign_in(alice).get(f"/teams/{billing.pk}/").status_code == 404
