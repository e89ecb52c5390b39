from django.test import Client

from tests.factories import PASSWORD


def test_the_login_page_has_a_labelled_form(db):
    # when
    response = Client().get("/login/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username"' in html and '<label for="id_password"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_customer_logs_in_and_lands_on_her_tickets(alice):
    # given
    client = Client()
    # when
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/my/"
    assert "My tickets" in response.content.decode()


def test_an_agent_logs_in_and_lands_on_the_queue(agent01):
    # given
    client = Client()
    # when
    response = client.post("/login/", {"username": "agent01", "password": PASSWORD}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/agent/"
    html = response.content.decode()
    assert "Queue" in html and "agent01" in html and "Frontline agent" in html


def test_a_wrong_password_shows_the_form_again_with_an_error(alice):
    # given
    client = Client()
    # when
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    # then
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_is_a_post_and_ends_the_session(alice, sign_in):
    # given
    client = sign_in(alice)
    page = client.get("/my/tickets/").content.decode()
    assert 'action="/logout/"' in page
    # when
    response = client.post("/logout/")
    # then
    assert response.status_code == 302 and response.url == "/login/"
    assert client.get("/my/tickets/").url.startswith("/login/")


def test_pages_ask_anonymous_visitors_to_log_in(db):
    for url in ("/", "/agent/", "/agent/tickets/1/", "/my/tickets/", "/my/tickets/new/"):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith("/login/?next="), url


def test_the_stylesheet_is_served_from_the_project(db):
    from django.contrib.staticfiles import finders

    assert finders.find("supportdesk/app.css")
