from django.http import HttpResponse


def review_queue(request):
    return HttpResponse("stub")
