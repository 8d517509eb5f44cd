"""督查事项 after 立项: the office adds checkpoints (计划节点) and files (批示件, 公文, 佐证材料) to an item, and
the office or a unit's handler marks a checkpoint done (or not done again).

Plain POST forms on the item page; each redirects back to it with the outcome as a message (a refusal
names the field and the reason). Every write is one domain service, which checks the person again."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from domain.supervision import services as supervision_services
from domain.supervision.access import is_unit_handler
from domain.supervision.errors import ItemInvalid, SupervisionError
from domain.supervision.models import Milestone, SupervisionItem

from .supervision_items import forbidden
from .supervision_items_access import actor_of, may_manage_item


def _refusal(request: HttpRequest, exc: SupervisionError) -> None:
    if isinstance(exc, ItemInvalid):
        for messages_ in exc.errors.values():
            for message in messages_:
                messages.error(request, message)
    else:
        messages.error(request, exc.message)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@login_required
@require_POST
def milestone_add(request: HttpRequest, item_id: int) -> HttpResponse:
    """计划节点: a name and a planned date (no later than the item's due date)."""
    item = get_object_or_404(SupervisionItem, pk=item_id)
    actor = actor_of(request)
    if not may_manage_item(actor, item):
        return forbidden(request)
    due_on = _day(request.POST.get("due_on", ""))
    if due_on is None:
        messages.error(request, _("请填写计划完成日期（年-月-日）。"))
        return redirect("supervision:item", item_id=item.pk)
    try:
        milestone = supervision_services.milestone_add(
            item_id=item.pk, name=request.POST.get("name", "")[:200], due_on=due_on, actor=actor
        )
    except SupervisionError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已添加计划节点：%(name)s") % {"name": milestone.name})
    return redirect("supervision:item", item_id=item.pk)


@login_required
@require_POST
def milestone_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    """Done (done=1) or not done again (done=0); the office or a handler of one of the item's units."""
    milestone = get_object_or_404(Milestone.objects.select_related("item"), pk=milestone_id)
    actor = actor_of(request)
    if not (may_manage_item(actor, milestone.item) or is_unit_handler(actor, milestone.item)):
        return forbidden(request)
    done = request.POST.get("done") == "1"
    try:
        supervision_services.milestone_done(milestone_id=milestone.pk, actor=actor, done=done)
    except SupervisionError as exc:
        _refusal(request, exc)
    return redirect("supervision:item", item_id=milestone.item_id)


@login_required
@require_POST
def attachment_add(request: HttpRequest, item_id: int) -> HttpResponse:
    """Files under the platform's attachment rules (types, size); several at once, all or none."""
    item = get_object_or_404(SupervisionItem, pk=item_id)
    actor = actor_of(request)
    if not may_manage_item(actor, item):
        return forbidden(request)
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("supervision:item", item_id=item.pk)
    try:
        supervision_services.item_attachments_add(item_id=item.pk, uploads=uploads, actor=actor)
    except SupervisionError as exc:
        _refusal(request, exc)
    else:
        count = len(uploads)
        messages.success(
            request, ngettext("已上传 %(count)s 个附件。", "已上传 %(count)s 个附件。", count) % {"count": count}
        )
    return redirect("supervision:item", item_id=item.pk)
