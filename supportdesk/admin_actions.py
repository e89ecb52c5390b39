"""Admin actions that run one service on each selected row, the way the web forms do."""

from collections.abc import Callable

from django.contrib import messages

from supportdesk.submission import REFUSALS, refusal_reason


def run_on_each(modeladmin, request, queryset, run: Callable, *, done: Callable[[int], str],
                name: Callable[[object], str] = str) -> int:
    """Calls `run(row, request.user)` for every selected row in order; a refusal is reported and the rest go on.

    Returns how many succeeded; `done(n)` words the success message.
    """
    succeeded = 0
    for row in queryset.order_by("pk"):
        try:
            run(row, request.user)
        except REFUSALS as refused:
            modeladmin.message_user(request, f"{name(row)}: {refusal_reason(refused)}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done(succeeded), messages.SUCCESS)
    return succeeded
