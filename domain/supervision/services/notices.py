"""通报: the notice recorded when an item is done, naming each unit's result."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Notice, SupervisionItem


def _unit_line(row: dict[str, Any]) -> str:
    verdict = _("按期办结") if row["on_time"] else _("逾期办结")
    line = _("%(department)s（%(role)s）：%(verdict)s") % {
        "department": row["department"],
        "role": row["role_label"],
        "verdict": verdict,
    }
    if row["returned"]:
        line += _("，被退回 %(count)s 次") % {"count": row["returned"]}
    if row["extended_days"]:
        line += _("，经批准延期 %(days)s 个工作日") % {"days": row["extended_days"]}
    return line + "。"


@transaction.atomic
def notice_publish(*, item_id: int, idempotency_key: str) -> Notice:
    """Record the 通报 of a completed item (once per service task)."""
    done = Notice.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    item = SupervisionItem.objects.get(pk=item_id)
    summary = [
        {
            "department": unit.department.name,
            "role": unit.role,
            "role_label": str(unit.get_role_display()),
            "on_time": bool(unit.on_time),
            "returned": unit.returned_count,
            "extended_days": unit.extended_days,
            "handling_working_days": unit.handling_working_days,
        }
        for unit in item.units.select_related("department").order_by("-role", "pk")
    ]
    title = _("关于督查事项“%(title)s”办理情况的通报") % {"title": item.title}
    body = "\n".join([_("督查事项“%(title)s”已办结。") % {"title": item.title}, *map(_unit_line, summary)])
    return Notice.objects.create(
        item=item,
        title=title[:300],
        body=body,
        summary=summary,
        published_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
