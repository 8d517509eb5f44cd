"""数据元 forms: create and edit an element, and move it between 原始/标准/非标准/废止.

The form parses what was posted; the domain service decides the rest (a wrong 表示格式 names the attribute,
and the form shows the service's explanation next to that input, with the notation explained under it).
Editing a 标准 element makes a new version, which the element's page lists in its history. Only data
stewards (`is_data_steward`) reach a form or a transition; anyone else gets 403 and nothing changes.
"""

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from domain.standards.choices import ELEMENT_TRANSITIONS, ElementStatus
from domain.standards.errors import StandardsError
from domain.standards.models import DataElement
from domain.standards.services import element_create, element_transition, element_update
from domain.standards.validators import parse_format_notation
from webui.i18n import one_language

from .elements_access import actor_of, is_data_steward, not_a_steward

ATTRIBUTES = (
    "name_zh",
    "name_en",
    "pinyin",
    "internal_identifier",
    "definition",
    "object_class",
    "property_term",
    "representation_term",
    "data_type",
    "format",
    "code_set",
    "value_domain",
    "unit",
    "relations",
    "department",
    "note",
)
FORMAT_HELP = gettext_lazy(
    "a 表示字母，n 表示数字，an 表示字母或数字；an18 为定长 18 位，an..50 为最长 50 位，n3..8 为 3 至 8 位，"
    "n..12,2 为最长 12 位且含 2 位小数；日期可写 YYYYMMDD 等"
)
SYNONYM_SPLIT = re.compile(r"[\n\r、;；]+")
ERROR_FIELDS = {"code_set_id": "code_set", "department_id": "department"}


def describe_format(value: str) -> str:
    """表示格式 in words: "an18" → "字母或数字，定长 18 位"; "" when empty or not a valid notation."""
    if not value:
        return ""
    try:
        notation = parse_format_notation(value)
    except ValidationError:  # the page shows the stored value as written; the form explains what is wrong
        return ""
    if notation.picture:
        return _("日期/时间格式 %(picture)s") % {"picture": notation.picture}
    chars = {"a": _("字母"), "n": _("数字"), "an": _("字母或数字")}[notation.chars]
    if notation.fixed:
        text = _("%(chars)s，定长 %(n)s 位") % {"chars": chars, "n": notation.max_length}
    elif notation.min_length == 1:
        text = _("%(chars)s，最长 %(n)s 位") % {"chars": chars, "n": notation.max_length}
    else:
        text = _("%(chars)s，%(low)s 至 %(high)s 位") % {
            "chars": chars,
            "low": notation.min_length,
            "high": notation.max_length,
        }
    if notation.decimals is not None:
        text += _("，含 %(n)s 位小数") % {"n": notation.decimals}
    return text


