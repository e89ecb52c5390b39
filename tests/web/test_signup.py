"""A customer signs up by herself and lands on her home, logged in."""

from django.test import Client

from supportdesk.models import Role, User
from tests.factories import PASSWORD

GOOD_PASSWORD = "tide-pool-lantern-42"


def a_sign_up(**changes) -> dict:
    form = {
        "username": "carmen", "email": "carmen@example.com", "display_name": "Carmen Ruiz",
        "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
    }
    return {**form, **changes}


def test_the_login_page_links_to_the_sign_up_form_whose_fields_are_labelled(db):
    # when
    login_page = Client().get("/login/").content.decode()
    response = Client().get("/signup/")
    # then
    assert 'href="/signup/"' in login_page
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("username", "email", "display_name", "password1", "password2"):
        assert f'<label for="id_{field}"' in html, field
    assert "csrfmiddlewaretoken" in html and 'href="/login/"' in html


def test_a_visitor_signs_up_as_an_active_customer_and_is_logged_in_on_her_home(db):
    # given
    client = Client()
    # when
    response = client.post("/signup/", a_sign_up(), follow=True)
    # then
    carmen = User.objects.get(username="carmen")
    assert carmen.role == Role.CUSTOMER and carmen.is_active and not carmen.is_staff and not carmen.is_superuser
    assert carmen.email == "carmen@example.com" and carmen.display_name == "Carmen Ruiz"
    assert carmen.check_password(GOOD_PASSWORD)
    assert int(client.session["_auth_user_id"]) == carmen.pk
    assert response.redirect_chain[-1][0] == "/my/"
    assert "Welcome, Carmen Ruiz: your account is ready." in response.content.decode()


def test_a_posted_role_is_ignored(db):
    # when
    Client().post("/signup/", a_sign_up(role="admin", is_staff="on", is_superuser="on"))
    # then
    carmen = User.objects.get(username="carmen")
    assert carmen.role == Role.CUSTOMER and not carmen.is_staff and not carmen.is_superuser


def test_mismatched_or_weak_passwords_are_refused_next_to_the_field_keeping_the_rest(db):
    # when
    mismatch = Client().post("/signup/", a_sign_up(password2="something-else-entirely"))
    weak = Client().post("/signup/", a_sign_up(password1="12345678", password2="12345678"))
    # then
    assert not User.objects.exists()
    for response in (mismatch, weak):
        assert response.status_code == 400
        html = response.content.decode()
        assert 'value="carmen"' in html and 'value="carmen@example.com"' in html and 'value="Carmen Ruiz"' in html
        assert GOOD_PASSWORD not in html and 'value="12345678"' not in html  # passwords are never sent back
        assert "please correct the fields marked below" in html
    mismatch_html = mismatch.content.decode()
    assert mismatch_html.index("The two password fields didn’t match.") < mismatch_html.index('name="password2"')
    weak_html = weak.content.decode()
    assert "This password is too common." in weak_html and "This password is entirely numeric." in weak_html


def test_a_taken_username_or_email_and_missing_fields_are_refused(alice):
    # when
    taken = Client().post("/signup/", a_sign_up(username="alice"))
    same_email = Client().post("/signup/", a_sign_up(email="ALICE@example.com"))
    missing = Client().post("/signup/", a_sign_up(email="", display_name=""))
    # then
    assert taken.status_code == 400 and "A user with that username already exists." in taken.content.decode()
    assert same_email.status_code == 400 and "exists already: log in instead" in same_email.content.decode()
    assert missing.status_code == 400 and missing.content.decode().count("This field is required.") == 2
    assert User.objects.count() == 1


def test_a_logged_in_user_is_sent_away_from_the_sign_up_page(alice):
    # given
    client = Client()
    client.login(username="alice", password=PASSWORD)
    # when
    response = client.get("/signup/")
    posted = client.post("/signup/", a_sign_up())
    # then
    assert response.status_code == 302 and response.url == "/"
    assert posted.status_code == 302 and not User.objects.filter(username="carmen").exists()
