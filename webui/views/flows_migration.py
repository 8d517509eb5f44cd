"""流程 — moving running instances to a newer version: the dry run, 迁移, the batches so far, 回滚.

Staff only (`staff_only`, the rule of the other operator pages): a migration changes running cases of every
department, and the dry run lists them.

The dry run can take seconds over many instances: the migration page loads its table with htmx (the page
shows a progress note meanwhile); without JavaScript the note links to the same table as a whole page.
迁移 and 回滚 take minutes over thousands of instances, so they run as background jobs (a Celery worker;
in the embedded default they run before the redirect): the post records the job and redirects to its page,
whose status block reloads itself every second (htmx) until the job has finished, then says what it did.
Without JavaScript the page says to reload it. One job per process at a time: asking for a second says
which one is still running and leads to it.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from processes.errors import ProcessError
from processes.models import InstanceStatus, MigrationJob, ProcessDefinition
from processes.ports import directory
from processes.selectors_definitions import VersionRow
from processes.selectors_migration import (
    BatchSummary,
    JobSummary,
    migration_batch_instances,
    migration_batches,
    migration_job,
    migration_jobs,
)
from processes.services.migration import MIGRATABLE_STATUSES, migration_dry_run
from processes.services.migration_jobs import migration_job_start, migration_rollback_job_start
from webui.i18n import one_language
from webui.views.flows import staff_only
from webui.views.flows_versions import version_number, versions_or_404

HISTORY_SHOWN = 50
JOBS_SHOWN = 10
# The dry-run table: the instances that cannot move first (they need a look), then those that can; a
# process with ten thousand running cases would otherwise send a table no one reads and a browser chokes on.
VERDICTS_SHOWN = 500
STATUS_LABELS = dict(InstanceStatus.choices)


def _target(key: str, raw: str | None) -> tuple[list[VersionRow], ProcessDefinition]:
    """The key's versions and the one to migrate to (`to`, default the latest); Http404 if none such."""
    found = versions_or_404(key)
    wanted = version_number(raw)
    for row in found:
        if wanted is None or row.definition.version == wanted:
            return found, row.definition
    raise Http404(_("版本 v%(version)s 不存在") % {"version": wanted})


def _migrate_url(key: str, version: int, batch_id: int | None = None) -> str:
    query = QueryDict(mutable=True)
    query["to"] = str(version)
    if batch_id is not None:
        query["batch"] = str(batch_id)
    return f"{reverse('flows:migrate', kwargs={'key': key})}?{query.urlencode()}"


def _job_url(key: str, job_id: int) -> str:
    return reverse("flows:migration_job", kwargs={"key": key, "job_id": job_id})


def _migration_page(request: HttpRequest, key: str) -> dict[str, Any]:
    found, target = _target(key, request.GET.get("to"))
    waiting = sum(
        row.instances.get(status, 0)
        for row in found
        if row.definition.version < target.version
        for status in MIGRATABLE_STATUSES
    )
    history = migration_batches(process_key=key, limit=HISTORY_SHOWN + 1)  # one more: is there more?
    wanted = version_number(request.GET.get("batch"))
    batch = _one_batch(key, wanted) if wanted is not None else None
    jobs = migration_jobs(process_key=key, limit=JOBS_SHOWN)
    return {
        "key": key,
        "latest": found[0].definition,
        "target": target,
        "numbers": [row.definition.version for row in found],
        "waiting": waiting,
        "history": history[:HISTORY_SHOWN],
        "history_more": len(history) > HISTORY_SHOWN,
        "batch": batch,
        "batch_instances": [
            {"m": m, "status": STATUS_LABELS.get(m.status, m.status)}
            for m in (migration_batch_instances(batch_id=batch.batch_id) if batch else [])
        ],
        "dry_run_url": _dry_run_url(key, target.version),
        "jobs": jobs,
        "running_job": next((job for job in jobs if not job.finished), None),
    }


def _dry_run_url(key: str, version: int) -> str:
    return f"{reverse('flows:migrate_dry_run', kwargs={'key': key})}?to={version}"


