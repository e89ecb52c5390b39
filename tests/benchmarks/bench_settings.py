"""Settings of the gunicorn that the load benchmark drives: Supportdesk's own, plus the bare view's URL.

The environment (tests/benchmarks/load_helpers.py) runs it as production would: DJANGO_DEBUG=0, a real
broker, the test database. Two values differ from production and neither is on a measured path:
static files are served unhashed (no `collectstatic` manifest to build first), and plain HTTP on 127.0.0.1
carries the cookies a browser would only send over HTTPS.
"""

from supportdesk.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.bench_urls"
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
