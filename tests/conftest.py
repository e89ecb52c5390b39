import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from supportdesk.celery import app as celery_app
from tests.factories import AdminFactory, AgentFactory, CustomerFactory, HeadFactory, ManagerFactory, TeamFactory


@pytest.fixture(autouse=True)
def celery_runs_tasks_inline():
    """Tasks dispatched on commit run in-process; tests of the real worker switch this off."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def fresh_sla_policies():
    """Tests edit policies with queryset updates too, which send no signal: read them afresh every test."""
    from escalation.policies import forget_policies

    forget_policies()
    yield
    forget_policies()


@pytest.fixture(autouse=True)
def site_language_and_time_zone_after_each_test(settings):
    """A request activates its user's language and time zone in this thread: later tests start from the site's."""
    from django.utils import timezone, translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def maria(db):
    return ManagerFactory(username="maria", display_name="Maria", expertise=["invoice", "billing"])


@pytest.fixture
def billing(maria):
    return TeamFactory(name="Billing", manager=maria, categories=["invoice", "billing"])


@pytest.fixture
def agent01(billing):
    return AgentFactory(username="agent01", team=billing)


@pytest.fixture
def agent02(billing):
    return AgentFactory(username="agent02", team=billing)


@pytest.fixture
def tomas(db):
    return ManagerFactory(username="tomas", expertise=["technical"])


@pytest.fixture
def technical(tomas):
    return TeamFactory(name="Technical", manager=tomas, categories=["technical", "account", "other"])


@pytest.fixture
def tech01(technical):
    return AgentFactory(username="tech01", team=technical)


@pytest.fixture
def hana(db):
    return HeadFactory(username="hana")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="admin")


@pytest.fixture
def alice(db):
    return CustomerFactory(username="alice")


@pytest.fixture
def bob(db):
    return CustomerFactory(username="bob")


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it."""

    class Client(APIClient):
        def as_user(self, user):
            self.force_authenticate(user)
            return self

    return Client()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
