"""Choice lists of the data-element pool and the 清洗比对 review."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataType(models.TextChoices):
    """数据类型 codes as catalogs use them (DOMAIN.md, catalog section)."""

    CHAR = "C", _("字符型")
    NUMBER = "N", _("数值型")
    MONEY = "Y", _("货币型")
    DATE = "D", _("日期型")
    DATETIME = "T", _("日期时间型")
    LOGICAL = "L", _("逻辑型")
    MEMO = "M", _("备注型")
    GENERAL = "G", _("通用型")
    DOUBLE = "B", _("双精度型")
    INTEGER = "I", _("整型")
    FLOAT = "F", _("浮点型")


class ElementStatus(models.TextChoices):
    ORIGINAL = "original", _("原始")
    STANDARD = "standard", _("标准")
    NONSTANDARD = "nonstandard", _("非标准")
    RETIRED = "retired", _("废止")


# Which status may follow which: 废止 is final, so a retired element's history never changes again.
ELEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    ElementStatus.ORIGINAL: frozenset({ElementStatus.STANDARD, ElementStatus.NONSTANDARD, ElementStatus.RETIRED}),
    ElementStatus.NONSTANDARD: frozenset({ElementStatus.STANDARD, ElementStatus.RETIRED}),
    ElementStatus.STANDARD: frozenset({ElementStatus.RETIRED}),
    ElementStatus.RETIRED: frozenset(),
}


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ClusterStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    ACCEPTED = "accepted", _("已确认")
    SPLIT = "split", _("已拆分")
    REJECTED = "rejected", _("已驳回")
