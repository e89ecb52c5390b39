from invoices.permissions import is_reviewer


def invoice_roles(request) -> dict:
    """Lets the navigation offer the review queue to exactly the people invoices.permissions lets in."""
    user = getattr(request, "user", None)
    return {"can_review_invoices": bool(user and user.is_authenticated and is_reviewer(user))}
