from django.urls import path

from invoices.views import customer, manager

urlpatterns = [
    path("my/invoices/", customer.invoice_list, name="customer-invoices"),
    path("my/invoices/new/", customer.invoice_new, name="customer-invoice-new"),
    path("my/invoices/<int:pk>/", customer.invoice_detail, name="customer-invoice"),
    path("my/invoices/<int:pk>/live/", customer.invoice_live, name="customer-invoice-live"),
    path("invoices/<int:pk>/document/", customer.invoice_document, name="invoice-document"),
    path("invoices/<int:pk>/", manager.invoice_detail, name="staff-invoice"),
    path("invoices/<int:pk>/live/", manager.invoice_live, name="staff-invoice-live"),
    path("invoices/<int:pk>/transition/<slug:name>/", manager.invoice_transition, name="staff-invoice-transition"),
    path("review/invoices/", manager.review_queue, name="invoice-review-queue"),
]
