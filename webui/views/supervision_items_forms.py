"""The 督查事项 forms: 立项 (register), 拆分 (split into sub-items) and the problem actions. The forms only
parse; every rule is the service's, and its ItemInvalid errors are put back on the field they name."""

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from domain.directory.models import Department
from domain.supervision.choices import Source, Urgency
from domain.supervision.errors import ItemInvalid
from domain.supervision.limits import time_limit_for
from domain.supervision.models import DEFAULT_REPORT_CYCLE_DAYS
from domain.supervision.services import ItemFields, SubItemFields

MAX_MILESTONES = 20
SPLIT_ROWS = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


def time_limit_help() -> str:
    """The default time limits as the office sees them next to the field (settings may change them)."""
    parts = []
    for source in Source:
        rules = {}
        for urgency in Urgency:
            try:
                rules[urgency.label] = time_limit_for(source.value, urgency.value)
            except ItemInvalid:  # that urgency has no rule for the source
                continue
        shown = {(r.default, r.minimum, r.maximum) for r in rules.values()}
        for label, rule in rules.items():
            span = f"（{rule.minimum}–{rule.maximum}）" if rule.minimum > 1 else ""
            name = source.label if len(shown) == 1 else f"{source.label}·{label}"
            parts.append(f"{name} {rule.default}{span}")
            if len(shown) == 1:
                break
    return _("留空按默认时限（工作日）：%(list)s") % {"list": "；".join(parts)}


def parse_milestones(text: str) -> list[tuple[date, str]]:
    """One milestone a line, "YYYY-MM-DD 名称"; raises ValueError naming the line."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        day, _sep, name = line.strip().partition(" ")
        try:
            due = date.fromisoformat(day)
        except ValueError:
            raise ValueError(_("第 %(n)s 行的日期应为 YYYY-MM-DD。") % {"n": number}) from None
        if not name.strip():
            raise ValueError(_("第 %(n)s 行缺少节点名称。") % {"n": number})
        found.append((due, name.strip()[:200]))
    if len(found) > MAX_MILESTONES:
        raise ValueError(_("计划节点最多 %(n)s 个。") % {"n": MAX_MILESTONES})
    return found


class ItemForm(forms.Form):
    office = forms.TypedChoiceField(label=gettext_lazy("督查机构"), coerce=int)
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=Source.choices)
    source_reference = forms.CharField(label=gettext_lazy("来源文号"), max_length=200, required=False)
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    time_limit_days = forms.IntegerField(label=gettext_lazy("办理时限（工作日）"), required=False, min_value=1)
    title = forms.CharField(label=gettext_lazy("事项名称"), max_length=300, required=False)
    requirements = forms.CharField(
        label=gettext_lazy("督办要求"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    lead_department_id = forms.TypedChoiceField(label=gettext_lazy("牵头单位"), coerce=int, required=False)
    co_department_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("协办单位"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    report_cycle_days = forms.IntegerField(
        label=gettext_lazy("报告周期（工作日）"), initial=DEFAULT_REPORT_CYCLE_DAYS, min_value=1
    )
    milestones = forms.CharField(
        label=gettext_lazy("计划节点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("2026-12-31 完成方案")}),
        help_text=gettext_lazy("每行一个：日期 名称，如 “2026-12-31 完成方案”。"),
    )
    attachments = MultipleFileField(label=gettext_lazy("附件"), required=False, widget=MultipleFileInput())

    def __init__(self, *args: Any, offices: list[Department], units: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["office"]).choices = [(d.pk, d.name) for d in offices]
        unit_choices: list[tuple[Any, str]] = [(d.pk, d.name) for d in units]
        cast(forms.ChoiceField, self.fields["lead_department_id"]).choices = [("", "—"), *unit_choices]
        cast(forms.ChoiceField, self.fields["co_department_ids"]).choices = unit_choices
        self.fields["time_limit_days"].help_text = time_limit_help()

    def clean_milestones(self) -> list[tuple[date, str]]:
        try:
            return parse_milestones(self.cleaned_data.get("milestones") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def item_fields(self) -> ItemFields:
        data = self.cleaned_data
        return ItemFields(
            title=data["title"],
            source=data["source"],
            requirements=data["requirements"],
            lead_department_id=data["lead_department_id"] or 0,
            co_department_ids=tuple(data["co_department_ids"]),
            urgency=data["urgency"],
            time_limit_days=data["time_limit_days"],
            report_cycle_days=data["report_cycle_days"],
            source_reference=data["source_reference"],
        )

    def put_errors(self, errors: dict[str, list[str]]) -> None:
        """The service's errors on the fields they name (the rest above the form)."""
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class SplitRow(forms.Form):
    title = forms.CharField(label=gettext_lazy("子事项名称"), max_length=300, required=False)
    requirements = forms.CharField(
        label=gettext_lazy("督办要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead_department_id = forms.TypedChoiceField(label=gettext_lazy("牵头单位"), coerce=int, required=False)
    co_department_ids = forms.TypedMultipleChoiceField(label=gettext_lazy("协办单位"), coerce=int, required=False)
    time_limit_days = forms.IntegerField(label=gettext_lazy("办理时限（工作日）"), required=False, min_value=1)

    def __init__(self, *args: Any, units: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [(d.pk, d.name) for d in units]
        cast(forms.ChoiceField, self.fields["lead_department_id"]).choices = [("", "—"), *choices]
        cast(forms.ChoiceField, self.fields["co_department_ids"]).choices = choices

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("title") or data.get("requirements") or data.get("lead_department_id"))

    def part(self) -> SubItemFields:
        data = self.cleaned_data
        return SubItemFields(
            title=data["title"],
            requirements=data["requirements"],
            lead_department_id=data["lead_department_id"] or 0,
            co_department_ids=tuple(data["co_department_ids"]),
            time_limit_days=data["time_limit_days"],
        )


def split_rows(data: Any, units: list[Department]) -> list[SplitRow]:
    return [SplitRow(data, units=units, prefix=f"part{index}") for index in range(1, SPLIT_ROWS + 1)]


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=gettext_lazy("解决情况"), max_length=2000, required=False)


class OwnerForm(forms.Form):
    owner = forms.CharField(label=gettext_lazy("责任人"), max_length=100, required=False)
