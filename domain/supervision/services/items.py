"""The office's writes on items: register (立项), split into sub-items, dispatch (交办), write off (销号),
milestones and attachments."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from domain.directory.models import Department
from processes.errors import ValidationFailed
from processes.ports import Actor, calendar
from processes.services.attachments import attachment_check, clean_name, content_type_for, upload_sha256
from processes.services.instances import instance_start

from ..access import ensure_office, is_office, is_unit_handler
from ..choices import CLOSED_ITEM_STATUSES, ItemStatus, Source, UnitRole, Urgency
from ..errors import ItemInvalid, NotPermitted, WrongStatus
from ..limits import time_limit_resolve
from ..models import DEFAULT_REPORT_CYCLE_DAYS, ItemAttachment, Milestone, SupervisionItem, SupervisionUnit

PROCESS_KEY = "supervision_task"
MAX_REPORT_CYCLE_DAYS = 60


@dataclass(frozen=True)
class ItemFields:
    """What the office fills in to register an item."""

    title: str
    source: str
    requirements: str
    lead_department_id: int
    co_department_ids: Sequence[int] = field(default_factory=tuple)
    urgency: str = Urgency.NORMAL
    time_limit_days: int | None = None
    report_cycle_days: int = DEFAULT_REPORT_CYCLE_DAYS
    source_reference: str = ""


@dataclass(frozen=True)
class SubItemFields:
    """One part of a split item; source, urgency, office and report cycle come from the parent."""

    title: str
    requirements: str
    lead_department_id: int
    co_department_ids: Sequence[int] = field(default_factory=tuple)
    time_limit_days: int | None = None


def _units_check(lead_id: int, co_ids: Sequence[int], errors: dict[str, list[str]]) -> None:
    wanted = {lead_id, *co_ids}
    known = set(Department.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if lead_id not in known:
        errors.setdefault("lead_department_id", []).append(_("请选择牵头单位。"))
    if set(co_ids) - known:
        errors.setdefault("co_department_ids", []).append(_("协办单位不存在。"))
    if lead_id in co_ids:
        errors.setdefault("co_department_ids", []).append(_("牵头单位不能同时是协办单位。"))
    if len(set(co_ids)) != len(co_ids):
        errors.setdefault("co_department_ids", []).append(_("协办单位重复。"))


def item_fields_check(fields: ItemFields) -> int:
    """Every rule at once (ItemInvalid names each field); returns the item's time limit in working days."""
    errors: dict[str, list[str]] = {}
    if not fields.title.strip():
        errors["title"] = [_("请填写事项名称。")]
    if not fields.requirements.strip():
        errors["requirements"] = [_("请填写督办要求。")]
    if fields.source not in Source.values:
        errors["source"] = [_("请选择事项来源。")]
    if fields.urgency not in Urgency.values:
        errors["urgency"] = [_("请选择紧急程度。")]
    if not 1 <= fields.report_cycle_days <= MAX_REPORT_CYCLE_DAYS:
        errors["report_cycle_days"] = [_("报告周期应在 1 至 %(max)s 个工作日之间。") % {"max": MAX_REPORT_CYCLE_DAYS}]
    _units_check(fields.lead_department_id, list(fields.co_department_ids), errors)
    limit = 0
    if "source" not in errors and "urgency" not in errors:
        try:
            limit = time_limit_resolve(fields.source, fields.urgency, fields.time_limit_days)
        except ItemInvalid as exc:
            errors.update(exc.errors)
    if errors:
        raise ItemInvalid(errors)
    return limit


def _units_create(item: SupervisionItem, lead_id: int, co_ids: Sequence[int]) -> None:
    rows = [SupervisionUnit(item=item, department_id=lead_id, role=UnitRole.LEAD)]
    rows += [SupervisionUnit(item=item, department_id=dept, role=UnitRole.CO) for dept in co_ids]
    SupervisionUnit.objects.bulk_create(rows)


