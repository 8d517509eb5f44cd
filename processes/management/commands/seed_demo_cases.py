"""manage.py seed_demo_cases: cases in every state, so that the web UI has something to show.

Run after `seed_demo` (the directory) and `deploy_bpmn` (the diagrams). Everything goes through the
services a person's clicks go through (start, claim, draft, complete, 退回, comment, attach, 催办, 改派,
延期申请), so the audit trail, the notifications and the read models are the real ones. The one shortcut is
the due times: neither demo diagram sets a deadline, so the command gives the tasks due times (one
overdue, one at 预警, one at 提醒) with a queryset update. Demo data only: never run it on a production
database.

Idempotent like seed_demo: when a case with a DEMO- business key exists, it adds nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from processes.errors import NotFound
from processes.models import HumanTask, ProcessInstance, TaskStatus
from processes.ports import Actor, calendar, directory
from processes.selectors import inbox_for_actor, inbox_tab_tasks, instance_tasks
from processes.services.attachments import attachment_add, attachment_ref
from processes.services.escalation import Level, escalation_schedule
from processes.services.inbox import (
    human_task_claim,
    human_task_comment,
    human_task_complete,
    human_task_return,
    human_task_save_draft,
)
from processes.services.instances import instance_start
from processes.services.supervision import extension_request, task_remind, tasks_reassign

DEMO_PREFIX = "DEMO-"
USERNAMES = ("reviewer1", "clerk1", "clerk2", "applicant1", "supervisor1")
DATA_AUTHORITY = "330106-DSJ"  # 西湖区大数据局: its reviewer1 reviews the approvals
MARKET = "330106-SCJG"  # 西湖区市场监管局
CIVIL = "330106-MZ"  # 西湖区民政局

# The approvals, all reviewed in 西湖区大数据局: (business key, started by, title, what becomes of the review,
# due in N working days (negative: overdue by N calendar days; None: no due time), ladder level reached).
APPROVALS: list[tuple[str, str, str, str, int | None, Level]] = [
    ("DEMO-SQ-01", "applicant1", "企业登记信息共享申请", "waiting", 5, Level.NONE),
    ("DEMO-SQ-02", "clerk1", "市场主体名录数据共享申请", "waiting", 8, Level.NONE),
    ("DEMO-SQ-03", "clerk2", "低保对象名单核验接口申请", "waiting", 10, Level.NONE),
    ("DEMO-SQ-04", "applicant1", "食品经营许可证照数据调用申请", "waiting", None, Level.NONE),
    ("DEMO-SQ-05", "clerk1", "个体工商户年报数据共享申请", "reminded", -2, Level.RED),
    ("DEMO-SQ-06", "clerk2", "养老服务机构名录共享申请", "extension", 1, Level.YELLOW),
    ("DEMO-SQ-07", "applicant1", "企业社保缴纳证明数据调用申请", "draft", 4, Level.NONE),
    ("DEMO-SQ-08", "clerk1", "行政处罚信息公示数据共享申请", "claimed", 2, Level.BLUE),
    ("DEMO-SQ-09", "clerk2", "婚姻登记信息核验申请", "approved", 3, Level.NONE),
    ("DEMO-SQ-10", "applicant1", "企业用电数据调用申请", "rejected", 3, Level.NONE),
]

MATERIALS = [
    {"name": "营业执照复印件", "copies": 1, "kind": "复印件", "issued_on": "2024-03-15"},
    {"name": "数据资源目录清单", "copies": 2, "kind": "原件"},
    {"name": "数据安全承诺书", "copies": 1, "kind": "电子件", "issued_on": "2025-01-06"},
]


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF that viewers open: the cross-reference offsets are computed, not typed."""
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def demo_cases_count() -> int:
    return ProcessInstance.objects.filter(business_key__startswith=DEMO_PREFIX).count()


