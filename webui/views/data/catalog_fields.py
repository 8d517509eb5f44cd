"""The entry form: metadata fields (a Django form for types and choices) and the 信息项 repeating group
(rows posted as items-<n>-name …), turned into the domain's EntryFields. The conditional rules of GB/T
21063 are not repeated here: the services call `entry_fields_check`, and its EntryInvalid errors are put
back on the field they name, or on the 信息项 row (`items[row]`)."""

import re
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from domain.assets.models import Column
from domain.catalog.choices import DataType, FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from domain.catalog.errors import EntryInvalid
from domain.catalog.models import CatalogEntry, ClassificationNode
from domain.catalog.validation import EntryFields, ItemFields
from domain.standards.choices import ElementStatus
from domain.standards.models import DataElement
from webui.views.paging import int_or_none

MAX_ITEMS = 500
INDENT = "\u3000"  # a full-width space per level below 项
_ROW_KEY = re.compile(r"^items-(\d{1,4})-(name|data_type|length|data_element_id|column_id|item_id)$")
_ITEM_ERROR = re.compile(r"^items\[(\d+)\]$")
_CODES_SPLIT = re.compile(r"[\s,，;；]+")


def _label(name: str) -> Any:
    return getattr(CatalogEntry._meta.get_field(name), "verbose_name", name)