@transaction.atomic
def item_create(*, fields: ItemFields, office_id: int, actor: Actor) -> SupervisionItem:
    """立项: the office records the item with its units; the time limit comes from the table unless shorter."""
    ensure_office(actor, office_id)
    limit = item_fields_check(fields)
    item = SupervisionItem.objects.create(
        title=fields.title.strip(),
        source=fields.source,
        source_reference=fields.source_reference.strip(),
        urgency=fields.urgency,
        requirements=fields.requirements.strip(),
        office_id=office_id,
        time_limit_days=limit,
        report_cycle_days=fields.report_cycle_days,
        created_by_id=actor.user_id,
    )
    _units_create(item, fields.lead_department_id, list(fields.co_department_ids))
    return item


def _registered_item(item_id: int, actor: Actor) -> SupervisionItem:
    item = SupervisionItem.objects.select_for_update().get(pk=item_id)
    ensure_office(actor, item.office_id)
    if item.status != ItemStatus.REGISTERED or item.dispatched_at is not None:
        raise WrongStatus(_("事项已交办，不能再修改。"))
    return item


@transaction.atomic
def item_split(*, item_id: int, parts: Sequence[SubItemFields], actor: Actor) -> list[SupervisionItem]:
    """Split an item in 立项 into sub-items, each with its own units and process; the parent is done when all
    of them are. The parent's own unit list is dropped: its work now lives in the parts."""
    parent = _registered_item(item_id, actor)
    if parent.parent_id is not None:
        raise WrongStatus(_("子事项不能再拆分。"))
    if not parts:
        raise ItemInvalid({"parts": [_("请至少拆分出一个子事项。")]})
    children = []
    for index, part in enumerate(parts, start=1):
        fields = ItemFields(
            title=part.title,
            source=parent.source,
            requirements=part.requirements,
            lead_department_id=part.lead_department_id,
            co_department_ids=part.co_department_ids,
            urgency=parent.urgency,
            time_limit_days=part.time_limit_days or parent.time_limit_days,
            report_cycle_days=parent.report_cycle_days,
        )
        try:
            limit = item_fields_check(fields)
        except ItemInvalid as exc:
            raise ItemInvalid({f"parts[{index}].{name}": messages for name, messages in exc.errors.items()}) from exc
        if limit > parent.time_limit_days:
            message = _("子事项的办理时限不能超过上级事项（%(days)s 个工作日）。") % {"days": parent.time_limit_days}
            raise ItemInvalid({f"parts[{index}].time_limit_days": [message]})
        child = SupervisionItem.objects.create(
            title=fields.title.strip(),
            source=parent.source,
            source_reference=parent.source_reference,
            urgency=parent.urgency,
            requirements=fields.requirements.strip(),
            office_id=parent.office_id,
            time_limit_days=limit,
            report_cycle_days=parent.report_cycle_days,
            parent=parent,
            created_by_id=actor.user_id,
        )
        _units_create(child, part.lead_department_id, list(part.co_department_ids))
        children.append(child)
    parent.units.all().delete()
    return children


def _start_process(item: SupervisionItem, actor: Actor) -> None:
    item.dispatched_at = timezone.now()
    item.save(update_fields=["dispatched_at"])
    instance_start(
        process_key=PROCESS_KEY,
        actor=actor,
        business_key=f"supervision-{item.pk}",
        data={"item_id": item.pk, "item_title": item.title},
        subject=item,
        department_id=item.office_id,
    )


@transaction.atomic
def item_dispatch(*, item_id: int, actor: Actor) -> SupervisionItem:
    """交办: start the `supervision_task` process (立项登记 sets the due time when it runs). A split item
    starts one process per sub-item and follows them."""
    item = _registered_item(item_id, actor)
    children = list(item.children.select_for_update().order_by("pk"))
    if not children:
        _start_process(item, actor)
        return item
    for child in children:
        if child.dispatched_at is None:
            _start_process(child, actor)
    due = calendar().add_working_days(timezone.now(), item.time_limit_days)
    item.status, item.dispatched_at = ItemStatus.IN_PROGRESS, timezone.now()
    item.due_at, item.due_provisional = due.at, due.provisional
    item.save(update_fields=["status", "dispatched_at", "due_at", "due_provisional"])
    return item


