"""数据探矿: the probes with their last run, a probe's page with its runs, 立即运行, and a run's page.

立即运行 queues a run through the domain (a Celery worker reads the schema; in the embedded default it runs
before the redirect) and leads to the run's page, whose status block reloads itself every second (htmx)
while the run is queued or running, then shows the duration, the counts, the error in the reader's language,
and the schema changes of that run grouped by table (old → new). Everyone signed in reads engine, schedule,
status and the kind of error; the connection (host:port, database, user, SQLite path) and the error's detail
are shown only to those who may edit and run the probe — its department and staff (`may_edit`).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from domain.assets.errors import AssetError
from domain.assets.models import Probe, ProbeRun, RunStatus
from domain.assets.probing.services import probe_run_start
from domain.assets.selectors import probe_runs, run_changes
from domain.directory.models import Department
from webui.i18n import one_language
from webui.views.paging import int_or_none, paginate

from . import probes_forms
from .assets_access import actor_of, forbidden, may_edit
from .probes_changes import change_rows

PAGE_SIZE = 25
RUNS_PAGE_SIZE = 20
CHANGES_SHOWN = 2000
STATUS_LABELS = dict(RunStatus.choices)
FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED)


def probes_with_last_run(department_id: int | None) -> QuerySet[Probe]:
    """Probes with their latest run's id, status, times and duration joined in (one query for a page)."""
    last = ProbeRun.objects.filter(probe=OuterRef("pk")).order_by("-id")
    rows = Probe.objects.select_related("department", "system", "database").annotate(
        last_run_id=Subquery(last.values("pk")[:1]),
        last_status=Subquery(last.values("status")[:1]),
        last_queued_at=Subquery(last.values("queued_at")[:1]),
        last_finished_at=Subquery(last.values("finished_at")[:1]),
        last_duration_ms=Subquery(last.values("duration_ms")[:1]),
    )
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    return rows.order_by("department__path", "name")


def seconds(duration_ms: int | None) -> str:
    return "" if duration_ms is None else f"{duration_ms / 1000:.2f}"


@login_required
@require_GET
def probes_list(request: HttpRequest) -> HttpResponse:
    """数据探矿: every probe with engine, target, schedule and how its last run went."""
    actor = actor_of(request)
    department_id = int_or_none(request.GET.get("department"))
    context = paginate(probes_with_last_run(department_id), request.GET, PAGE_SIZE)
    for probe in context["page"].object_list:
        probe.last_status_label = STATUS_LABELS.get(probe.last_status, "")
        probe.last_seconds = seconds(probe.last_duration_ms)
        probe.editable = may_edit(actor, probe.department_id)
    context.update(
        section="probes",
        department_id=department_id,
        departments=Department.objects.filter(pk__in=Probe.objects.values("department_id")),
        may_create=actor.is_staff or actor.is_superuser or bool(actor.memberships),
    )
    return render(request, "webui/data/probes/list.html", context)


def _probe(probe_id: int) -> Probe:
    probe = Probe.objects.select_related("department", "system", "database").filter(pk=probe_id).first()
    if probe is None:
        raise Http404(_("探针 %(id)s 不存在") % {"id": probe_id})
    return probe


@login_required
@require_GET
def probe_page(request: HttpRequest, probe_id: int) -> HttpResponse:
    """A probe: where it reads, its schedule, 立即运行, and its runs (newest first, a page at a time)."""
    probe = _probe(probe_id)
    context = paginate(probe_runs(probe_id=probe.pk).select_related("requested_by"), request.GET, RUNS_PAGE_SIZE)
    for run in context["page"].object_list:
        run.seconds = seconds(run.duration_ms)
    context.update(section="probes", probe=probe, may_edit=may_edit(actor_of(request), probe.department_id))
    return render(request, "webui/data/probes/probe.html", context)


@login_required
@require_POST
def probe_run_now(request: HttpRequest, probe_id: int) -> HttpResponse:
    """立即运行: queue a run (or find the one already queued or running) and show it."""
    probe = _probe(probe_id)
    actor = actor_of(request)
    if not may_edit(actor, probe.department_id):
        return forbidden(request, probe.department_id)
    try:
        run = probe_run_start(probe_id=probe.pk, actor=actor)
    except AssetError as error:
        messages.error(request, one_language(error.message))
        return redirect("data:probe", probe.pk)
    return redirect("data:probe_run", run.pk)


def _run_context(run: ProbeRun, *, may_see_detail: bool) -> dict[str, Any]:
    finished = run.status in FINISHED
    changes = list(run_changes(run_id=run.pk)[: CHANGES_SHOWN + 1]) if finished else []
    return {
        "section": "probes",
        "run": run,
        "probe": run.probe,
        "finished": finished,
        "seconds": seconds(run.duration_ms),
        # The error's detail names hosts, paths and users: only for those who may edit the probe.
        "error_message": one_language(run.error_message) if run.error_message and may_see_detail else "",
        "groups": change_rows(changes[:CHANGES_SHOWN]),
        "changes_more": len(changes) > CHANGES_SHOWN,
    }


@login_required
@require_GET
def probe_run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """A run: its status (polled every second until it has finished), then what it found and changed."""
    run = ProbeRun.objects.select_related("probe__system", "probe__department", "requested_by").filter(pk=run_id)
    found = run.first()
    if found is None:
        raise Http404(_("采集记录 %(id)s 不存在") % {"id": run_id})
    context = _run_context(found, may_see_detail=may_edit(actor_of(request), found.probe.department_id))
    if request.headers.get("HX-Request"):
        return render(request, "webui/data/probes/run_status.html", context)
    return render(request, "webui/data/probes/run.html", context)


urlpatterns: list[URLPattern] = [
    path("probes/", probes_list, name="probes"),
    path("probes/new/", probes_forms.probe_new, name="probe_new"),
    path("probes/<int:probe_id>/", probe_page, name="probe"),
    path("probes/<int:probe_id>/edit/", probes_forms.probe_edit, name="probe_edit"),
    path("probes/<int:probe_id>/delete/", probes_forms.probe_remove, name="probe_delete"),
    path("probes/<int:probe_id>/run/", probe_run_now, name="probe_run_now"),
    path("probes/runs/<int:run_id>/", probe_run_page, name="probe_run"),
]
