"""工作台: the first increment shows the current user's open tasks; the full inbox comes later."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from processes.ports import directory
from processes.selectors import inbox_for_actor

INBOX_PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = directory().actor_for(request.user)
    tasks = list(inbox_for_actor(actor)[:INBOX_PAGE_SIZE])
    return render(request, "webui/inbox.html", {"tasks": tasks})