@transaction.atomic
def item_write_off(*, item_id: int, actor: Actor) -> SupervisionItem:
    """销号: the office strikes a completed item off the ledger."""
    item = SupervisionItem.objects.select_for_update().get(pk=item_id)
    ensure_office(actor, item.office_id)
    if item.status != ItemStatus.COMPLETED:
        raise WrongStatus(_("只有已办结的事项可以销号。"))
    item.status, item.written_off_at = ItemStatus.WRITTEN_OFF, timezone.now()
    item.save(update_fields=["status", "written_off_at"])
    return item


@transaction.atomic
def milestone_add(*, item_id: int, name: str, due_on: date, actor: Actor) -> Milestone:
    """A checkpoint of the plan; it cannot lie after the item's due date."""
    item = SupervisionItem.objects.select_for_update().get(pk=item_id)
    ensure_office(actor, item.office_id)
    if item.status in CLOSED_ITEM_STATUSES:
        raise WrongStatus(_("事项已办结，不能再添加计划节点。"))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("请填写节点名称。")]
    if item.due_at is not None and due_on > timezone.localtime(item.due_at).date():
        errors["due_on"] = [_("计划完成日期不能晚于事项办理期限。")]
    if errors:
        raise ItemInvalid(errors)
    return Milestone.objects.create(item=item, name=name.strip(), due_on=due_on)


@transaction.atomic
def milestone_done(*, milestone_id: int, actor: Actor, done: bool = True) -> Milestone:
    """The office or a handler of one of the item's units marks a checkpoint done (or not done again)."""
    milestone = Milestone.objects.select_for_update().select_related("item").get(pk=milestone_id)
    if not (is_office(actor, milestone.item.office_id) or is_unit_handler(actor, milestone.item)):
        raise NotPermitted(_("只有督查机构或承办单位可以更新计划节点。"))
    if milestone.item.status in CLOSED_ITEM_STATUSES:
        raise WrongStatus(_("事项已办结，计划节点不能再更改。"))
    milestone.done, milestone.done_at = done, timezone.now() if done else None
    milestone.save(update_fields=["done", "done_at"])
    return milestone


@transaction.atomic
def item_attachment_add(*, item_id: int, upload: UploadedFile, actor: Actor) -> ItemAttachment:
    """Attach a file (批示件, 公文 …) under the platform's rules on types and sizes, while the item is open
    (locked, so it cannot close in between)."""
    item = SupervisionItem.objects.select_for_update().get(pk=item_id)
    ensure_office(actor, item.office_id)
    if item.status in CLOSED_ITEM_STATUSES:
        raise WrongStatus(_("事项已办结，不能再添加附件。"))
    try:
        extension = attachment_check(upload, field="file")
    except ValidationFailed as exc:
        raise ItemInvalid({"file": [exc.message]}) from exc
    attachment = ItemAttachment(
        item=item,
        original_name=clean_name(upload.name or ""),
        content_type=content_type_for(extension),
        size=upload.size or 0,
        sha256=upload_sha256(upload),
        uploaded_by_id=actor.user_id,
    )
    attachment.file.save(attachment.original_name, upload, save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def item_attachments_add(*, item_id: int, uploads: list[UploadedFile], actor: Actor) -> list[ItemAttachment]:
    """Several files at once, all or none: when one is refused (or anything fails), the rows roll back and the
    files already written are removed from storage."""
    saved: list[ItemAttachment] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                saved.append(item_attachment_add(item_id=item_id, upload=upload, actor=actor))
    except BaseException:
        for attachment in saved:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return saved
