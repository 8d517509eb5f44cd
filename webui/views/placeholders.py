"""Applications whose pages come in later increments show a "coming soon" page meanwhile."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def coming_soon(request: HttpRequest) -> HttpResponse:
    return render(request, "webui/coming_soon.html")
