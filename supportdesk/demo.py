"""The demo data set behind `manage.py seed_demo`.

People and teams are created when missing and otherwise left as they are. The
tickets are played through `tickets.services`, as the people who would act on
them, so their audit trail, notifications and assignments are the real ones.
They are played once: when any demo customer already has a ticket, the ticket
scenarios are skipped. Running the seed twice therefore changes nothing.

Invoices come two ways. The history (issued in past years, before this demo
begins) is written as it stands today: issued rows with their historical
numbers, a document rendered by the local gateway's template and the local
gateway's ledger entry for the same key and number. The story of DESIGN.md is
replayed through `invoices.services`, as alice and the pipeline would play it:
the 10,300 CNY request goes to review, the 300 CNY one is queued and issued.
"""

import random
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from invoices import services as invoice_services
from invoices.gateways import GatewayError, IssueRequest
from invoices.models import Invoice, InvoiceEvent, InvoiceEventKind, InvoiceStatus, LocalGatewayIssue
from supportdesk.models import CustomerTier, Role, Team, User
from tickets import routing, services
from tickets.models import EventKind, Status, Ticket, TicketEvent

PASSWORD = "demo12345"
EMAIL_DOMAIN = "example.com"


# --- people and teams -----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    role: str
    team: str | None = None
    expertise: tuple[str, ...] = ()
    tier: str = CustomerTier.STANDARD
    invoice_auto_limit: Decimal = Decimal("10000.00")
    is_superuser: bool = False


@dataclass(frozen=True)
class TeamSpec:
    name: str
    manager: str
    categories: tuple[str, ...]


BILLING_AGENT_NAMES = [
    "Lucas Moreau",
    "Wei Zhang",
    "Priya Nair",
    "Tom Becker",
    "Sofia Rossi",
    "Jin-ho Park",
    "Amara Okoye",
    "Mateo García",
    "Yuki Tanaka",
    "Lena Fischer",
    "Omar Haddad",
    "Chloé Martin",
    "Ivan Petrov",
    "Ana Silva",
    "Noah Williams",
    "Mei Lin",
    "Kofi Mensah",
    "Elena Popescu",
    "Raj Patel",
    "Sara Lindqvist",
]
TECHNICAL_AGENT_NAMES = ["Felix Wagner", "Hyun-woo Kim", "Marta Kowalska", "Diego Herrera", "Xiao Liu"]

CUSTOMERS = (
    Person("alice", "Alice Chen", Role.CUSTOMER, tier=CustomerTier.BUSINESS),
    Person("bob", "Bob Okafor", Role.CUSTOMER, invoice_auto_limit=Decimal("2000.00")),
    Person("carol", "Carol Jiménez", Role.CUSTOMER, tier=CustomerTier.ENTERPRISE, invoice_auto_limit=Decimal(50000)),
    Person("dmitri", "Dmitri Sokolov", Role.CUSTOMER),
    Person("emma", "Emma Schulz", Role.CUSTOMER, tier=CustomerTier.BUSINESS),
    Person("farid", "Farid Haddad", Role.CUSTOMER),
)
MANAGERS = (
    Person("maria", "Maria Santos", Role.MANAGER, expertise=("invoice", "billing")),
    Person("tomas", "Tomáš Novák", Role.MANAGER, expertise=("technical", "account")),
)
TEAMS = (
    TeamSpec("Billing", manager="maria", categories=("invoice", "billing")),
    TeamSpec("Technical", manager="tomas", categories=("technical", "account", "other")),
)
BILLING_AGENTS = tuple(
    Person(f"agent{n:02d}", name, Role.AGENT, team="Billing") for n, name in enumerate(BILLING_AGENT_NAMES, start=1)
)
TECHNICAL_AGENTS = tuple(
    Person(f"tech{n:02d}", name, Role.AGENT, team="Technical") for n, name in enumerate(TECHNICAL_AGENT_NAMES, start=1)
)
HEAD = Person("hana", "Hana Dvořáková", Role.HEAD)
ADMIN = Person("admin", "Site Administrator", Role.ADMIN, is_superuser=True)


