from django.urls import path

from invoices.views import customer, manager

urlpatterns = [
    path("my/invoices/", customer.invoice_list, name="customer-invoices"),
    path("my/invoices/new/", customer.invoice_new, name="customer-invoice-new"),
    path("my/invoices/<int:pk>/", customer.invoice_detail, name="customer-invoice"),
    path("invoices/<int:pk>/document/", customer.invoice_document, name="invoice-document"),
    path("review/invoices/", manager.review_queue, name="invoice-review-queue"),
]
