"""The in-app notification list, on the web and in the API: yours only, newest first, marked read."""

from supportdesk.models import Notification
from supportdesk.notifications import Delivery, deliver_once


def tell(user, subject, key):
    deliver_once(Delivery(recipient=user, subject=subject, body=f"{subject}, in detail", url="/my/tickets/"), source_key=key)
    return Notification.objects.get(recipient=user, source_key=key)


def test_the_web_list_shows_my_notifications_and_marks_them_read(client, alice, bob):
    older, newer = tell(alice, "Ticket escalated", "a"), tell(alice, "Invoice issued", "b")
    tell(bob, "Bob's news", "c")
    client.force_login(alice)

    page = client.get("/notifications/").content.decode()
    client.post("/notifications/read/", {"notification": older.pk})
    client.post("/notifications/read/", {"notification": str(Notification.objects.get(source_key="c").pk)})  # not hers

    assert page.index("Invoice issued") < page.index("Ticket escalated") and "Bob's news" not in page
    assert Notification.objects.get(pk=older.pk).read_at is not None
    assert Notification.objects.get(pk=newer.pk).read_at is None
    assert Notification.objects.get(source_key="c").read_at is None
    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_the_api_lists_unread_notifications_and_another_persons_id_is_a_404(api, alice, bob):
    mine, theirs = tell(alice, "Ticket escalated", "a"), tell(bob, "Bob's news", "b")
    client = api.as_user(alice)

    listed = client.get("/api/v1/notifications/?unread=true").json()["results"]
    marked = client.post(f"/api/v1/notifications/{mine.pk}/read/")

    assert [n["subject"] for n in listed] == ["Ticket escalated"]
    assert marked.json() == {"marked_read": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/read_all/").json() == {"marked_read": 0}
    assert api.logout() is None and api.get("/api/v1/notifications/").status_code in (401, 403)
