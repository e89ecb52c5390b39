"""Run by the benchmark with the peer's own Python: the staff user and the queue the loaded tickets belong to.

Idempotent. Prints one JSON line: {"user_id": ..., "queue_id": ...}. Through django-helpdesk's own models,
so that what it does on save (the queue's permission, the user's helpdesk settings) is done.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402

username, password = sys.argv[1], sys.argv[2]
User = get_user_model()
user = User.objects.filter(username=username).first()
if user is None:
    user = User.objects.create_superuser(username, f"{username}@example.com", password)
queue = Queue.objects.filter(slug="support").first()
if queue is None:
    # escalate_days: tickets untouched for 3 days are escalated by `escalate_tickets`; the loaded ones are new.
    queue = Queue.objects.create(title="Support", slug="support", escalate_days=3, allow_public_submission=False)
print(json.dumps({"user_id": user.pk, "queue_id": queue.pk}))
