from django.urls import path

from tickets.views import agent, customer

urlpatterns = [
    path("agent/", agent.queue, name="agent-queue"),
    path("agent/tickets/<int:pk>/", agent.ticket_detail, name="agent-ticket"),
    path("my/tickets/", customer.ticket_list, name="customer-tickets"),
    path("my/tickets/new/", customer.ticket_new, name="customer-ticket-new"),
    path("my/tickets/<int:pk>/", customer.ticket_detail, name="customer-ticket"),
]
