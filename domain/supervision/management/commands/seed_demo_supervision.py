"""manage.py seed_demo_supervision: 督查事项 and a 绩效通 assessment, so that both have something to show.

Run after `seed_demo` (the people) and `deploy_bpmn` (the supervision_task diagram). The office (office1)
registers and dispatches items and the units' handlers (handler1, handler2) sign and report through the
same services their clicks go through; each step's service jobs run when it commits, so there is no outer
transaction. Two shortcuts, both demo-only: a progress report is recorded at once through the service
the 进展报告 step calls (the diagram asks for one only after the report cycle), and the overdue item gets
a due time in the past with a queryset update, as seed_demo_cases does for its tasks. Never run it on a
production database.

Idempotent: each item is looked up by its DEMO- 文号 and the assessment by its system's name; what exists is
not added again. Without the diagram only the item that stays in 立项 is made; a later run adds the rest.
With no outer transaction an item whose steps fail halfway stays as it is: start again from a fresh database.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from domain.performance import services as perf
from domain.performance.models import IndicatorSystem, RoundUnit
from domain.supervision import services as sup
from domain.supervision.models import SupervisionItem, SupervisionUnit
from processes.models import HumanTask, ProcessDefinition, TaskStatus
from processes.ports import Actor, directory
from processes.services.escalation import Level, escalation_schedule
from processes.services.inbox import human_task_complete

USERNAMES = ("office1", "handler1", "handler2", "perf1", "expert1")
OFFICE, MARKET, CIVIL, DATA_AUTHORITY, CITY = "330106-DCS", "330106-SCJG", "330106-MZ", "330106-DSJ", "330100"
JOB_WAIT_SECONDS = 30  # with a Celery worker (not eager) the service jobs run elsewhere: wait for them

# (文号, title, source, urgency, lead unit, co-units, what becomes of it)
ItemSpec = tuple[str, str, str, str, str, tuple[str, ...], str]
ITEMS: list[ItemSpec] = [
    ("DEMO-DB-01", "推进市场主体登记数据跨部门共享", "leader_instruction", "urgent", MARKET, (CIVIL,), "problem"),
    ("DEMO-DB-02", "食品经营许可数据归集整改", "document", "normal", MARKET, (), "on_time"),
    ("DEMO-DB-03", "养老服务设施建设进度督查", "minutes", "difficult", CIVIL, (), "registered"),
    ("DEMO-DB-04", "低保对象动态核查数据回流", "key_task", "urgent", CIVIL, (), "overdue"),
]
REQUIREMENTS = "按督办要求按期办结，每个报告周期报送进展，遇到问题及时报告督查室。"

SYSTEM_NAME = "演示：政务数据共享开放评估"
TIMELY = [{"at_least": "95", "ratio": "1"}, {"at_least": "80", "ratio": "0.8"}]
OPEN_SHARE = [{"at_least": "60", "ratio": "1"}, {"at_least": "30", "ratio": "0.5"}]
# (code, parent, name, weight = full score, rule): dimensions sum to 100, children to their parent.
NODES: list[tuple[str, str | None, str, str, dict[str, Any]]] = [
    ("D1", None, "数据共享", "60", {}),
    ("I1", "D1", "共享目录", "40", {}),
    ("P1", "I1", "共享率", "25", {"rule": "formula", "expression": "shared_count / total_count * max_score"}),
    ("P2", "I1", "及时率", "15", {"rule": "threshold", "expression": "timely_rate", "thresholds": TIMELY}),
    ("I2", "D1", "共享质量", "20", {}),
    ("P3", "I2", "专家评价", "20", {"rule": "manual"}),
    ("D2", None, "数据开放", "40", {}),
    ("I3", "D2", "开放数据集", "40", {}),
    ("P4", "I3", "开放数量", "20", {"rule": "formula", "expression": "min(max_score, open_sets * 0.5)"}),
    ("P5", "I3", "开放比例", "10", {"rule": "threshold", "expression": "open_rate", "thresholds": OPEN_SHARE}),
    ("P6", "I3", "接口调用", "10", {"rule": "formula", "expression": "min(max_score, api_calls / 100)"}),
]
FIELDS = [
    ("total_count", "目录总数", "number"),
    ("shared_count", "已共享目录数", "number"),
    ("timely_rate", "共享及时率", "percent"),
    ("open_sets", "开放数据集数", "number"),
    ("open_rate", "开放比例", "percent"),
    ("api_calls", "接口调用次数", "number"),
]
# Per department code: the data, in FIELDS order, and the expert's score on P3. CITY is the benchmark (对标).
VALUES: dict[str, tuple[tuple[int, ...], str]] = {
    DATA_AUTHORITY: ((120, 108, 97, 36, 65, 1200), "18"),
    MARKET: ((80, 56, 88, 22, 40, 640), "15"),
    CIVIL: ((60, 30, 75, 12, 25, 300), "12.5"),
    CITY: ((200, 190, 98, 60, 80, 3000), "19"),
}


@dataclass
class People:
    actors: dict[str, Actor]
    departments: dict[str, int]

    @classmethod
    def load(cls) -> "People":
        users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
        missing = [name for name in USERNAMES if name not in users]
        departments = {}
        for code in (OFFICE, MARKET, CIVIL, DATA_AUTHORITY, CITY):
            department_id = directory().department_id_for_code(code)
            if department_id is None:
                missing.append(code)
            else:
                departments[code] = department_id
        if missing:
            raise CommandError(f"演示目录不完整，请先运行 manage.py seed_demo / missing {', '.join(missing)}")
        return cls({name: directory().actor_for(user) for name, user in users.items()}, departments)


def open_task(item: SupervisionItem, element_id: str, department: int) -> HumanTask:
    """The item's open `element_id` task of `department`, once the service jobs before it have run."""
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    while True:
        task = HumanTask.objects.filter(
            instance__business_key=f"supervision-{item.pk}",
            element_id=element_id,
            department_id=department,
            status=TaskStatus.OPEN,
        ).first()
        if task is not None:
            return task
        if time.monotonic() > deadline:
            raise CommandError(f"{item.title}: 「{element_id}」 did not open; are the service jobs running?")
        time.sleep(0.2)


