from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLAs"

    def ready(self):
        from escalation import clock  # noqa: F401 - connects the SLA clock to ticket events
