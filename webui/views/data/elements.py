"""数据元: search the standard data-element pool and read an element — its GB/T 19488.1 attributes, value
domain, synonyms, the fields mapped to it and its version history.

Everyone signed in reads; data stewards (`is_data_steward`: staff and platform reviewers) also see the
buttons to the forms and the status transitions (elements_forms.py). Lists are paginated and every part
of an element's page is bounded, each read in a fixed number of queries. This module's `urlpatterns` also
carries the 清洗比对 pages (cleansing.py, cleansing_review.py).
"""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from domain.standards.choices import DataType, ElementStatus
from domain.standards.models import DataElement, FieldMapping
from processes.ports import Actor
from webui.views.paging import paginate

from . import cleansing, cleansing_review, elements_forms
from .elements_access import actor_of, is_data_steward
from .elements_fields import fields_info
from .elements_history import version_rows

PAGE_SIZE = 25
VALUES_SHOWN = 200
MAPPINGS_SHOWN = 200
CHOICES_SHOWN = 20
RESULTS_TARGET = "tb-elements-results"


def _filters(data: QueryDict) -> dict[str, str]:
    status, data_type = data.get("status", ""), data.get("data_type", "")
    return {
        "q": (data.get("q") or "").strip()[:100],
        "status": status if status in ElementStatus.values else "",
        "data_type": data_type if data_type in DataType.values else "",
    }


def _matching(query: str) -> Q:
    """名称 (中文/英文), 全拼 (with or without spaces), 标识符 or a 同义名称 containing the text."""
    match = (
        Q(name_zh__icontains=query)
        | Q(name_en__icontains=query)
        | Q(pinyin__icontains=query)
        | Q(pinyin_compact__icontains=query.replace(" ", ""))
        | Q(identifier__icontains=query)
        | Q(synonyms__icontains=query)
    )
    escaped = json.dumps(query)[1:-1]
    if escaped != query:  # SQLite keeps JSON text with \u escapes; PostgreSQL's jsonb prints the characters
        match |= Q(synonyms__icontains=escaped)
    return match


def elements_found(filters: dict[str, str]) -> QuerySet[DataElement]:
    rows = DataElement.objects.all()
    if filters["q"]:
        rows = rows.alias(pinyin_compact=Replace("pinyin", Value(" "), Value(""))).filter(_matching(filters["q"]))
    if filters["status"]:
        rows = rows.filter(status=filters["status"])
    if filters["data_type"]:
        rows = rows.filter(data_type=filters["data_type"])
    return rows.order_by("identifier")


@login_required
@require_GET
def elements_index(request: HttpRequest) -> HttpResponse:
    """数据元: search by name, 全拼, 标识符 or 同义名称, filter by 状态 and 数据类型, a page at a time."""
    filters = _filters(request.GET)
    context = {
        "section": "elements",
        "filters": filters,
        "statuses": ElementStatus.choices,
        "data_types": DataType.choices,
        "target": RESULTS_TARGET,
        "may_edit": is_data_steward(actor_of(request)),
        **paginate(elements_found(filters), request.GET, PAGE_SIZE),
    }
    template = "results" if request.headers.get("HX-Target") == RESULTS_TARGET else "index"
    response = render(request, f"webui/data/elements/{template}.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _code_values(element: DataElement) -> dict[str, Any]:
    if element.code_set is None:
        return {"code_values": [], "code_values_more": False}
    values = list(element.code_set.values.order_by("sort", "code")[: VALUES_SHOWN + 1])
    return {"code_values": values[:VALUES_SHOWN], "code_values_more": len(values) > VALUES_SHOWN}


def _mapped_fields(element: DataElement, actor: Actor) -> dict[str, Any]:
    """The fields mapped to the element, each shown by where it lives when its source can be read."""
    rows = FieldMapping.objects.filter(element=element).select_related("mapped_by", "cluster")
    mappings = list(rows.order_by("source", "source_id")[: MAPPINGS_SHOWN + 1])
    info = fields_info(((m.source, m.source_id) for m in mappings), actor)
    shown = [{"mapping": m, "info": info.get((m.source, m.source_id))} for m in mappings[:MAPPINGS_SHOWN]]
    return {"mappings": shown, "mappings_more": len(mappings) > MAPPINGS_SHOWN}


@login_required
@require_GET
def element_page(request: HttpRequest, element_id: int) -> HttpResponse:
    """An element: every attribute, its 值域, 同义名称, the fields mapped to it and its versions."""
    element = elements_forms.element_or_404(element_id)
    versions, versions_more = version_rows(element.pk)
    may_edit = is_data_steward(actor_of(request))
    context = {
        "section": "elements",
        "element": element,
        "format_text": elements_forms.describe_format(element.format),
        "versions": versions,
        "versions_more": versions_more,
        "may_edit": may_edit and element.status != ElementStatus.RETIRED,
        "transitions": elements_forms.transitions_of(element) if may_edit else [],
        **_code_values(element),
        **_mapped_fields(element, actor_of(request)),
    }
    return render(request, "webui/data/elements/element.html", context)


@login_required
@require_GET
def element_choices(request: HttpRequest) -> HttpResponse:
    """The `<option>`s of elements matching `q` (not 废止), for the 接受 form's picker on a cluster card (whose
    search input is named `element`, since without JavaScript the typed identifier is posted as is)."""
    query = (request.GET.get("q") or request.GET.get("element") or "").strip()[:100]
    rows = DataElement.objects.exclude(status=ElementStatus.RETIRED)
    if query:
        rows = rows.alias(pinyin_compact=Replace("pinyin", Value(" "), Value(""))).filter(_matching(query))
    context = {"choices": list(rows.order_by("identifier")[:CHOICES_SHOWN]), "query": query}
    return render(request, "webui/data/elements/choices.html", context)


urlpatterns: list[URLPattern] = [
    path("elements/", elements_index, name="elements"),
    path("elements/new/", elements_forms.element_new, name="element_new"),
    path("elements/choices/", element_choices, name="element_choices"),
    path("elements/<int:element_id>/", element_page, name="element"),
    path("elements/<int:element_id>/edit/", elements_forms.element_edit, name="element_edit"),
    path("elements/<int:element_id>/status/", elements_forms.element_status, name="element_status"),
    *cleansing.urlpatterns,
    *cleansing_review.urlpatterns,
]
