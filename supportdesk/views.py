from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Each role starts where its work is."""
    if request.user.is_support_staff:
        return redirect("agent-queue")
    return redirect("customer-tickets")
