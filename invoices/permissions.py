"""Who may see an invoice and who may review or retry it. `(invoice, user)` as django-fsm calls them."""

from supportdesk.models import Area, Role


def sees_all_invoices(user) -> bool:
    return user.is_superuser or user.role in (Role.AGENT, Role.MANAGER, Role.HEAD, Role.ADMIN)


def can_view(user, invoice) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return sees_all_invoices(user) or invoice.customer_id == user.id


def is_reviewer(user) -> bool:
    """Managers with invoice expertise review invoices; the head of support and administrators may too."""
    if user.is_superuser or user.role in (Role.HEAD, Role.ADMIN):
        return True
    return user.role == Role.MANAGER and user.has_expertise(Area.INVOICE)


def may_review(invoice, user) -> bool:
    # Nobody approves a request they filed themselves.
    return is_reviewer(user) and invoice.requested_by_id != user.id and invoice.customer_id != user.id


def may_retry(invoice, user) -> bool:
    return user.is_support_staff
