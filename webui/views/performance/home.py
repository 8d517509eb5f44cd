"""绩效通 home: the organiser starts at the indicator systems; an assessed unit's people see their own units'
rounds, with the data form while collecting and their result once scored."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from domain.performance.models import RoundUnit

from .access import actor_of, may_organise
from .systems import system_index

MINE_SIZE = 100


@login_required
@require_GET
def performance_home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if may_organise(actor):
        return system_index(request)
    departments = sorted({dept for dept, _role in actor.memberships})
    units = (
        RoundUnit.objects.filter(department_id__in=departments)
        .select_related("department", "round")
        .order_by("-round__created_at", "department__code")[:MINE_SIZE]
    )
    return render(request, "webui/performance/mine.html", {"units": units, "section": "mine"})
