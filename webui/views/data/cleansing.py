"""清洗比对: the runs so far, 开始比对, and a run's page.

开始比对 queues a run over every registered field source through the domain (a Celery worker clusters the
fields after commit; in the embedded default it runs before the redirect) and leads to the run's page,
whose status block reloads itself every second (htmx) while the run is queued or running, then shows the
duration, the fields scanned and the clusters found by state, with the way to the review
(cleansing_review.py). Everyone signed in reads; data stewards start runs.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from domain.standards.choices import ClusterStatus, RunStatus
from domain.standards.errors import StandardsError
from domain.standards.models import CleansingRun, Cluster
from domain.standards.services import cleansing_run_start
from domain.standards.sources import field_source_names
from webui.i18n import one_language
from webui.views.paging import paginate

from .elements_access import actor_of, is_data_steward, not_a_steward

PAGE_SIZE = 20
FINISHED = (RunStatus.DONE, RunStatus.FAILED)


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
@require_GET
def runs_list(request: HttpRequest) -> HttpResponse:
    """清洗比对: every run (newest first) with its state, figures and how many clusters still wait."""
    waiting = Count("clusters", filter=Q(clusters__status=ClusterStatus.PROPOSED))
    rows = CleansingRun.objects.select_related("created_by").annotate(waiting=waiting).order_by("-created_at", "-pk")
    context = paginate(rows, request.GET, PAGE_SIZE)
    for run in context["page"].object_list:
        run.seconds = seconds(run.duration)
    context.update(
        section="cleansing",
        sources=field_source_names(),
        may_start=is_data_steward(actor_of(request)),
    )
    return render(request, "webui/data/cleansing/list.html", context)


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """开始比对: queue a run over every registered field source and show its progress."""
    actor = actor_of(request)
    if not is_data_steward(actor):
        return not_a_steward(request, "cleansing")
    try:
        run = cleansing_run_start(actor=actor)
    except StandardsError as error:
        messages.error(request, one_language(str(error.message)))
        return redirect("data:cleansing")
    return redirect("data:cleansing_run", run.pk)


def _counts(run: CleansingRun) -> list[dict[str, Any]]:
    """The run's clusters by state, in the order of the states (one query)."""
    found = dict(Cluster.objects.filter(run=run).values_list("status").annotate(n=Count("pk")).order_by())
    return [{"status": value, "label": label, "n": found.get(value, 0)} for value, label in ClusterStatus.choices]


def _run_context(run: CleansingRun) -> dict[str, Any]:
    finished = run.status in FINISHED
    elapsed = (timezone.now() - run.started_at).total_seconds() if run.started_at and not finished else None
    return {
        "section": "cleansing",
        "run": run,
        "finished": finished,
        "seconds": seconds(run.duration),
        "elapsed": seconds(elapsed),
        "counts": _counts(run) if run.status == RunStatus.DONE else [],
    }


@login_required
@require_GET
def run_page(request: HttpRequest, cleansing_run_id: int) -> HttpResponse:
    """A run: its state (polled every second until it has finished), then its figures and the review link."""
    run = CleansingRun.objects.select_related("created_by").filter(pk=cleansing_run_id).first()
    if run is None:
        raise Http404(_("清洗比对任务 %(id)s 不存在") % {"id": cleansing_run_id})
    context = _run_context(run)
    template = "run_status" if request.headers.get("HX-Request") else "run"
    response = render(request, f"webui/data/cleansing/{template}.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


urlpatterns: list[URLPattern] = [
    path("cleansing/", runs_list, name="cleansing"),
    path("cleansing/start/", run_start, name="cleansing_start"),
    path("cleansing/runs/<int:cleansing_run_id>/", run_page, name="cleansing_run"),
]
