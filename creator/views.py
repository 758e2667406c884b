from django.shortcuts import render

from creator.health import health_report


def home(request):
    return render(request, "creator/home.html", {"health": health_report()})
