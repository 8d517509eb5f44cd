"""Readable names for the audit trail's actions (the machine names services pass to the audit recorder).

The trail keeps the machine name (it is part of the hashed event and never changes); pages show the
label and keep the machine name at hand for auditors. tests/webui/test_page_quality.py reads the source
and fails when code records an action that has no label here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

AUDIT_ACTION_LABELS: dict[str, Promise] = {
    # People signing in
    "login": _("登录"),
    "login_failed": _("登录失败"),
    "login_throttled": _("登录受限"),
    # Definitions and instances
    "definition_deployed": _("部署流程"),
    "instance_started": _("发起"),
    "instance_completed": _("流程结束"),
    "instance_cancelled": _("流程撤销"),
    "instance_suspended": _("流程挂起"),
    "instance_resumed": _("流程恢复"),
    "timer_fired": _("定时器触发"),
    "message_received": _("收到消息"),
    # Human tasks
    "task_created": _("生成任务"),
    "task_claimed": _("签收"),
    "task_unclaimed": _("退签"),
    "task_completed": _("办结"),
    "task_returned": _("退回"),
    "task_delegated": _("转办"),
    "task_commented": _("评论"),
    "task_cancelled": _("任务取消"),
    "task_due_recomputed": _("重算截止时间"),
    "attachment_added": _("上传附件"),
    # Supervision
    "task_escalated": _("预警升级"),
    "task_reminded": _("催办"),
    "task_reassigned": _("改派"),
    "extension_requested": _("申请延期"),
    "extension_decided": _("审批延期"),
    # Service tasks and incidents
    "job_queued": _("服务任务排队"),
    "job_done": _("服务任务完成"),
    "job_cancelled": _("服务任务取消"),
    "job_failed": _("服务任务失败"),
    "incident_opened": _("产生异常"),
    "incident_resolved": _("异常已处理"),
    # Notifications and the trail itself
    "notification_delivered": _("通知已送达"),
    "notification_failed": _("通知发送失败"),
    "audit_exported": _("导出审计记录"),
    # Versions: running instances moved to a new version of their process, and back
    "instance_migrated": _("实例迁移到新版本"),
    "instance_migration_rolled_back": _("实例迁移已回滚"),
    "migration_batch_run": _("批量迁移实例"),
    "migration_batch_rolled_back": _("回滚批量迁移"),
    # 督查督办: a 晾晒 ranking frozen and published (its hash is in the payload)
    "ranking_published": _("发布晾晒排名"),
}


def audit_action_label(action: str) -> str:
    """The label in the current language; an action without one shows its machine name."""
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def audit_action_choices() -> list[tuple[str, str]]:
    """(machine name, label) of every known action, in the order above (grouped by subject)."""
    return [(code, str(label)) for code, label in AUDIT_ACTION_LABELS.items()]