@dataclass
class Seeder:
    now: datetime
    actors: dict[str, Actor] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    started: list[ProcessInstance] = field(default_factory=list)

    def __post_init__(self) -> None:
        users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
        missing = [name for name in USERNAMES if name not in users]
        for code in (DATA_AUTHORITY, MARKET, CIVIL):
            department_id = directory().department_id_for_code(code)
            if department_id is None:
                missing.append(code)
            else:
                self.departments[code] = department_id
        if missing:
            raise CommandError(f"演示目录不完整，请先运行 manage.py seed_demo / missing {', '.join(missing)}")
        self.actors = {name: directory().actor_for(user) for name, user in users.items()}

    def start(self, process_key: str, business_key: str, starter: str, department: str, title: str) -> HumanTask:
        """Start a case; return its open task."""
        try:
            instance = instance_start(
                process_key=process_key,
                actor=self.actors[starter],
                business_key=business_key,
                data={"title": title},
                department_id=self.departments[department],
            )
        except NotFound as error:
            raise CommandError(f"{error.message}（请先运行 manage.py deploy_bpmn）") from error
        self.started.append(instance)
        return self.open_task(instance)

    @staticmethod
    def open_task(instance: ProcessInstance) -> HumanTask:
        return instance_tasks(instance=instance).get(status=TaskStatus.OPEN)

    def due(self, task: HumanTask, days: int | None, level: Level = Level.NONE) -> None:
        """Demo data only: the diagrams set no deadline, so give the task one, and the ladder level it would
        have reached, with a queryset update. The ladder carries on from there."""
        if days is None:
            return
        if days < 0:
            past = timezone.localtime(self.now - timedelta(days=-days))
            due_at = past.replace(hour=18, minute=0, second=0, microsecond=0)
        else:
            due_at = calendar().add_working_days(self.now, days).at
        task.due_at, task.escalation_level = due_at, level
        task.sla_started_at = self.now - timedelta(days=9) if level else self.now
        escalation_schedule(task, self.now)
        HumanTask.objects.filter(pk=task.pk).update(
            due_at=task.due_at,
            sla_started_at=task.sla_started_at,
            escalation_level=task.escalation_level,
            next_escalation_at=task.next_escalation_at,
        )

    def approval(self, business_key: str, starter: str, title: str, fate: str, days: int | None, level: Level) -> None:
        task = self.start("approval", business_key, starter, DATA_AUTHORITY, title)
        self.due(task, days, level)
        if fate == "waiting":
            return
        reviewer = self.actors["reviewer1"]
        human_task_claim(task_id=task.pk, actor=reviewer)
        if fate == "reminded":
            human_task_comment(task_id=task.pk, actor=reviewer, text="申请单位补充的接口说明尚未收到，已电话催问。")
            task_remind(task_id=task.pk, actor=self.actors["supervisor1"], message="已逾期，请今天内办结。")
        elif fate == "extension":
            reason = "需与申请单位核对共享字段范围。"
            extension_request(task_id=task.pk, actor=reviewer, working_days=3, reason=reason)
        elif fate == "draft":
            draft = {"approved": True, "opinion": "材料齐全，拟同意"}
            human_task_save_draft(task_id=task.pk, actor=reviewer, data=draft)
        elif fate in ("approved", "rejected"):
            opinion = "材料齐全，同意共享。" if fate == "approved" else "申请用途不明确，不予通过。"
            data = {"approved": fate == "approved", "opinion": opinion}
            human_task_complete(task_id=task.pk, actor=reviewer, data=data)

    def material_filled(self, business_key: str, starter: str, department: str, title: str) -> HumanTask:
        """The clerk lists the materials (a repeating group) and attaches a scan; the review that follows is
        改派 by the supervisor to reviewer1 (the department has no reviewer of its own). Returns the review."""
        clerk = self.actors[starter]
        fill = self.start("material_submission", business_key, starter, department, title)
        self.due(fill, 5)
        human_task_claim(task_id=fill.pk, actor=clerk)
        scan = SimpleUploadedFile(
            "营业执照扫描件.pdf", tiny_pdf(f"Tongban demo scan {business_key}"), "application/pdf"
        )
        attachment = attachment_add(task_id=fill.pk, actor=clerk, upload=scan, field="scans", note="盖章扫描件")
        data = {"materials": MATERIALS, "scans": [attachment_ref(attachment.pk)], "remark": "纸质件已邮寄。"}
        human_task_complete(task_id=fill.pk, actor=clerk, data=data)
        review = self.open_task(fill.instance)
        self.due(review, 5)
        tasks_reassign(task_ids=[review.pk], actor=self.actors["supervisor1"], to_username="reviewer1")
        return review

    def materials(self) -> None:
        self.material_filled("DEMO-CL-01", "clerk1", MARKET, "数据资源目录材料报送")
        returned = self.material_filled("DEMO-CL-02", "clerk1", MARKET, "公共数据开放清单材料报送")
        opinion = "营业执照扫描件不清晰，请重新上传并补充数据安全承诺书原件。"
        human_task_return(task_id=returned.pk, actor=self.actors["reviewer1"], opinion=opinion)
        self.due(self.open_task(self.started[-1]), 3)  # the re-opened 填报, back with clerk1
        clerk2 = self.actors["clerk2"]
        fill = self.start("material_submission", "DEMO-CL-03", "clerk2", CIVIL, "社会救助数据目录材料报送")
        self.due(fill, 7)
        human_task_claim(task_id=fill.pk, actor=clerk2)
        draft = {"materials": [{"name": "社会救助对象数据目录", "copies": 1, "kind": "电子件"}], "remark": ""}
        human_task_save_draft(task_id=fill.pk, actor=clerk2, data=draft)

    # One transaction: a failure leaves no half-made demo, which the next run would take as done. The
    # service job of the approved case and the notifications go out when it commits.
    @transaction.atomic
    def run(self) -> list[ProcessInstance]:
        for case in APPROVALS:
            self.approval(*case)
        self.materials()
        return self.started