# --- invoices ----------------------------------------------------------------------------


LUMEN = ("Lumen Analytics (Shanghai) Co., Ltd.", "91310115MA1HB3XK2W")  # alice's invoice header and tax ID
OKAFOR = ("Okafor Design", "91440300MA5G7QPL8D")


@dataclass(frozen=True)
class IssuedInvoice:
    customer: str
    invoice_number: str
    amount: str
    period: tuple[date, date]
    issued: datetime
    header: tuple[str, str] = LUMEN


def _shanghai(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_fixed_timezone(8 * 60))


def _quarter(year, number) -> tuple[date, date]:
    first_day = date(year, 3 * number - 2, 1)
    next_quarter = date(year + number // 4, 3 * number % 12 + 1, 1)
    return first_day, next_quarter - timedelta(days=1)


# alice's history, quarter after quarter, and one invoice of bob's. All were
# issued in past years, and their numbers carry the year of issue: the local
# gateway numbers what it issues from now on `EI-<this year>-<serial>`, so a
# historical number can never be handed out again (a 2026 number such as
# EI-2026-0000518 would be, by the 518th invoice issued this year).
ISSUED_INVOICES = (
    IssuedInvoice("alice", "EI-2024-0002304", "1120.00", _quarter(2024, 1), _shanghai(2024, 4, 2)),
    IssuedInvoice("alice", "EI-2024-0006718", "2380.00", _quarter(2024, 2), _shanghai(2024, 7, 2)),
    IssuedInvoice("alice", "EI-2024-0011052", "3640.00", _quarter(2024, 3), _shanghai(2024, 10, 8)),
    IssuedInvoice("alice", "EI-2025-0000042", "4210.00", _quarter(2024, 4), _shanghai(2025, 1, 6)),
    IssuedInvoice("alice", "EI-2025-0000311", "1280.50", _quarter(2025, 1), _shanghai(2025, 4, 2)),
    IssuedInvoice("alice", "EI-2025-0004127", "4500.00", _quarter(2025, 2), _shanghai(2025, 7, 3)),
    # requested without the tax ID, which one of alice's tickets is about
    IssuedInvoice("alice", "EI-2025-0008840", "860.00", _quarter(2025, 3), _shanghai(2025, 10, 2), (LUMEN[0], "")),
    IssuedInvoice("bob", "EI-2025-0010733", "640.00", _quarter(2025, 3), _shanghai(2025, 10, 8), OKAFOR),
)
REQUESTED_BEFORE_ISSUE = timedelta(minutes=4)

# The story of DESIGN.md, replayed when the demo is seeded: alice asks for two
# invoices at once. The large one, above her automatic limit of 10,000 CNY,
# waits for a manager's review; the small one goes through the pipeline and is
# issued. They are created with the tickets, so only once.
STORY_LARGE_INVOICE = {
    "amount": Decimal("10300.00"),
    "period_start": date(2015, 1, 1),
    "period_end": date(2019, 12, 31),
}
STORY_SMALL_AMOUNT = Decimal("300.00")  # last month's bill, whenever the demo is seeded
SEED_CLAIMANT = "seed_demo"  # who holds the issuance lease while the seed issues the small invoice


# --- tickets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTicket:
    """One ticket of demo_tickets.toml, which says what its fields and steps mean."""

    customer: str
    category: str
    priority: str
    subject: str
    description: str
    steps: tuple[tuple[str, str, str], ...] = ()
    invoice: str | None = None
    stays_new: bool = False


TICKETS_FILE = Path(__file__).resolve().parent / "management" / "demo_tickets.toml"
STORY = "STORY"


def load_tickets(path: Path = TICKETS_FILE) -> tuple[DemoTicket, ...]:
    with path.open("rb") as data:
        entries = tomllib.load(data)["ticket"]
    return tuple(
        DemoTicket(**{**entry, "steps": tuple(_step(*step) for step in entry.get("steps", ()))}) for entry in entries
    )


def _step(what: str, who: str, text: str = "") -> tuple[str, str, str]:
    if what not in STEPS or who not in ("customer", "agent", "manager", "head"):
        raise ValueError(f"{TICKETS_FILE.name}: unknown step {what!r} by {who!r}")
    return what, who, text


STEPS = {
    "reply": lambda ticket, by, text: services.message_post(ticket=ticket, author=by, body=text),
    "note": lambda ticket, by, text: services.message_post(ticket=ticket, author=by, body=text, internal=True),
    "ask": lambda ticket, by, text: services.ticket_request_info(ticket=ticket, body=text, by=by),
    "escalate": lambda ticket, by, text: services.ticket_escalate(ticket=ticket, reason=text, by=by),
    "return": lambda ticket, by, text: services.ticket_return_to_agent(ticket=ticket, guidance=text, by=by),
    "resolve": lambda ticket, by, text: services.ticket_resolve(ticket=ticket, resolution=text, by=by),
    "reopen": lambda ticket, by, text: services.ticket_reopen(ticket=ticket, reason=text, by=by),
    "close": lambda ticket, by, text: services.ticket_close(ticket=ticket, by=by),
}


# --- the seeding ---------------------------------------------------------------------------


@dataclass
class SeedReport:
    users_created: list[str] = field(default_factory=list)
    users_kept: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    invoices_created: int = 0
    tickets_by_status: Counter = field(default_factory=Counter)
    tickets_skipped: bool = False
    story: "Story | None" = None


@dataclass(frozen=True)
class Story:
    """alice's two requests of this morning, as the pipeline left them."""

    in_review: Invoice
    small: Invoice
    small_outcome: str  # what invoices.services.invoice_issue answered, or the gateway's error


@transaction.atomic
def seed_demo() -> SeedReport:
    report = SeedReport()
    password = make_password(PASSWORD)  # hashed once for everybody: hashing is slow on purpose
    for person in (*CUSTOMERS, HEAD, ADMIN, *MANAGERS):
        _ensure_user(person, password, report)
    for spec in TEAMS:
        _ensure_team(spec, report)
    for person in (*BILLING_AGENTS, *TECHNICAL_AGENTS):
        _ensure_user(person, password, report)
    for spec in ISSUED_INVOICES:
        report.invoices_created += _ensure_issued_invoice(spec)

    if Ticket.objects.filter(customer__username__in=[person.username for person in CUSTOMERS]).exists():
        report.tickets_skipped = True
        return report
    report.story = _replay_story()
    report.invoices_created += 2
    # Every ticket arrives before any is worked: arriving one by one while the
    # previous ones are already resolved would hand them all to the same idle agent.
    arrived = [(demo, _arrive(demo, report.story.in_review)) for demo in _arrival_order(load_tickets())]
    for demo, ticket in arrived:
        ticket = _work(demo, ticket)
        report.tickets_by_status[ticket.status] += 1
    return report


def _ensure_user(person: Person, password: str, report: SeedReport) -> User:
    user = User.objects.filter(username=person.username).first()
    if user is not None:
        report.users_kept.append(person.username)
        return user
    first_name, _, last_name = person.display_name.partition(" ")
    user = User(
        username=person.username,
        password=password,
        email=f"{person.username}@{EMAIL_DOMAIN}",
        display_name=person.display_name,
        first_name=first_name,
        last_name=last_name,
        role=person.role,
        team=Team.objects.get(name=person.team) if person.team else None,
        expertise=list(person.expertise),
        tier=person.tier,
        invoice_auto_limit=person.invoice_auto_limit,
        is_staff=person.is_superuser,
        is_superuser=person.is_superuser,
    )
    user.full_clean()
    user.save()
    report.users_created.append(person.username)
    return user


def _ensure_team(spec: TeamSpec, report: SeedReport) -> Team:
    team = Team.objects.filter(name=spec.name).first()
    if team is not None:
        return team
    team = Team(name=spec.name, manager=User.objects.get(username=spec.manager), categories=list(spec.categories))
    team.full_clean()  # refuses categories that another team already owns
    team.save()
    report.teams_created.append(spec.name)
    return team


def _ensure_issued_invoice(spec: IssuedInvoice) -> int:
    """One invoice of the history, as it stands today: issued long ago, with its document and ledger entry.

    The pipeline did not exist back then, so the rows are written directly; what
    they hold is what the local gateway and the pipeline would have written: the
    document rendered from the gateway's template, the gateway's ledger entry for
    the invoice's idempotency key (a repeated call answers the same number), and
    the timeline requested, queued, issuing, issued.
    """
    if Invoice.objects.filter(invoice_number=spec.invoice_number).exists():
        return 0
    customer = User.objects.get(username=spec.customer)
    requested_at = spec.issued - REQUESTED_BEFORE_ISSUE
    invoice = Invoice.objects.create(
        customer=customer,
        requested_by=customer,
        status=InvoiceStatus.ISSUED,
        amount=Decimal(spec.amount),
        period_start=spec.period[0],
        period_end=spec.period[1],
        title=spec.header[0],
        tax_id=spec.header[1],
        stage_started_at=spec.issued,
        dispatched_at=requested_at,
        attempts=1,
        invoice_number=spec.invoice_number,
        issued_at=spec.issued,
    )
    entry = LocalGatewayIssue(
        idempotency_key=str(invoice.idempotency_key), number=spec.invoice_number, issued_at=spec.issued
    )
    entry.document = render_to_string("invoices/document.html", {"request": _issue_request(invoice), "entry": entry})
    entry.save()
    # auto_now_add and auto_now would say "today": it was requested and issued back then.
    Invoice.objects.filter(pk=invoice.pk).update(
        document=entry.document, created_at=requested_at, updated_at=spec.issued
    )
    for kind, at, from_status, to_status, detail in (
        (InvoiceEventKind.REQUESTED, requested_at, "", InvoiceStatus.REQUESTED, f"{invoice.amount} {invoice.currency}"),
        (InvoiceEventKind.QUEUED, requested_at, InvoiceStatus.REQUESTED, InvoiceStatus.QUEUED, ""),
        (InvoiceEventKind.ISSUING, spec.issued - timedelta(seconds=2), InvoiceStatus.QUEUED, InvoiceStatus.ISSUING, ""),
        (InvoiceEventKind.ISSUED, spec.issued, InvoiceStatus.ISSUING, InvoiceStatus.ISSUED, spec.invoice_number),
    ):
        actor = customer if kind == InvoiceEventKind.REQUESTED else None
        InvoiceEvent.objects.create(
            invoice=invoice, at=at, actor=actor, kind=kind, from_status=from_status, to_status=to_status, detail=detail
        )
    return 1


def _issue_request(invoice: Invoice) -> IssueRequest:
    return IssueRequest(
        idempotency_key=str(invoice.idempotency_key),
        reference=invoice.reference,
        customer_name=str(invoice.customer),
        title=invoice.title,
        tax_id=invoice.tax_id,
        amount=invoice.amount,
        currency=invoice.currency,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )


def _replay_story() -> Story:
    """alice asks for two invoices at once, through the same services as the web page and the API.

    The 10,300 CNY request is above her automatic limit and goes to review
    (the reviewers are told after commit). The 300 CNY one is queued, and the
    seed issues it at once with `invoice_issue`, the very function the
    issuance task runs: claim, gateway call with the idempotency key, number
    recorded. So the story is in place when the seed ends, with or without a
    worker; the issuance task published on commit still reaches the worker,
    which finds the invoice issued and does nothing more.
    """
    alice = User.objects.get(username="alice")
    title, tax_id = LUMEN
    in_review = invoice_services.invoice_request(
        customer=alice, title=title, tax_id=tax_id, **STORY_LARGE_INVOICE
    )
    last_month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    small = invoice_services.invoice_request(
        customer=alice,
        title=title,
        tax_id=tax_id,
        amount=STORY_SMALL_AMOUNT,
        period_start=last_month_end.replace(day=1),
        period_end=last_month_end,
    )
    try:
        outcome = invoice_services.invoice_issue(invoice_id=small.pk, claimant=SEED_CLAIMANT)
    except GatewayError as error:
        # Only with faults injected on purpose (INVOICE_GATEWAY_FAULTS): the error is
        # on the invoice's timeline, and the recovery pass hands it to a worker
        # once the seed's lease has run out.
        outcome = f"gateway error: {error}"
    in_review.refresh_from_db()
    small.refresh_from_db()
    return Story(in_review=in_review, small=small, small_outcome=outcome)


def _arrival_order(tickets: tuple[DemoTicket, ...]) -> list[DemoTicket]:
    """A fixed, mixed order (so lists do not look sorted by state); the unassigned ones arrived last."""
    worked = [demo for demo in tickets if not demo.stays_new]
    random.Random(20260504).shuffle(worked)
    return worked + [demo for demo in tickets if demo.stays_new]


def _arrive(demo: DemoTicket, story_invoice: Invoice) -> Ticket:
    customer = User.objects.get(username=demo.customer)
    invoice = None
    if demo.invoice == STORY:
        invoice = story_invoice
    elif demo.invoice:
        invoice = Invoice.objects.get(invoice_number=demo.invoice)
    if demo.stays_new:
        return _arrive_unassigned(demo, customer, invoice)
    return services.ticket_create(
        customer=customer,
        subject=demo.subject,
        description=demo.description,
        category=demo.category,
        priority=demo.priority,
        invoice=invoice,
    )


def _arrive_unassigned(demo: DemoTicket, customer: User, invoice: Invoice | None) -> Ticket:
    """A ticket as it is between its arrival and an agent taking it.

    tickets.services assigns a new ticket at once when its team has an active
    agent, as every demo team has; so the row and its 'created' event are
    written here as ticket_create writes them, minus the assignment.
    """
    ticket = Ticket.objects.create(
        customer=customer,
        subject=demo.subject,
        description=demo.description,
        category=demo.category,
        priority=demo.priority,
        invoice=invoice,
        team=routing.team_for_category(demo.category),
    )
    TicketEvent.objects.create(
        ticket=ticket, at=timezone.now(), actor=customer, kind=EventKind.CREATED, to_status=Status.NEW
    )
    return ticket


def _work(demo: DemoTicket, ticket: Ticket) -> Ticket:
    # People name an issued invoice by its number, one still in the pipeline by its request.
    reference = (ticket.invoice.invoice_number or ticket.invoice.reference) if ticket.invoice_id else ""
    for what, who, text in demo.steps:
        ticket = Ticket.objects.select_related("team__manager", "customer", "assignee", "escalated_to").get(
            pk=ticket.pk
        )
        STEPS[what](ticket, _actor(ticket, who), text.format(invoice=reference))
    ticket.refresh_from_db()
    return ticket


def _actor(ticket: Ticket, who: str) -> User:
    if who == "customer":
        return ticket.customer
    if who == "agent":
        return ticket.assignee
    return ticket.escalated_to or ticket.team.manager  # "manager" or "head": who holds it now


def demo_logins() -> list[tuple[str, str]]:
    """(login, who) lines for the summary."""
    led = {team.manager: team.name for team in TEAMS}
    return [
        (ADMIN.username, "administrator and superuser: /admin/"),
        (HEAD.username, "head of support (level 3)"),
        *((m.username, f"manager of {led[m.username]}, expertise {', '.join(m.expertise)}") for m in MANAGERS),
        (f"{BILLING_AGENTS[0].username} .. {BILLING_AGENTS[-1].username}", "frontline agents of Billing"),
        (f"{TECHNICAL_AGENTS[0].username} .. {TECHNICAL_AGENTS[-1].username}", "frontline agents of Technical"),
        (", ".join(person.username for person in CUSTOMERS), "customers"),
    ]
