"""共享申请: a department asks for a published resource; the share_request process decides.

无条件 resources are granted by the process at once; 有条件 ones pass the data authority's compliance
check and the provider's decision (a refusal gives reasons), and a refusal may be disputed to the data
authority, who grants or upholds. 不予共享 resources cannot be requested at all."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from domain.directory.models import Department
from processes.ports import Actor
from processes.services.instances import instance_start

from ..choices import EntryStatus, ShareStatus, ShareType
from ..errors import EntryInvalid, NotPermitted, NotShareable, WrongStatus
from ..models import CatalogEntry, ShareEvent, ShareRequest
from .entries import data_authority_code

SHARE_PROCESS = "share_request"


@transaction.atomic
def share_request_submit(
    *, entry_id: int, department_id: int, purpose: str, scenario: str, fields: list[str], actor: Actor
) -> ShareRequest:
    """Apply on behalf of `department_id` (the actor must hold a role there); starts share_request."""
    entry = CatalogEntry.objects.select_related("provider").get(pk=entry_id)
    if entry.status != EntryStatus.PUBLISHED:
        raise NotShareable(_("只能申请已发布的目录资源。"))
    if entry.share_type == ShareType.NONE:
        raise NotShareable(
            _("「%(name)s」为不予共享资源（依据：%(basis)s），不能申请共享。")
            % {"name": entry.name, "basis": entry.no_share_basis}
        )
    if not actor.is_superuser and department_id not in actor.roles_by_department():
        raise NotPermitted(_("只能以本人任职的部门名义申请共享。"))
    _check_request_text(purpose, scenario, fields, entry)
    department = Department.objects.get(pk=department_id)
    request = ShareRequest.objects.create(
        entry=entry,
        applicant_department=department,
        applicant_id=actor.user_id,
        purpose=purpose,
        scenario=scenario,
        fields=list(fields),
    )
    instance_start(
        process_key=SHARE_PROCESS,
        actor=actor,
        business_key=f"share-{request.pk}",
        data={
            "request_id": request.pk,
            "entry_id": entry.pk,
            "entry_name": entry.name,
            "entry_code": entry.code,
            "share_type": entry.share_type,
            "share_condition": entry.share_condition,
            "applicant_department": department.code,
            "provider_department": entry.provider.code,
            "authority_department": data_authority_code(),
            "purpose": purpose,
            "scenario": scenario,
            "fields": list(fields),
        },
        subject=request,
        department_id=department.pk,
    )
    return request


def _check_request_text(purpose: str, scenario: str, fields: list[str], entry: CatalogEntry) -> None:
    errors: dict[str, list[str]] = {}
    if not purpose.strip():
        errors["purpose"] = [_("请填写申请用途。")]
    if not scenario.strip():
        errors["scenario"] = [_("请填写应用场景。")]
    known = set(entry.items.values_list("name", flat=True))
    unknown = [name for name in fields if name not in known]
    if known and unknown:
        errors["fields"] = [_("目录中没有这些信息项：%(names)s") % {"names": "、".join(unknown)}]
    if errors:
        raise EntryInvalid(errors)


def _record(
    request_id: int, status: ShareStatus, stage: str, reason: str, idempotency_key: str, allowed: set[ShareStatus]
) -> ShareRequest:
    if ShareEvent.objects.filter(idempotency_key=idempotency_key).exists():
        return ShareRequest.objects.get(pk=request_id)
    request = ShareRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in allowed:
        raise WrongStatus(
            _("共享申请当前状态为%(status)s，不能改为%(target)s。")
            % {"status": ShareStatus(request.status).label, "target": status.label}
        )
    request.status, request.decided_stage, request.decision_reason = status, stage, reason
    if status != ShareStatus.DISPUTED:
        request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_stage", "decision_reason", "decided_at"])
    ShareEvent.objects.create(
        request=request, status=status, stage=stage, reason=reason, idempotency_key=idempotency_key
    )
    return request


@transaction.atomic
def share_grant(*, request_id: int, stage: str, reason: str, idempotency_key: str) -> ShareRequest:
    """Granted (automatically, by the provider, or by the data authority's coordination). A resource taken
    down, or switched to 不予共享, while the request waited is not granted: the request is refused (closed)
    with that reason instead, and the result says so (status "refused")."""
    allowed = {ShareStatus.PENDING, ShareStatus.DISPUTED}
    entry_id = ShareRequest.objects.values_list("entry_id", flat=True).get(pk=request_id)
    # Locked so a 下线 or 变更 being applied now is either seen here or waits for this grant.
    entry = CatalogEntry.objects.select_for_update().get(pk=entry_id)
    blocked = _no_longer_shareable(entry)
    if blocked:
        return _record(request_id, ShareStatus.REFUSED, stage, blocked, idempotency_key, allowed)
    return _record(request_id, ShareStatus.GRANTED, stage, reason, idempotency_key, allowed)


def _no_longer_shareable(entry: CatalogEntry) -> str:
    """Why the resource cannot be granted now, or ""."""
    if entry.status != EntryStatus.PUBLISHED:
        return _("「%(name)s」已不在发布状态（%(status)s），不能共享，申请关闭。") % {
            "name": entry.name,
            "status": EntryStatus(entry.status).label,
        }
    if entry.share_type == ShareType.NONE:
        return _("「%(name)s」已改为不予共享资源（依据：%(basis)s），不能共享，申请关闭。") % {
            "name": entry.name,
            "basis": entry.no_share_basis,
        }
    return ""


@transaction.atomic
def share_refuse(*, request_id: int, stage: str, reason: str, idempotency_key: str) -> ShareRequest:
    """Refused: not compliant, refused by the provider, or upheld after a dispute. Reasons are required."""
    if not reason.strip():
        raise EntryInvalid({"reason": [_("拒绝共享必须说明理由。")]})
    allowed = {ShareStatus.PENDING, ShareStatus.DISPUTED}
    return _record(request_id, ShareStatus.REFUSED, stage, reason, idempotency_key, allowed)


@transaction.atomic
def share_dispute(*, request_id: int, reason: str, idempotency_key: str) -> ShareRequest:
    """The applicant disputes a provider's refusal: the data authority coordinates."""
    if not reason.strip():
        raise EntryInvalid({"reason": [_("提出异议必须说明理由。")]})
    allowed = {ShareStatus.REFUSED}
    return _record(request_id, ShareStatus.DISPUTED, "异议", reason, idempotency_key, allowed)
