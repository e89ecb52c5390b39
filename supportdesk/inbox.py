"""The in-app notification list: what the system told each person, newest first, read or not."""

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from supportdesk.models import Notification

PAGE = 50


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, *, pk: int | None = None) -> int:
    """Marks one of the user's notifications (or all of them) read; another person's id changes nothing."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


@login_required
def inbox(request):
    return render(request, "supportdesk/inbox.html", {"notifications": notifications_of(request.user)[:PAGE]})


@login_required
@require_POST
def inbox_read(request):
    pk = request.POST.get("notification")
    mark_read(request.user, pk=int(pk) if pk and pk.isdigit() else None)
    return redirect("inbox")


def unread_notifications(request) -> dict:
    """Context processor: the unread count in the navigation, read only by pages that show it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
