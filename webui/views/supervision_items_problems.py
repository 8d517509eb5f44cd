"""督办 → 问题清单: the problems every unit raised in its reports, with owner and status; the office names
the owner, the office or the unit records the resolution."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from domain.supervision import services as supervision_services
from domain.supervision.choices import ProblemStatus
from domain.supervision.errors import ItemInvalid, SupervisionError
from domain.supervision.models import Problem
from domain.supervision.selectors import problem_pool
from webui.views.paging import int_or_none, paginate

from .supervision_items import forbidden
from .supervision_items_access import (
    actor_of,
    handler_department_ids,
    list_scope,
    may_assign_problem,
    may_resolve_problem,
    office_ids,
)
from .supervision_items_forms import OwnerForm, ResolveForm

PAGE_SIZE = 25


@login_required
@require_GET
def problem_index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    scope = list_scope(actor)
    if scope.nothing:
        return forbidden(request)
    status = request.GET.get("status") if request.GET.get("status") in ProblemStatus.values else ""
    problems = problem_pool(
        status=status or "",
        department_id=scope.department_id,
        office_id=scope.office_id,
        item_id=int_or_none(request.GET.get("item")),
    )
    pages = paginate(problems, request.GET, PAGE_SIZE)
    offices, handlers = set(office_ids(actor)), set(handler_department_ids(actor))
    for problem in pages["page"]:
        # The services' rules, from the loaded rows (the domain's is_unit_handler queries per item).
        problem.may_assign = actor.is_superuser or problem.item.office_id in offices
        problem.may_resolve = problem.may_assign or problem.unit.department_id in handlers
    context = {
        **pages,
        "status": status,
        "statuses": ProblemStatus.choices,
        "section": "problems",
    }
    return render(request, "webui/supervision/items/problems.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("supervision:problems")


@login_required
@require_POST
def problem_resolve(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.select_related("item", "unit__department"), pk=problem_id)
    actor = actor_of(request)
    if not may_resolve_problem(actor, problem):
        return forbidden(request)
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        supervision_services.problem_resolve(
            problem_id=problem.pk, resolution=form.cleaned_data.get("resolution", ""), actor=actor
        )
    except ItemInvalid as exc:
        for name, texts in exc.errors.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
        context = {"problem": problem, "form": form, "section": "problems"}
        return render(request, "webui/supervision/items/resolve.html", context, status=400)
    except SupervisionError as exc:
        messages.error(request, exc.message)
    return _back(request)


@login_required
@require_POST
def problem_assign(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.select_related("item"), pk=problem_id)
    actor = actor_of(request)
    if not may_assign_problem(actor, problem):
        return forbidden(request)
    form = OwnerForm(request.POST)
    form.is_valid()
    try:
        supervision_services.problem_assign(
            problem_id=problem.pk, owner=form.cleaned_data.get("owner", ""), actor=actor
        )
    except SupervisionError as exc:
        messages.error(request, exc.message)
    return _back(request)
