from django.dispatch import Signal

# Sent inside the transaction, right after a TicketEvent is written, with
# `ticket` (the instance being changed) and `event`. The SLA clock listens: a
# receiver that changes the ticket sets the fields on this instance too, so a
# later save of it keeps them.
ticket_event_recorded = Signal()

# Sent inside the transaction when a ticket moves up a level, with `ticket`,
# `event` (its ESCALATED event), `owner`, `cause` (why: "manual", "sla_breach",
# "invoice_stall", "ack_timeout", "incident"), `target` and `due_at` (the SLA
# target that was missed, if any) and `note`. The escalation app keeps its
# records from it.
ticket_escalated = Signal()
