from django.http import HttpResponse


def queue(request):
    return HttpResponse("stub")


ticket_detail = ticket_list = ticket_new = queue
