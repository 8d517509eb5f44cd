"""清洗比对 review: a run's clusters, most confident first, filtered by state, confidence and name, each as a
card with its reasons, members and related clusters; and the steward's decisions on a card.

接受 maps every member to an element (one picked from the search, or a new one named after the cluster),
拆分 splits the fields of the ticked names off into a cluster of their own, 拒绝 maps nothing. Each posts to the domain
service; with htmx the card is swapped in place with the outcome on it (a split brings its two new cards
along), errors included (a field already mapped to another element, in the reader's language); without
JavaScript the same forms post, redirect back to the filtered review and show the outcome as a message.
Everyone signed in reads; only data stewards decide (`is_data_steward`), anyone else gets 403.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from domain.standards.choices import ClusterStatus, DataType, ElementStatus, RunStatus
from domain.standards.errors import StandardsError
from domain.standards.models import CleansingRun, Cluster, ClusterMember, DataElement
from domain.standards.services import cluster_accept, cluster_reject, cluster_split
from processes.ports import Actor
from webui.i18n import one_language
from webui.views.paging import int_or_none, paginate

from .cleansing_cards import Card, Outcome, cards_for, clusters_with_counts
from .elements_access import actor_of, is_data_steward, not_a_steward

PAGE_SIZE = 20
CARD_PREFIX = "tb-cluster-"
ALL = "all"
NEW_ELEMENT_INPUTS = ("name_zh", "name_en", "data_type", "format")
STATUS_FILTERS = [*ClusterStatus.choices, (ALL, gettext_lazy("全部"))]


def _filters(data: QueryDict) -> dict[str, Any]:
    status = data.get("status") or ClusterStatus.PROPOSED
    least = int_or_none(data.get("min"))
    return {
        "status": status if status in dict(STATUS_FILTERS) else ClusterStatus.PROPOSED,
        "min": min(least, 100) if least is not None else None,
        "q": (data.get("q") or "").strip()[:100],
    }


def clusters_found(run_id: int, filters: dict[str, Any]) -> QuerySet[Cluster]:
    """The run's clusters in the chosen state, at least the chosen confidence, named like `q` (the suggested
    name or a member's), most confident first."""
    rows = Cluster.objects.filter(run_id=run_id)
    if filters["status"] != ALL:
        rows = rows.filter(status=filters["status"])
    if filters["min"]:
        rows = rows.filter(confidence__gte=filters["min"] / 100)
    if filters["q"]:
        named = ClusterMember.objects.filter(cluster__run_id=run_id, name__icontains=filters["q"])
        rows = rows.filter(Q(suggested_name__icontains=filters["q"]) | Q(pk__in=named.values("cluster_id")))
    return clusters_with_counts(rows).order_by("-confidence", "pk")


def _run(run_id: int) -> CleansingRun:
    run = CleansingRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404(_("清洗比对任务 %(id)s 不存在") % {"id": run_id})
    return run


@login_required
@require_GET
def review(request: HttpRequest, cleansing_run_id: int) -> HttpResponse:
    """The review screen of a run: a page of cluster cards with the filters above them."""
    run = _run(cleansing_run_id)
    filters = _filters(request.GET)
    context = paginate(clusters_found(run.pk, filters), request.GET, PAGE_SIZE)
    context.update(
        section="cleansing",
        run=run,
        done=run.status == RunStatus.DONE,
        filters=filters,
        status_filters=STATUS_FILTERS,
        cards=cards_for(list(context["page"].object_list), actor_of(request)),
        may_act=is_data_steward(actor_of(request)),
        data_types=DataType.choices,
        query=request.GET.urlencode(),
    )
    return render(request, "webui/data/cleansing/review.html", context)


def _cluster(cluster_id: int) -> Cluster:
    found = Cluster.objects.filter(pk=cluster_id).first()
    if found is None:
        raise Http404(_("聚类 %(id)s 不存在") % {"id": cluster_id})
    return found


def _cards(cluster_id: int, actor: Actor) -> list[Card]:
    """The cluster's card, followed by the cards of what it was split into (if it was)."""
    cluster = clusters_with_counts(Cluster.objects.filter(pk=cluster_id)).get()
    children = clusters_with_counts(Cluster.objects.filter(split_from_id=cluster_id)).order_by("pk")
    return cards_for([cluster, *children], actor)


