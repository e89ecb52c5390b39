"""gunicorn's entry point for the peer: `gunicorn wsgi:application` with this folder on PYTHONPATH."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()
