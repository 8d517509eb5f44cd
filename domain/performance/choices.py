"""Enumerations of 绩效通: node kinds, scoring rules, data field types and lifecycles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class NodeKind(models.TextChoices):
    DIMENSION = "dimension", _("维度")
    INDICATOR = "indicator", _("指标")
    POINT = "point", _("评分点")


class RuleKind(models.TextChoices):
    FORMULA = "formula", _("公式")
    THRESHOLD = "threshold", _("阈值")
    MANUAL = "manual", _("专家评分")


class FieldKind(models.TextChoices):
    NUMBER = "number", _("数值")
    PERCENT = "percent", _("百分比")
    TEXT = "text", _("文本")
    BOOL = "bool", _("是/否")


class RoundStatus(models.TextChoices):
    COLLECTING = "collecting", _("数据采集中")
    SCORING = "scoring", _("评分中")
    PUBLISHED = "published", _("已发布")


class UnitRole(models.TextChoices):
    ASSESSED = "assessed", _("被评估单位")
    BENCHMARK = "benchmark", _("对标单位")


class RectificationStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请整改")
    OPENED = "opened", _("已立督办")
    CLOSED = "closed", _("已办结")


# Which child kind each kind holds; the top level holds dimensions only.
CHILD_KIND: dict[str | None, str | None] = {
    None: NodeKind.DIMENSION,
    NodeKind.DIMENSION: NodeKind.INDICATOR,
    NodeKind.INDICATOR: NodeKind.POINT,
    NodeKind.POINT: None,
}
