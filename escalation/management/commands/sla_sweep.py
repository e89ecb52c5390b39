from django.core.management.base import BaseCommand

from escalation import monitor


class Command(BaseCommand):
    help = "Runs one pass of the SLA monitor: warnings, breaches, acknowledgement timeouts, ETA hand-over."

    def handle(self, *args, **options):
        report = monitor.sla_sweep()
        self.stdout.write(f"SLA sweep: {report}")
