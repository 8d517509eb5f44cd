"""What an entry points at outside its own fields: the 分类 it is filed under, and each 信息项's column (数据资产)
and data element (数据元). The page carries these as ids in hidden inputs, so they are checked here, against the
database, whenever a cataloguer saves: a made-up id, another department's column, a column a probe found removed,
a level-1 category (门类) or a 废止 element is refused naming the field or the 信息项 row."""

from typing import Any

from django.utils.translation import gettext as _

from domain.assets.models import Column
from domain.standards.choices import ElementStatus
from domain.standards.models import DataElement

from .errors import EntryInvalid
from .models import ClassificationNode
from .validation import EntryFields, entry_fields_check

# Entries are filed under a 项, 目 or 细目; a 门类 (level 1) is too broad to give a resource code.
ENTRY_LEVELS = (2, 3, 4)


def column_owner_id(column: Column) -> int | None:
    """The department a column belongs to: its own, else its table's, database's or system's (the first set)."""
    table, database = column.table, column.table.database
    for department_id in (column.department_id, table.department_id, database.department_id):
        if department_id:
            return int(department_id)
    return int(database.system.department_id) if database.system.department_id else None


def entry_references_check(fields: EntryFields) -> None:
    """Raise EntryInvalid naming the classification and every 信息项 row whose link is not acceptable."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    _check_classification(fields.classification_id, refuse)
    _check_columns(fields, refuse)
    _check_elements(fields, refuse)
    if errors:
        raise EntryInvalid(errors)


def entry_check(fields: EntryFields) -> None:
    """The GB/T 21063 rules and the references together, every problem reported at once."""
    errors: dict[str, list[str]] = {}
    for check in (entry_fields_check, entry_references_check):
        try:
            check(fields)
        except EntryInvalid as error:
            for name, messages in error.errors.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise EntryInvalid(errors)


def _check_classification(classification_id: int, refuse: Any) -> None:
    level = ClassificationNode.objects.filter(pk=classification_id).values_list("level", flat=True).first()
    if level is None:
        refuse("classification_id", _("所选的信息资源分类不存在。"))
    elif level not in ENTRY_LEVELS:
        refuse("classification_id", _("目录须归入项、目或细目，不能直接归入门类。"))


def _check_columns(fields: EntryFields, refuse: Any) -> None:
    wanted = {item.column_id for item in fields.items if item.column_id}
    columns = {
        column.pk: column for column in Column.objects.filter(pk__in=wanted).select_related("table__database__system")
    }
    for row, item in enumerate(fields.items, start=1):
        if not item.column_id:
            continue
        column = columns.get(item.column_id)
        if column is None:
            refuse(f"items[{row}]", _("第 %(row)d 个信息项关联的字段不存在。") % {"row": row})
        elif column.removed_at or column.table.removed_at:
            refuse(f"items[{row}]", _("第 %(row)d 个信息项关联的字段已被探测为删除。") % {"row": row})
        elif column_owner_id(column) != fields.provider_id:
            refuse(f"items[{row}]", _("第 %(row)d 个信息项只能关联提供方部门自己的字段。") % {"row": row})


def _check_elements(fields: EntryFields, refuse: Any) -> None:
    wanted = {item.data_element_id for item in fields.items if item.data_element_id}
    statuses = dict(DataElement.objects.filter(pk__in=wanted).values_list("pk", "status"))
    for row, item in enumerate(fields.items, start=1):
        if not item.data_element_id:
            continue
        status = statuses.get(item.data_element_id)
        if status is None:
            refuse(f"items[{row}]", _("第 %(row)d 个信息项关联的数据元不存在。") % {"row": row})
        elif status == ElementStatus.RETIRED:
            refuse(f"items[{row}]", _("第 %(row)d 个信息项关联的数据元已废止。") % {"row": row})
