"""Create the demo people, teams, invoices and tickets; running it again changes nothing."""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from supportdesk import demo
from tickets.models import Status


class Command(BaseCommand):
    help = f"Create the demo users (password {demo.PASSWORD}), teams, invoices and tickets; idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--insecure",
            action="store_true",
            help="Run even with DJANGO_DEBUG=0, although it creates a superuser whose password is published.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["insecure"]:
            raise CommandError(
                f"seed_demo creates the superuser 'admin' with the published password {demo.PASSWORD}, so it runs "
                "only with DJANGO_DEBUG=1; pass --insecure to run it anyway."
            )
        started = time.monotonic()
        try:
            report = demo.seed_demo()
        except ValidationError as error:
            raise CommandError(f"The demo clashes with what the database holds: {'; '.join(error.messages)}") from error
        elapsed = time.monotonic() - started

        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo data ready in {elapsed:.1f}s."))
        write(f"  users: {len(report.users_created)} created, {len(report.users_kept)} already there")
        if report.users_created and report.users_kept:
            write(f"    kept as they were: {', '.join(report.users_kept)}")
        write(f"  teams: {len(report.teams_created)} created {', '.join(report.teams_created)}".rstrip())
        write(f"  invoices: {report.invoices_created} created")
        if report.story is not None:
            in_review, small = report.story.in_review, report.story.small
            write(
                f"    story: alice's {in_review.reference} ({in_review.amount:,.2f} {in_review.currency}) is "
                f"{in_review.get_status_display().lower()}, for maria to approve; {small.reference} "
                f"({small.amount:,.2f} {small.currency}) went through the pipeline: "
                + (f"issued as {small.invoice_number}" if small.invoice_number else
                   f"{small.get_status_display().lower()} ({report.story.small_outcome}), a worker finishes it")
            )
        if report.tickets_skipped:
            write("  tickets: the demo customers already have tickets, none added")
        else:
            counts = ", ".join(f"{report.tickets_by_status[value]} {label.lower()}" for value, label in Status.choices)
            write(f"  tickets: {report.tickets_by_status.total()} created ({counts})")
        write("")
        write(f"Logins, all with the password {demo.PASSWORD}:")
        for login, who in demo.demo_logins():
            write(f"  {login:<40} {who}")
