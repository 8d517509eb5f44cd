"""The closed vocabularies of 督查督办 (DOMAIN.md, "Supervision and performance")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where an item comes from; the source decides its default time limit."""

    LEADER_INSTRUCTION = "leader_instruction", _("领导批示")
    DOCUMENT = "document", _("公文")
    MINUTES = "minutes", _("会议纪要")
    KEY_TASK = "key_task", _("重点任务")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")
    DIFFICULT = "difficult", _("疑难")


class ItemStatus(models.TextChoices):
    REGISTERED = "registered", _("立项")
    IN_PROGRESS = "in_progress", _("办理中")
    IN_REVIEW = "in_review", _("待审核")
    COMPLETED = "completed", _("已办结")
    WRITTEN_OFF = "written_off", _("已销号")


CLOSED_ITEM_STATUSES = frozenset({ItemStatus.COMPLETED, ItemStatus.WRITTEN_OFF})


class UnitRole(models.TextChoices):
    LEAD = "lead", _("牵头单位")
    CO = "co", _("协办单位")


class UnitStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待签收")
    HANDLING = "handling", _("办理中")
    IN_REVIEW = "in_review", _("待审核")
    DONE = "done", _("已办结")


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("进展报告")
    COMPLETION = "completion", _("办结报告")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待解决")
    RESOLVED = "resolved", _("已解决")


class Colour(models.TextChoices):
    """The warning colours [practice]: blue nearing due, yellow behind or poor quality, red overdue."""

    GREEN = "green", _("正常")
    BLUE = "blue", _("蓝色提醒")
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色逾期")
