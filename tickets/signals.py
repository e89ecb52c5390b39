from django.dispatch import Signal

# Sent inside the transaction, right after a TicketEvent is written, with
# `ticket` (the instance being changed) and `event`. The SLA clock listens: a
# receiver that changes the ticket sets the fields on this instance too, so a
# later save of it keeps them.
ticket_event_recorded = Signal()
