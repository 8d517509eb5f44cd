"""数据通 home: what the suite holds and where to go."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def data_home(request: HttpRequest) -> HttpResponse:
    return render(request, "webui/data/index.html", {"section": "home"})
