from io import StringIO

from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings():
    output = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    schema = output.getvalue()
    for path in ["/api/v1/auth/token/", "/api/v1/tickets/{id}/return_to_agent/", "/api/v1/tickets/{ticket_pk}/events/", "/api/v1/teams/"]:
        assert f"{path}:" in schema
