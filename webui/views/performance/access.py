"""The web side of 绩效通's access rules: who is asking, and the 403 page. The rules themselves are in
domain.performance.access, which the services enforce too."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from processes.ports import Actor, directory


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "webui/performance/forbidden.html", {"reason": reason}, status=403)