def element_form_class(creating: bool) -> type[forms.Form]:
    """The model's own labels, widgets and choices; 同义名称 one per line; on edit, a 修改说明 for the version."""
    names = (["identifier"] if creating else []) + list(ATTRIBUTES)
    fields: dict[str, Any] = dict(fields_for_model(DataElement, fields=names))
    for field in fields.values():
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 3
    if creating:
        fields["identifier"].required = False
        fields["identifier"].help_text = gettext_lazy("留空则自动生成（DE 加 6 位序号）")
    fields["pinyin"].help_text = gettext_lazy("留空则按中文名称自动生成")
    fields["format"].help_text = FORMAT_HELP
    fields["synonyms"] = forms.CharField(
        label=gettext_lazy("同义名称"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个，也可用顿号分隔"),
    )
    order = [name for name in fields if name != "synonyms"]
    order.insert(order.index("internal_identifier") + 1, "synonyms")  # where GB/T 19488.1 lists 同义名称
    fields = {name: fields[name] for name in order}
    if not creating:
        fields["change_note"] = forms.CharField(
            label=gettext_lazy("修改说明"), required=False, max_length=500, help_text=gettext_lazy("记入版本历史")
        )
    return type("DataElementForm", (forms.Form,), fields)


def _initial(element: DataElement) -> dict[str, Any]:
    initial = {name: getattr(element, name) for name in ATTRIBUTES if name not in ("code_set", "department")}
    initial.update(code_set=element.code_set_id, department=element.department_id)
    initial["synonyms"] = "\n".join(element.synonyms)
    return initial


def _values(form: forms.Form) -> dict[str, Any]:
    values = {name: form.cleaned_data[name] for name in ATTRIBUTES}
    values["synonyms"] = [part for part in SYNONYM_SPLIT.split(form.cleaned_data["synonyms"]) if part.strip()]
    return values


def _errors_onto(form: forms.Form, error: StandardsError) -> None:
    """The service's complaint next to the input it names; anything else on top of the form."""
    field = ERROR_FIELDS.get(getattr(error, "field", ""), getattr(error, "field", ""))
    form.add_error(field if field in form.fields else None, one_language(str(error.message)))


def element_or_404(element_id: int) -> DataElement:
    found = DataElement.objects.select_related("code_set", "department").filter(pk=element_id).first()
    if found is None:
        raise Http404(_("数据元 %(id)s 不存在") % {"id": element_id})
    return found


@login_required
@require_http_methods(["GET", "POST"])
def element_new(request: HttpRequest) -> HttpResponse:
    """新建数据元: status 原始, version 1; the identifier and 中文全拼 are generated when left empty."""
    actor = actor_of(request)
    if not is_data_steward(actor):
        return not_a_steward(request, "elements")
    form = element_form_class(creating=True)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            element = element_create(actor=actor, identifier=form.cleaned_data["identifier"], **_values(form))
        except StandardsError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("已创建数据元 %(name)s。") % {"name": element})
            return redirect("data:element", element.pk)
    return render(request, "webui/data/elements/form.html", {"section": "elements", "form": form, "element": None})


@login_required
@require_http_methods(["GET", "POST"])
def element_edit(request: HttpRequest, element_id: int) -> HttpResponse:
    """编辑: a 标准 element gets a new version (the old one stays readable); a draft changes in place."""
    actor = actor_of(request)
    element = element_or_404(element_id)
    if not is_data_steward(actor):
        return not_a_steward(request, "elements")
    form = element_form_class(creating=False)(request.POST or None, initial=_initial(element))
    if request.method == "POST" and form.is_valid():
        changes = _values(form)
        if not changes["pinyin"] or changes["pinyin"] == element.pinyin:
            del changes["pinyin"]  # a renamed element gets its new 全拼 unless one was typed
        try:
            updated = element_update(
                element_id=element.pk, actor=actor, changes=changes, note=form.cleaned_data["change_note"]
            )
        except StandardsError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("已保存，当前版本 %(version)s。") % {"version": updated.version})
            return redirect("data:element", element.pk)
    context = {
        "section": "elements",
        "form": form,
        "element": element,
        "retired": element.status == ElementStatus.RETIRED,
    }
    return render(request, "webui/data/elements/form.html", context)


def transitions_of(element: DataElement) -> list[tuple[str, str]]:
    """The statuses the element may move to next, as (value, label), in the order of the status list."""
    allowed = ELEMENT_TRANSITIONS.get(element.status, frozenset())
    return [(value, str(label)) for value, label in ElementStatus.choices if value in allowed]


@login_required
@require_POST
def element_status(request: HttpRequest, element_id: int) -> HttpResponse:
    """标准 / 非标准 / 废止, confirmed on the element's page; 标准 sets 批准日期 (today unless given)."""
    actor = actor_of(request)
    element = element_or_404(element_id)
    if not is_data_steward(actor):
        return not_a_steward(request, "elements")
    approved = forms.DateField(required=False)
    try:
        approved_on = approved.clean(request.POST.get("approved_on", ""))
    except forms.ValidationError:
        messages.error(request, _("批准日期格式应为 YYYY-MM-DD。"))
        return redirect("data:element", element.pk)
    try:
        updated = element_transition(
            element_id=element.pk,
            actor=actor,
            status=request.POST.get("status", ""),
            approved_on=approved_on,
            note=request.POST.get("note", "").strip()[:500],
        )
    except StandardsError as error:
        messages.error(request, one_language(str(error.message)))
    else:
        messages.success(request, _("数据元状态已改为“%(status)s”。") % {"status": updated.get_status_display()})
    return redirect("data:element", element.pk)
