"""The 普查 workbook's layout: one sheet per level, each child row naming its parents by name.

A clerk fills 信息系统 first, then 数据库, 数据表 and 字段, copying the parent names; enumerations are
drop-down lists, and every header carries a comment saying what to write.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from .models import Deployment, Engine, SystemStatus, UpdateCycle

YES_NO = {"是": True, "否": False}


class CellInvalid(ValueError):
    pass


def _labels(choices: Any) -> dict[str, str]:
    """Chinese label → stored value: the labels' msgids are Chinese, so read them untranslated."""
    with translation.override(None):
        return {str(label): value for value, label in zip(choices.values, choices.labels, strict=True)}


def text(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = "" if value is None else str(value).strip()
        if len(result) > limit:
            raise CellInvalid(_("超过 %(max)s 个字") % {"max": limit})
        return result

    return parse


# The widest value each number column's database field holds (PositiveIntegerField / BigIntegerField /
# DecimalField(14, 2)): a bigger one is the clerk's row error, not a database error at import time.
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
DECIMAL_MAX = Decimal("999999999999.99")


def whole(maximum: int) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        if value is None or str(value).strip() == "":
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise CellInvalid(_("应为整数，而不是 “%(value)s”") % {"value": value}) from None
        if not number.is_finite() or number != number.to_integral_value() or number < 0:
            raise CellInvalid(_("应为不小于 0 的整数，而不是 “%(value)s”") % {"value": value})
        if number > maximum:
            raise CellInvalid(_("不能大于 %(max)s，而不是 “%(value)s”") % {"max": maximum, "value": value})
        return int(number)

    return parse


def decimal(value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise CellInvalid(_("应为数字，而不是 “%(value)s”") % {"value": value}) from None
    if number < 0 or not number.is_finite():
        raise CellInvalid(_("应为不小于 0 的数字"))
    if number > DECIMAL_MAX:
        raise CellInvalid(_("不能大于 %(max)s，而不是 “%(value)s”") % {"max": DECIMAL_MAX, "value": value})
    return round(number, 2)


def choice(mapping: dict[str, Any], *, default: Any = None) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        key = "" if value is None else str(value).strip()
        if not key and default is not None:
            return default
        if key in mapping:
            return mapping[key]
        raise CellInvalid(
            _("应填 %(options)s 之一，而不是 “%(value)s”") % {"options": "、".join(mapping), "value": key}
        )

    return parse


@dataclass(frozen=True)
class Col:
    header: str
    attr: str
    parse: Callable[[Any], Any]
    required: bool = False
    note: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    title: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]  # attrs naming the row: parents' names + its own name

    def headers(self) -> list[str]:
        return [col.header for col in self.columns]


def _enum(
    header: str, attr: str, mapping: dict[str, Any], note: str, *, required: bool = False, default: Any = None
) -> Col:
    return Col(header, attr, choice(mapping, default=default), required, note, tuple(mapping))


STATUS = _labels(SystemStatus)
DEPLOYMENT = _labels(Deployment)
ENGINES = _labels(Engine)
CYCLES = _labels(UpdateCycle)

_SYSTEM = Col("所属系统", "system", text(200), True, "与 “信息系统” 表中的系统名称一致")
_DATABASE = Col("数据库名称", "database", text(200), True, "与 “数据库” 表中的数据库名称一致")
_TABLE = Col("表名", "table", text(200), True, "与 “数据表” 表中的表名一致")

SYSTEMS = SheetSpec(
    "信息系统",
    (
        Col("系统名称", "name", text(200), True, "本部门内不重复；再次导入同名系统会更新而不是新增"),
        _enum("建设状态", "status", STATUS, "在建、已建、在用 或 停用", required=True),
        _enum("部署方式", "deployment", DEPLOYMENT, "政务云、本地机房 或 其他", default=Deployment.GOV_CLOUD),
        Col("使用对象", "users", text(200), note="如 “全市民政工作人员”"),
        Col("用户数", "user_count", whole(INT_MAX), note="整数"),
        Col("承建单位", "vendor", text(200)),
        _enum("是否上云", "on_cloud", YES_NO, "是 或 否", default=False),
        Col("系统描述", "description", text(2000)),
    ),
    ("name",),
)
DATABASES = SheetSpec(
    "数据库",
    (
        Col(_SYSTEM.header, "system", _SYSTEM.parse, True, _SYSTEM.note),
        Col("数据库名称", "name", text(200), True, "同一系统内不重复"),
        _enum("数据库类型", "engine", ENGINES, "从下拉列表选择", required=True),
        Col("服务器地址", "host", text(255), note="IP 或主机名，可不填"),
        Col("数据量（MB）", "size_mb", decimal, note="数字，单位 MB"),
        Col("说明", "description", text(2000)),
    ),
    ("system", "name"),
)
TABLES = SheetSpec(
    "数据表",
    (
        _SYSTEM,
        _DATABASE,
        Col("表名", "name", text(200), True, "数据库中的物理表名，同一数据库内不重复"),
        Col("中文名", "comment", text(500), note="表的中文名称或注释"),
        Col("记录数", "rows", whole(BIGINT_MAX), note="整数，约数即可"),
        _enum("更新周期", "update_cycle", CYCLES, "实时、每日、每周、每月、每季度、每半年、每年 或 其他", default=""),
    ),
    ("system", "database", "name"),
)
COLUMNS = SheetSpec(
    "字段",
    (
        _SYSTEM,
        _DATABASE,
        _TABLE,
        Col("字段名", "name", text(200), True, "物理字段名，同一表内不重复"),
        Col("数据类型", "data_type", text(100), True, "如 varchar、int、date"),
        Col("长度", "length", whole(INT_MAX), note="字符长度或数值精度，整数"),
        _enum("可为空", "nullable", YES_NO, "是 或 否", default=True),
        Col("注释", "comment", text(500), note="字段的中文名称或说明"),
        Col("序号", "position", whole(INT_MAX), note="字段顺序；不填则按行的先后"),
    ),
    ("system", "database", "table", "name"),
)
SHEETS = (SYSTEMS, DATABASES, TABLES, COLUMNS)
