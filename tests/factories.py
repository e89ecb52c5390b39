from datetime import date
from decimal import Decimal

import factory

from invoices.models import Invoice
from supportdesk.models import Role, Team, User
from tickets.models import Category, Ticket

PASSWORD = "demo12345"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:03d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    role = Role.CUSTOMER


class AgentFactory(UserFactory):
    role = Role.AGENT
    username = factory.Sequence(lambda n: f"agent{n + 100:03d}")


class ManagerFactory(UserFactory):
    role = Role.MANAGER
    username = factory.Sequence(lambda n: f"manager{n:03d}")
    expertise = factory.LazyFunction(lambda: ["invoice", "billing"])


class HeadFactory(UserFactory):
    role = Role.HEAD
    username = factory.Sequence(lambda n: f"head{n:03d}")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    username = factory.Sequence(lambda n: f"admin{n:03d}")
    is_staff = True
    is_superuser = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.SubFactory(ManagerFactory)
    categories = factory.LazyFunction(list)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    amount = Decimal("300.00")
    currency = "CNY"
    period_start = date(2025, 1, 1)
    period_end = date(2025, 12, 31)
    title = "Example Co., Ltd."


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row as it would be in a given state; use tickets.services to exercise behaviour."""

    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Question number {n}")
    description = "Where is my invoice?"
    category = Category.INVOICE
    customer = factory.SubFactory(CustomerFactory)
