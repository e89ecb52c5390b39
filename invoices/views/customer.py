from django.http import HttpResponse


def invoice_list(request):
    return HttpResponse("stub")


invoice_new = invoice_detail = invoice_document = invoice_list
