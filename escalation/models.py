# Teams live in `supportdesk` (tickets are routed to them). SLA policies,
# escalations and incidents arrive here with the SLA engine.
