"""Demo catalog for `make run`: a few published entries of the demo directory, one share grant, and one
entry under review (a live catalog_approval case in the data lead's inbox).

Idempotent: entries are looked up by (provider, name) and only missing ones are created. Needs the
demo directory (seed_demo) and the deployed diagrams (deploy_bpmn). Demo data only."""

from django.contrib.auth import get_user_model
from django.db import transaction

from domain.directory.models import Department
from processes.ports import directory

from .choices import FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from .classification import classification_create, classification_seed
from .models import CatalogEntry, ClassificationNode
from .services import entry_create, entry_publish, entry_submit, share_request_submit
from .validation import EntryFields, ItemFields

PERSON_ITEMS = (ItemFields("姓名", "C", 50), ItemFields("公民身份号码", "C", 18), ItemFields("出生日期", "D", 8))
COMPANY_ITEMS = (
    ItemFields("统一社会信用代码", "C", 18),
    ItemFields("企业名称", "C", 200),
    ItemFields("成立日期", "D", 8),
)
# (provider code, cataloguer, 目 full code, 目 name, entry name, share type, 共享条件, published?)
DEMO_ENTRIES: list[tuple[str, str, str, str, str, ShareType, str, bool]] = [
    ("330106-SCJG", "clerk1", "102001", "法人单位基本信息", "市场主体登记信息", ShareType.UNCONDITIONAL, "", True),
    (
        "330106-SCJG",
        "clerk1",
        "102001",
        "法人单位基本信息",
        "行政处罚信息",
        ShareType.CONDITIONAL,
        "仅用于信用监管",
        True,
    ),
    (
        "330106-MZ",
        "clerk2",
        "101001",
        "人口基本信息",
        "婚姻登记信息",
        ShareType.CONDITIONAL,
        "仅用于社会救助审核",
        True,
    ),
    # Submitted, not published: a 部门审核 task for the demo data lead (lead1).
    ("330106-SCJG", "clerk1", "102001", "法人单位基本信息", "企业年度报告信息", ShareType.UNCONDITIONAL, "", False),
]


def _subject(full_code: str, name: str) -> ClassificationNode:
    node = ClassificationNode.objects.filter(full_code=full_code).first()
    if node is not None:
        return node
    parent = ClassificationNode.objects.get(full_code=full_code[:3])
    return classification_create(parent=parent, code=full_code[3:], name=name)


@transaction.atomic
def catalog_demo_seed() -> int:
    """Create the missing demo entries; returns how many were created."""
    classification_seed()
    users = get_user_model().objects
    created = 0
    for provider_code, username, subject_code, subject_name, name, share_type, condition, publish in DEMO_ENTRIES:
        provider = Department.objects.get(code=provider_code)
        if CatalogEntry.objects.filter(provider=provider, name=name).exists():
            continue
        actor = directory().actor_for(users.get(username=username))
        company = provider_code.endswith("SCJG")
        fields = EntryFields(
            classification_id=_subject(subject_code, subject_name).pk,
            name=name,
            provider_id=provider.pk,
            summary=f"{provider.name}{name}。",
            format_category=FormatCategory.DATABASE,
            format_type="oracle",
            share_type=share_type,
            share_method=ShareMethod.PLATFORM_API,
            open_type=OpenType.NONE,
            update_cycle=UpdateCycle.DAILY,
            items=COMPANY_ITEMS if company else PERSON_ITEMS,
            share_condition=condition,
        )
        entry = entry_create(fields=fields, actor=actor)
        if publish:
            # As both review gates would: the publish step's own service, under a demo key.
            CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
            entry_publish(entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=f"demo:{entry.pk}")
        else:
            entry_submit(entry_id=entry.pk, actor=actor)
        created += 1
    _demo_share()
    return created


def _demo_share() -> None:
    """民政局 asks for 市场主体登记信息 (无条件共享): granted at once by the share_request process."""
    entry = CatalogEntry.objects.get(name="市场主体登记信息", provider__code="330106-SCJG")
    department = Department.objects.get(code="330106-MZ")
    if entry.share_requests.filter(applicant_department=department).exists():
        return
    applicant = get_user_model().objects.get(username="clerk2")
    share_request_submit(
        entry_id=entry.pk,
        department_id=department.pk,
        purpose="核验社会组织登记主体",
        scenario="社会组织年检",
        fields=["统一社会信用代码", "企业名称"],
        actor=directory().actor_for(applicant),
    )