@login_required
@require_GET
def cluster_page(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """One cluster's card on its own page (where related clusters link to)."""
    cluster = _cluster(cluster_id)
    context = {
        "section": "cleansing",
        "run": cluster.run,
        "cards": _cards(cluster.pk, actor_of(request)),
        "may_act": is_data_steward(actor_of(request)),
        "data_types": DataType.choices,
        "query": "",
    }
    return render(request, "webui/data/cleansing/cluster.html", context)


def _chosen_element(data: QueryDict) -> DataElement | None:
    """The element picked in the list, else the one whose 标识符 (or, if unique, 中文名称) was typed."""
    rows = DataElement.objects.exclude(status=ElementStatus.RETIRED)
    picked = int_or_none(data.get("element_id"))
    if picked is not None:
        return rows.filter(pk=picked).first()
    typed = (data.get("element") or "").strip()
    if not typed:
        return None
    found = rows.filter(identifier__iexact=typed).first()
    if found is None:
        named = list(rows.filter(name_zh=typed)[:2])
        found = named[0] if len(named) == 1 else None
    return found


def _accept(actor: Actor, cluster: Cluster, data: QueryDict) -> Outcome:
    if data.get("mode") == "new":
        new = {
            "name_zh": (data.get("name_zh") or "").strip()[:200] or cluster.suggested_name,
            "name_en": (data.get("name_en") or "").strip()[:200],
            "data_type": data.get("data_type") or DataType.CHAR,
            "format": (data.get("format") or "").strip()[:50],
        }
        accepted = cluster_accept(cluster_id=cluster.pk, actor=actor, new_element=new)
    else:
        element = _chosen_element(data)
        if element is None:
            return Outcome(False, _("请选择要映射到的数据元：从列表中选择，或填写其标识符。"))
        accepted = cluster_accept(cluster_id=cluster.pk, actor=actor, element_id=element.pk)
    count = accepted.members.count()
    return Outcome(
        True, _("已接受：%(n)s 个字段映射到数据元 %(element)s。") % {"n": count, "element": accepted.element}
    )


def _split(actor: Actor, cluster: Cluster, data: QueryDict) -> Outcome:
    """The card ticks field names (every field of a ticked name goes); member ids are taken as well."""
    chosen = [int(value) for value in data.getlist("member_ids") if value.isdigit() and len(value) < 12]
    names = [name for name in data.getlist("names") if name][:1000]
    if names:
        chosen += ClusterMember.objects.filter(cluster=cluster, name__in=names).values_list("pk", flat=True)
    cluster_split(cluster_id=cluster.pk, member_ids=sorted(set(chosen)), actor=actor)
    return Outcome(True, _("已拆分：所选字段和其余字段各成一个待确认的聚类。"))


def _reject(actor: Actor, cluster: Cluster, data: QueryDict) -> Outcome:
    cluster_reject(cluster_id=cluster.pk, actor=actor, note=(data.get("note") or "").strip()[:2000])
    return Outcome(True, _("已拒绝：没有映射任何字段。"))


ACTIONS = {"accept": _accept, "split": _split, "reject": _reject}


def _back(request: HttpRequest, cluster: Cluster) -> HttpResponse:
    """Back to the review the form was posted from, its filters and page kept, at the card."""
    kept = QueryDict(request.POST.get("query", "")).copy()
    url = reverse("data:cleansing_review", args=[cluster.run_id])
    return redirect(
        f"{url}?{kept.urlencode()}#{CARD_PREFIX}{cluster.pk}" if kept else f"{url}#{CARD_PREFIX}{cluster.pk}"
    )


def _decide(request: HttpRequest, cluster_id: int, action: str) -> HttpResponse:
    actor = actor_of(request)
    cluster = _cluster(cluster_id)
    if not is_data_steward(actor):
        return not_a_steward(request, "cleansing")
    try:
        outcome = ACTIONS[action](actor, cluster, request.POST)
    except StandardsError as error:
        outcome = Outcome(False, one_language(str(error.message)))
    if request.headers.get("HX-Target") != f"{CARD_PREFIX}{cluster.pk}":
        (messages.success if outcome.ok else messages.error)(request, outcome.text)
        return _back(request, cluster)
    cards = _cards(cluster.pk, actor)
    cards[0].outcome = outcome
    if not outcome.ok and action == "accept":
        cards[0].posted = {name: request.POST.get(name, "") for name in NEW_ELEMENT_INPUTS}
    context = {"cards": cards, "may_act": True, "data_types": DataType.choices, "query": request.POST.get("query", "")}
    response = render(request, "webui/data/cleansing/cards.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_POST
def cluster_accept_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """接受: map the cluster's fields to the picked element, or to a new one named as posted."""
    return _decide(request, cluster_id, "accept")


@login_required
@require_POST
def cluster_split_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """拆分: the fields of the ticked names become a proposed cluster of their own, the rest another."""
    return _decide(request, cluster_id, "split")


@login_required
@require_POST
def cluster_reject_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """拒绝: the proposal is wrong; nothing is mapped."""
    return _decide(request, cluster_id, "reject")


urlpatterns: list[URLPattern] = [
    path("cleansing/runs/<int:cleansing_run_id>/clusters/", review, name="cleansing_review"),
    path("cleansing/clusters/<int:cluster_id>/", cluster_page, name="cluster"),
    path("cleansing/clusters/<int:cluster_id>/accept/", cluster_accept_view, name="cluster_accept"),
    path("cleansing/clusters/<int:cluster_id>/split/", cluster_split_view, name="cluster_split"),
    path("cleansing/clusters/<int:cluster_id>/reject/", cluster_reject_view, name="cluster_reject"),
]
