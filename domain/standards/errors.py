"""Typed errors of the standards app; each carries what a steward or an importer needs to fix it."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class StandardsError(Exception):
    def __init__(self, message: Any, **details: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.details = details


class ElementInvalid(StandardsError):
    """An attribute of a data element is invalid: `field` names it."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(message, field=field)
        self.field = field


class ElementStatusError(StandardsError):
    """The element's status forbids the change (a retired element, or a transition that does not exist)."""

    def __init__(self, element_id: int, current: str, wanted: str = "") -> None:
        if wanted:
            message = _("数据元 %(id)s 不能从“%(current)s”变为“%(wanted)s”") % {
                "id": element_id,
                "current": current,
                "wanted": wanted,
            }
        else:
            message = _("数据元 %(id)s 已废止，不能再修改") % {"id": element_id}
        super().__init__(message, element_id=element_id, current=current, wanted=wanted)


class CodeSetImportError(StandardsError):
    """A row of an imported code list is wrong: `row` (1-based, as in a spreadsheet) and `field` say where."""

    def __init__(self, row: int, field: str, message: Any) -> None:
        super().__init__(
            _("第 %(row)s 行 %(field)s：%(message)s") % {"row": row, "field": field, "message": message},
            row=row,
            field=field,
        )
        self.row = row
        self.field = field


class ClusterDecided(StandardsError):
    def __init__(self, cluster_id: int, status: str) -> None:
        super().__init__(
            _("聚类 %(id)s 已处理（%(status)s），不能再次处理") % {"id": cluster_id, "status": status},
            cluster_id=cluster_id,
            status=status,
        )


class ClusterSplitInvalid(StandardsError):
    def __init__(self, cluster_id: int, member_ids: list[int]) -> None:
        super().__init__(
            _("拆分须选择聚类 %(id)s 中的部分字段（不能为空，也不能是全部）") % {"id": cluster_id},
            cluster_id=cluster_id,
            member_ids=member_ids,
        )


class FieldAlreadyMapped(StandardsError):
    """Fields of the cluster are mapped to another element already: `fields` lists (source, id, name, element)."""

    def __init__(self, fields: list[tuple[str, int, str, str]]) -> None:
        names = "、".join(f"{name} ({source}#{source_id} → {element})" for source, source_id, name, element in fields)
        super().__init__(_("以下字段已映射到其他数据元：%(names)s") % {"names": names}, fields=fields)
        self.fields = fields


class UnknownFieldSource(StandardsError):
    def __init__(self, name: str) -> None:
        super().__init__(_("未注册的字段来源：%(name)s") % {"name": name}, source=name)
