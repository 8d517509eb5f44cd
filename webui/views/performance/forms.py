"""绩效通 forms: they parse only; the services' typed errors come back on the field they name."""

import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from domain.directory.models import Department
from domain.performance.choices import FieldKind, RuleKind
from domain.performance.models import DataField, IndicatorSystem


class SystemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000, max_value=2100)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NodeForm(forms.Form):
    parent = forms.TypedChoiceField(label=gettext_lazy("上级"), coerce=int, required=False, empty_value=None)
    code = forms.CharField(label=gettext_lazy("编号"), max_length=32, required=False)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    weight = forms.CharField(label=gettext_lazy("权重"), max_length=20)
    rule = forms.ChoiceField(label=gettext_lazy("评分方式"), choices=[("", "—"), *RuleKind.choices], required=False)
    expression = forms.CharField(label=gettext_lazy("计算公式"), required=False, max_length=2000)
    thresholds = forms.CharField(
        label=gettext_lazy("阈值"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy('JSON，如 [{"at_least": "95", "ratio": "1"}, {"at_least": "80", "ratio": "0.6"}]'),
    )
    guidance = forms.CharField(label=gettext_lazy("评分说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, parents: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is None:
            del self.fields["parent"]
        else:
            cast(forms.ChoiceField, self.fields["parent"]).choices = [("", _("（顶层维度）")), *parents]

    def clean_thresholds(self) -> list[Any]:
        text = (self.cleaned_data.get("thresholds") or "").strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("阈值应为 JSON 列表")) from None
        if not isinstance(value, list):
            raise forms.ValidationError(_("阈值应为 JSON 列表"))
        return value


class RoundForm(forms.Form):
    system = forms.TypedChoiceField(label=gettext_lazy("指标体系"), coerce=int)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    period = forms.CharField(label=gettext_lazy("评估周期"), max_length=64)
    units = forms.TypedMultipleChoiceField(
        label=gettext_lazy("被评估单位"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    benchmarks = forms.TypedMultipleChoiceField(
        label=gettext_lazy("对标单位"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args: Any, systems: list[IndicatorSystem], departments: list[Department], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["system"]).choices = [(s.pk, str(s)) for s in systems]
        choices = [(d.pk, d.name) for d in departments]
        cast(forms.ChoiceField, self.fields["units"]).choices = choices
        cast(forms.ChoiceField, self.fields["benchmarks"]).choices = choices


class FieldForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("变量名"), max_length=64)
    label = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=FieldKind.choices)
    required = forms.BooleanField(label=gettext_lazy("必填"), required=False, initial=True)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件"))


class RectifyForm(forms.Form):
    node = forms.IntegerField()
    note = forms.CharField(required=False, max_length=2000)


def values_form(fields: list[DataField], data: Any = None, initial: dict[str, Any] | None = None) -> forms.Form:
    """One text box per data field (the service parses by the field's kind and names each bad one)."""
    form = forms.Form(data, initial=initial or {})
    for field in fields:
        label = f"{field.label}（{field.get_kind_display()}）"
        form.fields[field.name] = forms.CharField(label=label, required=False, max_length=2000)
        form.fields[field.name].widget.attrs["data-required"] = "1" if field.required else "0"
    return form


def shown_values(fields: list[DataField], stored: dict[str, Any]) -> dict[str, str]:
    """Stored values as the form shows them (是/否 for booleans)."""
    shown = {}
    for field in fields:
        value = stored.get(field.name)
        if value is None:
            continue
        shown[field.name] = ("是" if value else "否") if field.kind == FieldKind.BOOL else str(value)
    return shown