def _what_to_see(reviewer: Actor) -> list[tuple[str, str]]:
    """Who to log in as, and what they find."""
    mine = inbox_for_actor(reviewer, scope="mine").count()
    group = inbox_for_actor(reviewer, scope="group").count()
    done = inbox_tab_tasks(reviewer, tab="done").count()
    applications = sum(starter == "applicant1" for _key, starter, *_rest in APPROVALS)
    return [
        (
            "reviewer1",
            f"工作台: 我的待办 {mine} (red 逾期 with a 催办, yellow 预警 with a 延期申请, a draft, a 改派 材料报送),"
            f" 待签收 {group}, 已办 {done}; the bell 通知: 催办, 改派",
        ),
        ("clerk1", "我的待办: a 材料报送 returned 退回 with the reviewer's opinion; 我发起的: his cases"),
        ("clerk2", "我的待办: a material list (repeating group) saved as a draft"),
        ("applicant1", f"我发起的: {applications} applications (waiting, 已通过, 未通过)"),
        ("supervisor1", "督办 /supervision/: 预警 and 逾期 lists, 1 延期申请 to decide, 晾晒 (pick this month)"),
        ("auditor1", "审计 /audit/: every step above, chain verification, export"),
        ("admin", "流程 /flows/: definitions, versions, incidents; and /admin/"),
    ]


class Command(BaseCommand):
    help = "Create demo cases in every state (idempotent: nothing is added when demo cases exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the site is served")

    def handle(self, *args: Any, base_url: str = "http://127.0.0.1:8000", **options: Any) -> None:
        existing = demo_cases_count()
        if existing:
            self.stdout.write(
                f"Demo cases 演示案卷: {existing} already there ({DEMO_PREFIX}…); nothing added. 未新增。"
            )
            return
        seeder = Seeder(now=timezone.now())
        started = seeder.run()
        keys = sorted({instance.definition.key for instance in started})
        counts = ", ".join(f"{key} {sum(i.definition.key == key for i in started)}" for key in keys)
        self.stdout.write(f"Demo cases 演示案卷: +{len(started)} ({counts})")
        self.stdout.write(f"Log in at {base_url.rstrip('/')}/accounts/login/ (the seed_demo password) as:")
        for username, what in _what_to_see(seeder.actors["reviewer1"]):
            self.stdout.write(f"  {username:<12} {what}")
