from django.urls import path

from tickets.views import agent, customer

urlpatterns = [
    path("agent/", agent.queue, name="agent-queue"),
    path("agent/tab-counts/", agent.queue_tab_counts, name="agent-queue-tab-counts"),
    path("agent/tickets/<int:pk>/", agent.ticket_detail, name="agent-ticket"),
    path("agent/tickets/<int:pk>/reply/", agent.ticket_reply, name="agent-ticket-reply"),
    path("agent/tickets/<int:pk>/note/", agent.ticket_note, name="agent-ticket-note"),
    path("agent/tickets/<int:pk>/transition/<slug:name>/", agent.ticket_transition, name="agent-ticket-transition"),
    path("my/", customer.home, name="customer-home"),
    path("my/invoices-in-progress/", customer.home_invoices, name="customer-home-invoices"),
    path("my/tickets/", customer.ticket_list, name="customer-tickets"),
    path("my/tickets/new/", customer.ticket_new, name="customer-ticket-new"),
    path("my/tickets/<int:pk>/", customer.ticket_detail, name="customer-ticket"),
    path("my/tickets/<int:pk>/reply/", customer.ticket_reply, name="customer-ticket-reply"),
    path("my/tickets/<int:pk>/transition/<slug:name>/", customer.ticket_transition, name="customer-ticket-transition"),
]
