"""数据通 home: how much the suite holds and what waits for someone, each linking to its page."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from domain.assets.models import Column, DataTable, InformationSystem, Probe
from domain.catalog.choices import EntryStatus
from domain.catalog.models import CatalogEntry
from domain.standards.choices import ClusterStatus, ElementStatus, RunStatus
from domain.standards.models import CleansingRun, DataElement
from processes.ports import Actor, directory

from .catalog_access import entries_in_review_for
from .shares import shares_in_progress_for


@dataclass(frozen=True)
class Figure:
    label: Promise
    value: int
    url: str
    attention: bool = False  # something waits for a person


def data_overview(actor: Actor) -> list[Figure]:
    """One aggregate query per model, whatever the sizes. What waits for someone is counted where the person
    can act on it: catalog entries and share requests of their departments (all of them for staff), the
    clusters of the latest finished 清洗比对 run (older runs' proposals are superseded by it)."""
    systems = InformationSystem.objects.count()
    tables = DataTable.objects.filter(removed_at__isnull=True).count()
    columns = Column.objects.filter(removed_at__isnull=True).count()
    probes = Probe.objects.count()
    elements = DataElement.objects.aggregate(
        standard=Count("pk", filter=Q(status=ElementStatus.STANDARD)), all=Count("pk")
    )
    latest_run = CleansingRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at", "-pk").first()
    proposed = latest_run.clusters.filter(status=ClusterStatus.PROPOSED).count() if latest_run else 0
    published = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED).count()
    in_review = entries_in_review_for(actor).count()  # what the catalog list shows the person under review
    pending = shares_in_progress_for(actor).count()  # what the share list shows the person in progress
    return [
        Figure(_("信息系统"), systems, "/data/assets/"),
        Figure(_("数据表"), tables, "/data/assets/"),
        Figure(_("字段"), columns, "/data/assets/"),
        Figure(_("探针"), probes, "/data/probes/"),
        Figure(_("标准数据元"), elements["standard"], "/data/elements/"),
        Figure(_("数据元（全部）"), elements["all"], "/data/elements/"),
        Figure(_("待确认的比对结果"), proposed, "/data/cleansing/", attention=proposed > 0),
        Figure(_("已发布目录"), published, "/data/catalog/"),
        Figure(_("审核中目录"), in_review, "/data/catalog/", attention=in_review > 0),
        Figure(_("办理中的共享申请"), pending, "/data/shares/", attention=pending > 0),
    ]


@login_required
def data_home(request: HttpRequest) -> HttpResponse:
    figures = data_overview(directory().actor_for(request.user))
    return render(request, "webui/data/index.html", {"section": "home", "figures": figures})