@dataclass
class ItemSeeder:
    people: People

    def actor(self, name: str) -> Actor:
        return self.people.actors[name]

    def complete(self, item: SupervisionItem, element_id: str, department: str, who: str, data: dict[str, Any]) -> None:
        task = open_task(item, element_id, self.people.departments[department])
        human_task_complete(task_id=task.pk, actor=self.actor(who), data=data)

    def seed(self, spec: ItemSpec) -> SupervisionItem:
        reference, title, source, urgency, lead, co, fate = spec
        fields = sup.ItemFields(
            title=title,
            source=source,
            urgency=urgency,
            requirements=REQUIREMENTS,
            lead_department_id=self.people.departments[lead],
            co_department_ids=[self.people.departments[code] for code in co],
            source_reference=reference,
        )
        office = self.people.departments[OFFICE]
        item = sup.item_create(fields=fields, office_id=office, actor=self.actor("office1"))
        if fate == "registered":
            due_on = timezone.localdate() + timedelta(days=14)
            sup.milestone_add(item_id=item.pk, name="完成选址和可行性论证", due_on=due_on, actor=self.actor("office1"))
            return item
        sup.item_dispatch(item_id=item.pk, actor=self.actor("office1"))
        if fate == "problem":
            self.complete(item, "accept", MARKET, "handler1", {"contact": "林芳", "phone": "0571-87000001"})
            self.problem_report(item)
        elif fate == "on_time":
            self.complete(item, "accept", MARKET, "handler1", {"contact": "林芳"})
            summary = {"summary": "已完成许可数据归集，共 1,260 条，已挂接共享目录。", "reporter": "林芳"}
            self.complete(item, "handle", MARKET, "handler1", summary)
            self.complete(item, "review", OFFICE, "office1", {"approved": True, "opinion": "办理到位，同意办结。"})
        elif fate == "overdue":
            self.complete(item, "accept", CIVIL, "handler2", {"contact": "何军"})
            self.overdue(item)
        return item

    def problem_report(self, item: SupervisionItem) -> None:
        """handler1's first progress report, with a problem for 问题清单: recorded now through the service the
        进展报告 step calls, rather than after the report cycle's timer."""
        unit = item.units.get(department_id=self.people.departments[MARKET])
        problem = sup.ProblemInput(description="民政局婚姻登记接口尚未开放，无法比对法定代表人信息。", owner="信息科")
        sup.progress_record(
            unit_id=unit.pk,
            text="已梳理登记数据项 86 个，完成共享目录编制，正在与民政局对接接口。",
            percent=40,
            problems=[problem],
            reporter="林芳",
            idempotency_key=f"seed_demo_supervision:{item.source_reference}:report",
            submitted_by_id=self.actor("handler1").user_id,
        )

    def overdue(self, item: SupervisionItem) -> None:
        """Demo data only: no item can be registered in the past, so its due time is moved to yesterday 18:00
        (item, unit and 办理 task alike) with queryset updates; the ladder has reached red."""
        now = timezone.now()
        due_at = timezone.localtime(now - timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
        task = open_task(item, "handle", self.people.departments[CIVIL])
        task.due_at, task.escalation_level, task.sla_started_at = due_at, Level.RED, now - timedelta(days=9)
        escalation_schedule(task, now)
        HumanTask.objects.filter(pk=task.pk).update(
            due_at=task.due_at,
            sla_started_at=task.sla_started_at,
            escalation_level=task.escalation_level,
            next_escalation_at=task.next_escalation_at,
        )
        SupervisionItem.objects.filter(pk=item.pk).update(due_at=due_at)
        SupervisionUnit.objects.filter(item=item).update(due_at=due_at)


def seed_items(people: People, deployed: bool) -> list[SupervisionItem]:
    """The items not there yet; only the one that stays in 立项 when the diagram is not deployed."""
    seeder, made = ItemSeeder(people), []
    existing = set(
        SupervisionItem.objects.filter(source_reference__startswith="DEMO-").values_list("source_reference", flat=True)
    )
    for spec in ITEMS:
        reference, fate = spec[0], spec[-1]
        if reference in existing or (fate != "registered" and not deployed):
            continue
        made.append(seeder.seed(spec))
    return made


def demo_round_unit() -> RoundUnit | None:
    """市场监管局 in the demo round: the unit whose result and 对标 the printed link opens."""
    return RoundUnit.objects.filter(round__system__name=SYSTEM_NAME, department__code=MARKET).first()


@transaction.atomic
def seed_assessment(people: People) -> bool:
    """A published system, a round over three units and a benchmark, data, expert scores, scored by perf1.
    False when the system is there already."""
    if IndicatorSystem.objects.filter(name=SYSTEM_NAME).exists():
        return False
    year = timezone.localdate().year
    organiser, departments = people.actors["perf1"], people.departments
    system = perf.system_create(name=SYSTEM_NAME, year=year, description="演示数据", actor=organiser)
    nodes: dict[str, Any] = {}
    for code, parent, name, weight, rule in NODES:
        parent_id = nodes[parent].pk if parent else None
        nodes[code] = perf.node_add(
            system_id=system.pk, parent_id=parent_id, name=name, weight=weight, code=code, actor=organiser, **rule
        )
    perf.system_publish(system_id=system.pk, actor=organiser)
    assessment = perf.round_create(
        actor=organiser,
        system_id=system.pk,
        name=f"{year} 年度政务数据共享开放评估",
        period=f"{year}年度",
        unit_ids=[departments[code] for code in (DATA_AUTHORITY, MARKET, CIVIL)],
        benchmark_ids=[departments[CITY]],
    )
    for name, label, kind in FIELDS:
        perf.round_field_add(actor=organiser, round_id=assessment.pk, name=name, label=label, kind=kind)
    for code, (values, manual) in VALUES.items():
        unit = RoundUnit.objects.get(round=assessment, department_id=departments[code])
        data = dict(zip((name for name, _label, _kind in FIELDS), values, strict=True))
        perf.values_submit(actor=organiser, unit_id=unit.pk, values=data)
        perf.manual_score_enter(
            unit_id=unit.pk,
            node_id=nodes["P3"].pk,
            score=Decimal(manual),
            comment="材料齐全，质量较好",
            actor=people.actors["expert1"],
        )
    perf.round_collection_close(actor=organiser, round_id=assessment.pk)
    perf.round_score(actor=organiser, round_id=assessment.pk)
    return True


def _what_to_see(unit: RoundUnit | None) -> list[tuple[str, str]]:
    """Who to log in as, and what they find."""
    round_path = f"/performance/rounds/{unit.round_id}/" if unit else "/performance/rounds/"
    result = f"{round_path}units/{unit.pk}/" if unit else round_path
    return [
        (
            "office1",
            "/supervision/items/ (立项, 办理中, red 逾期, 已办结), /supervision/problems/, /supervision/ranking/",
        ),
        ("handler1", "工作台: 办理 a 督查事项; /supervision/items/: the item with his 进展报告 and its problem"),
        ("handler2", "工作台: 签收 a 督查事项, and a red 逾期 办理 task"),
        ("perf1", f"/performance/: the scored round {round_path}ranking/, a unit's result and 对标 {result}"),
        ("expert1", f"/performance/: his 专家评分 {round_path}manual/"),
    ]


class Command(BaseCommand):
    help = "Create demo 督查事项 and a 绩效通 assessment (idempotent: what exists is not added again)."

    def handle(self, *args: Any, **options: Any) -> None:
        people = People.load()
        deployed = ProcessDefinition.objects.filter(key=sup.PROCESS_KEY).exists()
        if not deployed:
            self.stdout.write(
                f"督查事项: the {sup.PROCESS_KEY} diagram is not deployed (run manage.py deploy_bpmn);"
                " only the item in 立项 is made, the rest on a later run. 流程未部署。"
            )
        items = seed_items(people, deployed)
        assessed = seed_assessment(people)
        if not items and not assessed:
            self.stdout.write("Demo 督查督办/绩效通: already there (DEMO-DB-…, 演示评估); nothing added. 未新增。")
            return
        self.stdout.write(f"Demo 督查事项: +{len(items)} ({', '.join(i.source_reference for i in items) or '—'})")
        self.stdout.write(f"Demo 绩效通: {'+1 scored round 已评分' if assessed else 'already there 未新增'}")
        self.stdout.write("Log in (the seed_demo password) as:")
        for username, what in _what_to_see(demo_round_unit()):
            self.stdout.write(f"  {username:<12} {what}")
