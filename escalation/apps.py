from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLAs"

    def ready(self):
        # Connect the receivers: the SLA clock, escalation records, invoice stalls.
        from escalation import clock, records, stalls  # noqa: F401
