from django.dispatch import Signal

# Sent after commit when an invoice misses its stage target; `invoice_id` is the
# stalled invoice. The SLA engine listens and opens or escalates a ticket.
invoice_stalled = Signal()
