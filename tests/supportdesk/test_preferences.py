"""Each person's language and time zone: the switcher, the /me/ page, the middleware, notifications."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from supportdesk.models import Notification
from supportdesk.notifications import Delivery, deliver_once, speaking_to
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def site_language_afterwards(settings):
    """A request leaves its language active in the thread (Django's LocaleMiddleware does not reset it)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


def tell(user, *, created_at):
    deliver_once(Delivery(recipient=user, subject="Invoice issued", body="Issued.", url="/my/invoices/"), source_key="k")
    Notification.objects.filter(recipient=user, source_key="k").update(created_at=created_at)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_has_a_labelled_language_switcher_that_works_without_javascript(db):
    # when
    html = Client().get("/login/").content.decode()
    # then
    assert '<form method="post" action="/me/language/"' in html
    assert '<label for="language-switcher">' in html and '<select id="language-switcher" name="language">' in html
    for code, own_name in [("en", "English"), ("zh-hans", "简体中文"), ("ko", "한국어"), ("es", "Español")]:
        assert f'<option value="{code}" lang="{code}"' in html and own_name in html
    assert '<button type="submit">Change language</button>' in html


def test_a_visitor_switches_to_spanish_and_the_next_page_is_in_spanish(db):
    # given
    client = Client()
    # when
    response = client.post("/me/language/", {"language": "es", "next": "/login/"}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/login/"
    html = response.content.decode()
    assert '<html lang="es">' in html and "Iniciar sesión" in html


def test_a_signed_in_user_who_switches_language_keeps_it_on_her_next_visit(alice):
    # given
    client = signed_in(alice)
    # when
    client.post("/me/language/", {"language": "ko", "next": "/notifications/"})
    # then
    alice.refresh_from_db()
    assert alice.language == "ko"
    fresh_browser = signed_in(alice)  # no language cookie
    assert "알림" in fresh_browser.get("/notifications/").content.decode()


def test_an_unknown_language_from_the_switcher_changes_nothing(alice):
    # when
    signed_in(alice).post("/me/language/", {"language": "xx", "next": "/notifications/"})
    # then
    alice.refresh_from_db()
    assert alice.language == ""


def test_the_preferences_page_has_labelled_fields_and_is_linked_from_every_page(alice):
    # given
    client = signed_in(alice)
    # when
    page = client.get("/me/").content.decode()
    inbox = client.get("/notifications/").content.decode()
    # then
    assert '<label for="id_language">' in page and '<label for="id_time_zone">' in page
    assert '<option value="zh-hans">简体中文</option>' in page and '<option value="" selected>' in page
    assert 'href="/me/"' in inbox


def test_a_user_saves_her_language_and_time_zone(alice):
    # given
    client = signed_in(alice)
    # when
    response = client.post("/me/", {"language": "zh-hans", "time_zone": "Asia/Shanghai"}, follow=True)
    # then
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("zh-hans", "Asia/Shanghai")
    html = response.content.decode()
    assert "您的偏好设置已保存。" in html and "Asia/Shanghai" in html


def test_an_unknown_time_zone_is_refused_next_to_its_field_and_what_was_typed_stays(alice):
    # given
    client = signed_in(alice)
    # when
    response = client.post("/me/", {"language": "es", "time_zone": "Mars/Olympus"})
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Mars/Olympus"' in html
    label, error = html.index('<label for="id_time_zone">'), html.index("Mars/Olympus is not a known time zone")
    assert label < error < html.index('id="id_time_zone"')
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("", "")


def test_a_user_in_shanghai_sees_times_in_plus_eight_hours(alice):
    # given a notification created at 01:30 UTC
    alice.time_zone = "Asia/Shanghai"
    alice.save()
    tell(alice, created_at=datetime(2026, 11, 22, 1, 30, tzinfo=UTC))
    # when
    html = signed_in(alice).get("/notifications/").content.decode()
    # then
    assert "2026-11-22T09:30:00+08:00" in html and "11/22/2026 9:30 a.m." in html


def test_a_user_without_a_time_zone_sees_the_sites(settings, alice):
    # given
    tell(alice, created_at=datetime(2026, 11, 22, 1, 30, tzinfo=UTC))
    # when
    html = signed_in(alice).get("/notifications/").content.decode()
    # then
    assert settings.TIME_ZONE == "UTC" and "2026-11-22T01:30:00+00:00" in html


def test_a_chinese_user_reads_her_pages_in_chinese_whatever_her_browser_says(alice):
    # given
    alice.language = "zh-hans"
    alice.save()
    # when
    response = signed_in(alice).get("/notifications/", headers={"accept-language": "es"})
    # then
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and "通知" in html and "退出登录" in html
    assert response.headers["Content-Language"] == "zh-hans"


def test_without_a_saved_language_the_browsers_is_used(alice):
    # when
    html = signed_in(alice).get("/notifications/", headers={"accept-language": "ko"}).content.decode()
    # then
    assert '<html lang="ko">' in html and "알림" in html


def test_notifications_are_written_in_the_recipients_language_and_time_zone(alice):
    # given a Korean customer in Seoul, and a sender reading English
    minsu = CustomerFactory(username="minsu", language="ko", time_zone="Asia/Seoul")
    # when the text is built while speaking to each recipient
    for person in (minsu, alice):
        deliver_once(
            Delivery(
                recipient=person,
                subject=lambda: gettext("Notifications"),
                body=lambda: str(timezone.get_current_timezone()),
                url="",
            ),
            source_key="greeting",
        )
    # then
    assert Notification.objects.get(recipient=minsu).subject == "알림"
    assert Notification.objects.get(recipient=minsu).body == "Asia/Seoul"
    assert Notification.objects.get(recipient=alice).subject == "Notifications"


@pytest.mark.parametrize("language, expected", [("es", "Notificaciones"), ("", "Notifications")])
def test_speaking_to_a_recipient_uses_their_language_or_the_sites(db, language, expected):
    # given
    person = CustomerFactory(language=language)
    # when
    with speaking_to(person):
        text = gettext("Notifications")
    # then
    assert text == expected