def _text(name: str, *, long: bool = False, max_length: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
    return forms.CharField(label=_label(name), required=False, max_length=max_length, widget=widget)


def classification_choices() -> list[tuple[str, str]]:
    """Every 项, 目 and 细目 in code order, indented by level: a tree as a select."""
    nodes = ClassificationNode.objects.filter(level__gte=2).order_by("full_code")
    rows = nodes.values_list("pk", "full_code", "name", "level")
    return [("", "—")] + [(str(pk), f"{INDENT * (level - 2)}{code} {name}") for pk, code, name, level in rows]


class EntryForm(forms.Form):
    """The metadata of an entry in the GB/T 21063 order. Only types and closed choices are checked here."""

    classification_id = forms.TypedChoiceField(label=_label("classification"), coerce=int)
    name = _text("name", max_length=200)
    provider_id = forms.TypedChoiceField(label=_label("provider"), coerce=int)
    summary = _text("summary", long=True)
    format_category = forms.TypedChoiceField(
        label=_label("format_category"), coerce=int, choices=FormatCategory.choices
    )
    format_type = _text("format_type", max_length=40)
    share_type = forms.TypedChoiceField(label=_label("share_type"), coerce=int, choices=ShareType.choices)
    share_condition = _text("share_condition", long=True)
    no_share_basis = _text("no_share_basis", long=True)
    share_method = forms.ChoiceField(
        label=_label("share_method"), required=False, choices=[("", "—"), *ShareMethod.choices]
    )
    open_type = forms.ChoiceField(label=_label("open_type"), choices=OpenType.choices)
    open_condition = _text("open_condition", long=True)
    update_cycle = forms.ChoiceField(label=_label("update_cycle"), choices=UpdateCycle.choices)
    related_codes = forms.CharField(
        label=_label("related_codes"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("多个代码以空格、逗号或分号分隔。"),
    )
    secrecy = _text("secrecy", max_length=40)
    hierarchy = _text("hierarchy", max_length=40)

    # Required whenever shown (the service enforces it): marked with * on the page.
    MARKED_REQUIRED = frozenset(
        {"name", "summary", "share_condition", "no_share_basis", "share_method", "open_condition"}
    )
    # When each conditional field applies ("field=value"); the page hides the others while one types.
    SHOWN_WHEN = {
        "share_condition": f"share_type={ShareType.CONDITIONAL.value}",
        "no_share_basis": f"share_type={ShareType.NONE.value}",
        "share_method": f"share_type!={ShareType.NONE.value}",
        "open_condition": f"open_type={OpenType.CONDITIONAL.value}",
    }

    def __init__(self, *args: Any, providers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["classification_id"]).choices = classification_choices()
        cast(forms.ChoiceField, self.fields["provider_id"]).choices = [(str(pk), name) for pk, name in providers]


class ChangeForm(EntryForm):
    """申请变更: the proposed metadata and why."""

    reason = forms.CharField(label=gettext_lazy("变更原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@dataclass
class ItemRow:
    """One 信息项 row as the form shows it: what was entered, its links, and its errors."""

    name: str = ""
    data_type: str = DataType.CHAR.value
    length: str = ""
    data_element_id: int | None = None
    column_id: int | None = None
    item_id: int | None = None  # the stored 信息项 this row continues (kept in place, so what points at it stays)
    element_name: str = ""
    column_name: str = ""
    errors: list[str] = field(default_factory=list)


def rows_from_post(data: QueryDict) -> list[ItemRow]:
    """The posted rows in their order; rows left blank are dropped (as the task forms do)."""
    found: dict[int, dict[str, str]] = {}
    for key in data:
        match = _ROW_KEY.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = str(data.get(key) or "")
    rows = []
    for _index, values in sorted(found.items())[:MAX_ITEMS]:
        row = ItemRow(
            name=values.get("name", "").strip()[:200],
            data_type=values.get("data_type", "").strip(),
            length=values.get("length", "").strip()[:12],
            data_element_id=int_or_none(values.get("data_element_id", "")),
            column_id=int_or_none(values.get("column_id", "")),
            item_id=int_or_none(values.get("item_id", "")),
        )
        # Hidden links do not count: clearing a row's name and length removes it (the way without script).
        if row.name or row.length:
            rows.append(row)
    return rows


def rows_from_fields(fields: EntryFields) -> list[ItemRow]:
    return [
        ItemRow(
            name=item.name,
            data_type=item.data_type,
            length="" if item.length is None else str(item.length),
            data_element_id=item.data_element_id,
            column_id=item.column_id,
            item_id=item.item_id,
        )
        for item in fields.items
    ]


def name_links(rows: list[ItemRow]) -> None:
    """Show each row's data element and column by name; a link to one that does not exist is dropped. On a
    row the services refused, a link to a 废止 element or a removed column is dropped too (the row's error
    says why), so saving again keeps the 信息项 without it instead of failing the same way."""
    elements = {
        pk: (name, status == ElementStatus.RETIRED)
        for pk, name, status in DataElement.objects.filter(
            pk__in={r.data_element_id for r in rows if r.data_element_id}
        ).values_list("pk", "name_zh", "status")
    }
    columns = {
        pk: (f"{table}.{name}", gone is not None or table_gone is not None)
        for pk, table, name, gone, table_gone in Column.objects.filter(
            pk__in={r.column_id for r in rows if r.column_id}
        ).values_list("pk", "table__name", "name", "removed_at", "table__removed_at")
    }
    for row in rows:
        element, column = elements.get(row.data_element_id or 0), columns.get(row.column_id or 0)
        row.data_element_id = row.data_element_id if element and not (row.errors and element[1]) else None
        row.column_id = row.column_id if column and not (row.errors and column[1]) else None
        row.element_name = element[0] if element and row.data_element_id else ""
        row.column_name = column[0] if column and row.column_id else ""


def items_of(rows: list[ItemRow]) -> tuple[ItemFields, ...] | None:
    """The rows as ItemFields, or None after noting a length that is not a whole number on its row."""
    items, ok = [], True
    for number, row in enumerate(rows, start=1):
        length = int_or_none(row.length) if row.length else None
        if row.length and length is None:
            row.errors.append(_("第 %(row)d 个信息项的长度必须是正整数。") % {"row": number})
            ok = False
        items.append(
            ItemFields(row.name, row.data_type, length, row.data_element_id, row.column_id, item_id=row.item_id)
        )
    return tuple(items) if ok else None


def entry_fields_of(form: EntryForm, items: tuple[ItemFields, ...]) -> EntryFields:
    """The form's cleaned data as EntryFields. A conditional field that does not apply to the chosen share or
    open type is left out: it is hidden on the page, so what it holds must not count against the entry."""
    data = form.cleaned_data
    share_type, open_type = data["share_type"], data["open_type"]
    return EntryFields(
        classification_id=data["classification_id"],
        name=data["name"].strip(),
        provider_id=data["provider_id"],
        summary=data["summary"].strip(),
        format_category=data["format_category"],
        format_type=data["format_type"].strip(),
        share_type=share_type,
        share_condition=data["share_condition"].strip() if share_type == ShareType.CONDITIONAL else "",
        no_share_basis=data["no_share_basis"].strip() if share_type == ShareType.NONE else "",
        share_method=data["share_method"] if share_type != ShareType.NONE else "",
        open_type=open_type,
        open_condition=data["open_condition"].strip() if open_type == OpenType.CONDITIONAL else "",
        update_cycle=data["update_cycle"],
        related_codes=tuple(code for code in _CODES_SPLIT.split(data["related_codes"]) if code),
        secrecy=data["secrecy"].strip(),
        hierarchy=data["hierarchy"].strip(),
        items=items,
    )


def initial_of(fields: EntryFields) -> dict[str, Any]:
    data = fields.as_json()
    data.pop("items")
    data["related_codes"] = " ".join(fields.related_codes)
    return data


def put_errors(error: EntryInvalid, form: EntryForm, rows: list[ItemRow]) -> list[str]:
    """Each message on its field or 信息项 row; returns the ones with no place on the form (items as a whole)."""
    elsewhere = []
    for name, messages in error.errors.items():
        row = _ITEM_ERROR.match(name)
        if row and 1 <= int(row.group(1)) <= len(rows):
            rows[int(row.group(1)) - 1].errors.extend(messages)
        elif name in form.fields:
            for message in messages:
                form.add_error(name, message)
        else:
            elsewhere.extend(messages)
    return elsewhere
