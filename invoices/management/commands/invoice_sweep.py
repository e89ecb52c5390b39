from django.core.management.base import BaseCommand

from invoices import services


class Command(BaseCommand):
    help = "One pass of the invoice sweep: flag invoices past their stage target, re-dispatch lost issuance."

    def handle(self, *args, **options):
        stalled = services.invoices_detect_stalls()
        redispatched = services.invoices_recover_lost()
        self.stdout.write(f"{stalled} invoice(s) flagged as stalled, {redispatched} re-dispatched for issuance.")
