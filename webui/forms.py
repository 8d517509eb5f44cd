"""Forms of the web UI. They parse and validate what a person sent; services decide the rest."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from domain.directory.models import Department
from processes.selectors import TaskListFilters

TAB_CHOICES = [
    ("mine", _("我的待办")),
    ("group", _("待签收")),
    ("done", _("已办")),
    ("started", _("我发起的")),
]

SORT_CHOICES = [("due", _("按截止时间")), ("priority", _("按优先级")), ("created", _("按创建时间"))]
DUE_CHOICES = [("", _("全部期限")), ("overdue", _("已逾期")), ("today", _("今天到期")), ("week", _("本周到期"))]


class InboxFilterForm(forms.Form):
    """The inbox's query string: tab, filters, search, sort and page cursor. Invalid values fall back to defaults."""

    tab = forms.ChoiceField(choices=TAB_CHOICES, required=False)
    q = forms.CharField(label=_("搜索"), max_length=100, required=False, strip=True)
    # Not every deployed process: only those the tab has rows in (the view passes them in).
    process = forms.ChoiceField(label=_("流程"), required=False)
    department = forms.TypedChoiceField(label=_("部门"), required=False, coerce=int, empty_value=None)
    due = forms.ChoiceField(label=_("期限"), choices=DUE_CHOICES, required=False)
    min_priority = forms.IntegerField(label=_("优先级不低于"), required=False, min_value=0, max_value=1000)
    sort = forms.ChoiceField(label=_("排序"), choices=SORT_CHOICES, required=False)
    # Keyset cursors (processes/keyset.py): the page after / before the row they name.
    after = forms.CharField(required=False, max_length=200)
    before = forms.CharField(required=False, max_length=200)

    def __init__(
        self, data: Any, *, departments: list[tuple[int, str]], processes: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(data)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ChoiceField)
        department_field.choices = [("", _("全部部门")), *departments]
        process_field = self.fields["process"]
        assert isinstance(process_field, forms.ChoiceField)
        choices = list(processes or [])
        asked = str(data.get("process") or "")[:200] if data is not None else ""
        if asked and asked not in dict(choices):
            # A link or saved filter naming a process the tab has no rows in: kept (it selects nothing).
            choices.append((asked, asked))
        process_field.choices = [("", _("全部流程")), *choices]
        self.process_choices = choices

    def value(self, name: str) -> Any:
        """The cleaned value, or None when the field was invalid (one bad field keeps the others)."""
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    @property
    def current_tab(self) -> str:
        return self.value("tab") or "mine"

    @property
    def current_sort(self) -> str:
        return self.value("sort") or ("completed" if self.current_tab == "done" else "due")

    @property
    def cursors(self) -> tuple[str, str]:
        """(after, before): at most one is set; neither means the first page."""
        after, before = self.value("after") or "", self.value("before") or ""
        return (after, "") if after else ("", before)

    def filters(self) -> TaskListFilters:
        return TaskListFilters(
            process_key=self.value("process") or "",
            department_id=self.value("department"),
            due_window=self.value("due") or "",
            min_priority=self.value("min_priority"),
            search=self.value("q") or "",
        )


MAX_BULK_CLAIM = 100


def selected_task_ids(data: Any) -> list[int]:
    """The ticked task ids, in order and without repeats; the service checks each one."""
    ids = [int(value) for value in data.getlist("task_ids") if value.isdigit()]
    return list(dict.fromkeys(ids))[:MAX_BULK_CLAIM]


def department_tree_choices() -> list[tuple[int, str]]:
    """Every department as (id, name), in tree order, indented by its depth (one query)."""
    rows = Department.objects.order_by("path").values_list("pk", "name", "path")
    return [(pk, "\u3000" * max(path.strip("/").count("/"), 0) + name) for pk, name, path in rows]
