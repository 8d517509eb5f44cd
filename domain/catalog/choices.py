"""The closed vocabularies of GB/T 21063 catalog metadata (DOMAIN.md, "Catalog")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from domain.standards.choices import DataType  # noqa: F401  (信息项 use the data elements' type codes)


class Category(models.IntegerChoices):
    """信息资源分类的「类」: the first digit of every classification code."""

    BASIC = 1, _("基础信息资源")
    THEME = 2, _("主题信息资源")
    DEPARTMENT = 3, _("部门信息资源")


class FormatCategory(models.IntegerChoices):
    FILE = 1, _("电子文件")
    SPREADSHEET = 2, _("电子表格")
    DATABASE = 3, _("数据库")
    IMAGE = 4, _("图形图像")
    STREAM = 5, _("流媒体")
    SELF_DESCRIBING = 6, _("自描述格式")
    SERVICE = 7, _("服务接口")


# Formats whose resources are tables: their 信息项 are mandatory.
TABULAR_FORMATS = frozenset({FormatCategory.SPREADSHEET, FormatCategory.DATABASE})


class ShareType(models.IntegerChoices):
    UNCONDITIONAL = 1, _("无条件共享")
    CONDITIONAL = 2, _("有条件共享")
    NONE = 3, _("不予共享")


class ShareMethod(models.TextChoices):
    PLATFORM_DATABASE = "platform_database", _("共享平台：数据库")
    PLATFORM_FILE = "platform_file", _("共享平台：文件")
    PLATFORM_API = "platform_api", _("共享平台：接口")
    EMAIL = "email", _("邮件")
    MEDIA = "media", _("介质")


class OpenType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件开放")
    CONDITIONAL = "conditional", _("有条件开放")
    NONE = "none", _("不予开放")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")
    OTHER = "other", _("其他")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下线")


class ChangeKind(models.TextChoices):
    """What a run of the catalog approval process does; the process variable `change_kind` holds the label."""

    NEW = "新增", _("新增")
    CHANGE = "变更", _("变更")
    TAKE_DOWN = "下线", _("下线")


class ChangeStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("已退回")
    APPLIED = "applied", _("已生效")
    WITHDRAWN = "withdrawn", _("已撤回")


# A change in one of these states still holds the entry: no second 变更 or 下线 may open beside it.
OPEN_CHANGE_STATUSES = (ChangeStatus.IN_REVIEW, ChangeStatus.RETURNED)


class ShareStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    GRANTED = "granted", _("已同意")
    REFUSED = "refused", _("已拒绝")
    DISPUTED = "disputed", _("异议协调中")


# The GB/T 21063 descriptive fields from 摘要 to 更新周期, in the standard's order. The Excel export's columns,
# the fields an entry save copies and the fields the version comparison shows all run through them in this order.
DESCRIPTION_FIELDS = (
    "summary",
    "format_category",
    "format_type",
    "share_type",
    "share_condition",
    "no_share_basis",
    "share_method",
    "open_type",
    "open_condition",
    "update_cycle",
)
