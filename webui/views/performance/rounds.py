"""评估轮次: the list and new round, the round page (units, data fields, who has submitted, questionnaire
links for the organiser), closing collection, 评分, publishing, the Excel template and upload, and the data
entry form per unit."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from domain.directory.models import Department
from domain.performance import services as performance_services
from domain.performance.access import may_enter_values, may_organise
from domain.performance.choices import NodeKind, RoundStatus, RuleKind, SystemStatus
from domain.performance.errors import NodeInvalid, PerformanceError, ValuesImportError, ValuesInvalid
from domain.performance.excel import values_template_xlsx
from domain.performance.models import AssessmentRound, DataField, IndicatorNode, IndicatorSystem, RoundUnit

from .access import actor_of, forbidden
from .forms import FieldForm, RoundForm, UploadForm, shown_values, values_form

LIST_SIZE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def round_index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    systems = list(IndicatorSystem.objects.filter(status=SystemStatus.PUBLISHED))
    form = RoundForm(request.POST or None, systems=systems, departments=list(Department.objects.order_by("path")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = performance_services.round_create(
                system_id=data["system"],
                name=data["name"],
                period=data["period"],
                unit_ids=data["units"],
                benchmark_ids=data["benchmarks"],
                actor=actor,
            )
        except NodeInvalid as exc:
            field = {"unit_ids": "units", "benchmark_ids": "benchmarks"}.get(exc.field)
            form.add_error(field, exc.message)
        except PerformanceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("performance:round", round_id=assessment.pk)
    rounds = AssessmentRound.objects.select_related("system")[:LIST_SIZE]
    context = {"rounds": rounds, "form": form, "section": "rounds"}
    return render(request, "webui/performance/rounds.html", context, status=400 if form.errors else 200)


def _round_context(request: HttpRequest, assessment: AssessmentRound, **extra: Any) -> dict[str, Any]:
    units = list(RoundUnit.objects.filter(round=assessment).select_related("department"))
    for unit in units:
        unit.link = request.build_absolute_uri(reverse("performance:questionnaire", args=[unit.token]))  # type: ignore[attr-defined]
    return {
        "round": assessment,
        "units": units,
        "fields": DataField.objects.filter(round=assessment),
        "field_form": FieldForm(),
        "upload_form": UploadForm(),
        "collecting": assessment.status == RoundStatus.COLLECTING,
        "scoring": assessment.status == RoundStatus.SCORING,
        "has_manual": IndicatorNode.objects.filter(
            system_id=assessment.system_id, kind=NodeKind.POINT, rule=RuleKind.MANUAL
        ).exists(),
        "section": "rounds",
        **extra,
    }


@login_required
@require_GET
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    assessment = get_object_or_404(AssessmentRound.objects.select_related("system"), pk=round_id)
    if not may_organise(actor_of(request)):
        return forbidden(request)
    return render(request, "webui/performance/round.html", _round_context(request, assessment))


@login_required
@require_POST
def round_field_add(request: HttpRequest, round_id: int) -> HttpResponse:
    assessment = get_object_or_404(AssessmentRound.objects.select_related("system"), pk=round_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    form = FieldForm(request.POST)
    if form.is_valid():
        try:
            performance_services.round_field_add(round_id=assessment.pk, actor=actor, **form.cleaned_data)
        except NodeInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PerformanceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("performance:round", round_id=assessment.pk)
    context = _round_context(request, assessment, field_form=form)
    return render(request, "webui/performance/round.html", context, status=400)


def _round_action(request: HttpRequest, round_id: int, action: Any, done: str = "performance:round") -> HttpResponse:
    """An organiser's step on the round; then the `done` page, or back to the round with the refusal."""
    assessment = get_object_or_404(AssessmentRound, pk=round_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    try:
        action(round_id=assessment.pk, actor=actor)
    except PerformanceError as exc:
        messages.error(request, exc.message)
        return redirect("performance:round", round_id=assessment.pk)
    return redirect(done, round_id=assessment.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    """结束采集: links and uploads stop; scoring may start."""
    return _round_action(request, round_id, performance_services.round_collection_close)


@login_required
@require_POST
def round_score(request: HttpRequest, round_id: int) -> HttpResponse:
    """评分: every unit scored, ranked; then the ranking shows."""
    return _round_action(request, round_id, performance_services.round_score, done="performance:ranking")


@login_required
@require_POST
def round_publish(request: HttpRequest, round_id: int) -> HttpResponse:
    return _round_action(request, round_id, performance_services.round_publish)


@login_required
@require_GET
def round_template(request: HttpRequest, round_id: int) -> HttpResponse:
    assessment = get_object_or_404(AssessmentRound, pk=round_id)
    if not may_organise(actor_of(request)):
        return forbidden(request)
    response = HttpResponse(values_template_xlsx(round_id=assessment.pk), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="round-{assessment.pk}-data.xlsx"'
    return response


@login_required
@require_POST
def round_upload(request: HttpRequest, round_id: int) -> HttpResponse:
    """Excel upload: all rows or none; the report lists every bad row by its Excel number."""
    assessment = get_object_or_404(AssessmentRound.objects.select_related("system"), pk=round_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    form = UploadForm(request.POST, request.FILES)
    row_errors: list[Any] = []
    if form.is_valid():
        try:
            count = performance_services.values_upload(
                round_id=assessment.pk, file=form.cleaned_data["file"], actor=actor
            )
        except ValuesImportError as exc:
            row_errors = exc.errors
        except PerformanceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _imported(count))
            return redirect("performance:round", round_id=assessment.pk)
    context = _round_context(request, assessment, upload_form=form, row_errors=row_errors)
    return render(request, "webui/performance/round.html", context, status=400)


def _imported(count: int) -> str:
    return _("已导入 %(count)s 个单位的数据。") % {"count": count}


@login_required
@require_http_methods(["GET", "POST"])
def unit_entry(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's data form: every field at once; each bad value's message on its field."""
    unit = get_object_or_404(RoundUnit.objects.select_related("department", "round"), pk=unit_id)
    actor = actor_of(request)
    if not may_enter_values(actor, unit):
        return forbidden(request)
    fields = list(DataField.objects.filter(round_id=unit.round_id))
    form = values_form(fields, request.POST or None, initial=shown_values(fields, unit.values))
    if request.method == "POST" and form.is_valid():
        raw = {name: value for name, value in form.cleaned_data.items() if str(value).strip()}
        try:
            performance_services.values_submit(unit_id=unit.pk, values=raw, actor=actor)
        except ValuesInvalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except PerformanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("performance:unit_entry", unit_id=unit.pk)
    context = {"unit": unit, "form": form, "section": "rounds"}
    return render(request, "webui/performance/entry.html", context, status=400 if form.errors else 200)