def _dry_run(target: ProcessDefinition) -> dict[str, Any]:
    verdicts = migration_dry_run(target_definition_id=target.pk)
    migratable = sum(1 for verdict in verdicts if verdict.migratable)
    shown = sorted(verdicts, key=lambda verdict: verdict.migratable)[:VERDICTS_SHOWN]
    return {
        "verdicts": [{"verdict": v, "status": STATUS_LABELS.get(v.status, v.status)} for v in shown],
        "checked": True,
        "total": len(verdicts),
        "migratable": migratable,
        "blocked": len(verdicts) - migratable,
        "hidden": len(verdicts) - len(shown),
    }


@staff_only
@require_GET
def migrate(request: HttpRequest, key: str) -> HttpResponse:
    """迁移到新版本: the dry-run table (loaded by htmx), 迁移全部可迁移的实例, the jobs and batches so far with 回滚."""
    return render(request, "webui/flows/migrate.html", _migration_page(request, key))


@staff_only
@require_GET
def migrate_dry_run(request: HttpRequest, key: str) -> HttpResponse:
    """The dry run over every running or suspended instance of an older version: the table alone for
    htmx, else the whole migration page with the table in it."""
    if request.headers.get("HX-Request"):
        _found, target = _target(key, request.GET.get("to"))
        return render(request, "webui/flows/migrate_table.html", {"key": key, "target": target, **_dry_run(target)})
    context = _migration_page(request, key)
    context.update(_dry_run(context["target"]))
    return render(request, "webui/flows/migrate.html", context)


def _refused(request: HttpRequest, key: str, error: ProcessError, fallback: str) -> HttpResponse:
    """The service said no: its reason as a message, and the running job's page when that is why."""
    messages.error(request, one_language(error.message))
    running = error.detail.get("job_id") if isinstance(error.detail, dict) else None
    return redirect(_job_url(key, running) if running else fallback)


@staff_only
@require_POST
def migrate_run(request: HttpRequest, key: str) -> HttpResponse:
    """Start moving every migratable instance to the posted version; then show the job's progress."""
    _found, target = _target(key, request.POST.get("to"))
    try:
        job = migration_job_start(target_definition_id=target.pk, actor=directory().actor_for(request.user))
    except ProcessError as error:
        return _refused(request, key, error, _migrate_url(key, target.version))
    return redirect(_job_url(key, job.pk))


def _one_batch(key: str, batch_id: int) -> BatchSummary | None:
    found = migration_batches(process_key=key, batch_id=batch_id)
    return found[0] if found else None


def _batch_of(key: str, batch_id: int) -> BatchSummary:
    found = _one_batch(key, batch_id)
    if found is None:
        raise Http404(_("迁移批次 #%(batch)s 不存在") % {"batch": batch_id})
    return found


@staff_only
@require_POST
def migration_rollback_view(request: HttpRequest, key: str, batch_id: int) -> HttpResponse:
    """Start 回滚 of a batch: its instances go back to the version and state they had, except those that
    moved on since; then show the job's progress."""
    summary = _batch_of(key, batch_id)
    try:
        job = migration_rollback_job_start(batch_id=batch_id, actor=directory().actor_for(request.user))
    except ProcessError as error:
        return _refused(request, key, error, _migrate_url(key, summary.target_version, batch_id))
    return redirect(_job_url(key, job.pk))


@staff_only
@require_GET
def migration_job_view(request: HttpRequest, key: str, job_id: int) -> HttpResponse:
    """A job's progress and, once it has finished, what it did. htmx polls the status block alone."""
    job = migration_job(process_key=key, job_id=job_id)
    if job is None:
        raise Http404(_("迁移任务 #%(job)s 不存在") % {"job": job_id})
    context = {"key": key, "job": job, "rows": _job_rows(job), "rollback": job.action == MigrationJob.Action.ROLLBACK}
    if request.headers.get("HX-Request"):
        return render(request, "webui/flows/migrate_job_status.html", context)
    return render(request, "webui/flows/migrate_job.html", context)


def _job_rows(job: JobSummary) -> list[dict[str, Any]]:
    """The instances a finished job left where they were, each with its reason in the reader's language."""
    return [{"instance_id": row["instance_id"], "reason": one_language(row["reason"])} for row in job.skipped]
