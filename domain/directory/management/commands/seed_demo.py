"""manage.py seed_demo: a small, realistic directory for trying Tongban out.

Idempotent: everything is looked up by its natural key (department code, role code, username)
and created only when missing, so running it twice changes nothing. Existing users keep their
password unless --reset-passwords is given. Demo data only: never run it on a production database.
"""

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from domain.directory.models import Department, Membership, Role

DEFAULT_PASSWORD = "tongban123"  # noqa: S105  (a demo password, printed to the console on purpose)

# (code, name, region code, parent code): parents come before their children.
DEPARTMENTS: list[tuple[str, str, str, str | None]] = [
    ("330000", "浙江省", "330000", None),
    ("330100", "杭州市", "330100", "330000"),
    ("330106", "西湖区", "330106", "330100"),
    ("330106-DSJ", "西湖区大数据局", "330106", "330106"),
    ("330106-SCJG", "西湖区市场监管局", "330106", "330106"),
    ("330106-MZ", "西湖区民政局", "330106", "330106"),
    ("330106-DCS", "西湖区政府督查室", "330106", "330106"),
]

ROLES: list[tuple[str, str, str]] = [
    ("reviewer", "审核员", "审核本部门受理的申请与编目 / reviews requests and catalogue entries of the department"),
    ("cataloguer", "编目员", "编制和维护本部门的数据资源目录 / compiles the department's data catalogue"),
    ("data_lead", "数据负责人", "本部门数据工作负责人，审批共享与发布 / the department's data officer"),
    ("platform_reviewer", "平台审核员", "数据平台一级审核 / review on behalf of the data platform"),
    ("supervisor", "督办人", "督办下级部门的待办与时限 / watches deadlines across the department subtree"),
    ("auditor", "审计员", "查询、核验和导出审计记录 / searches, verifies and exports the audit trail"),
    ("operator", "运维", "处理异常、重试或跳过服务任务 / handles incidents, retries or skips service tasks"),
    ("designer", "流程设计员", "设计、校验和部署流程 / draws, validates and deploys processes"),
    (
        "supervision_office",
        "督查员",
        "督查事项立项、交办、审核和销号 / registers, assigns, reviews and closes supervision items",
    ),
    ("supervision_handler", "承办人", "本单位督查事项的签收、进展报告和办结 / handles the unit's supervision items"),
    (
        "performance_organiser",
        "绩效评估组织员",
        "建指标体系、开展评估、评分和发起整改 / builds indicator systems, runs assessment rounds and scores them",
    ),
    ("performance_expert", "评审专家", "绩效评估中的专家评分 / enters the expert scores of assessment rounds"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    memberships: tuple[tuple[str, str], ...] = ()  # (department code, role code)
    superuser: bool = False


USERS: list[DemoUser] = [
    DemoUser("admin", "系统管理员", (("330106-DSJ", "operator"),), superuser=True),
    DemoUser("reviewer1", "王芳", (("330106-DSJ", "reviewer"),)),
    DemoUser("platform1", "陈静", (("330106-DSJ", "platform_reviewer"),)),
    DemoUser("clerk1", "李强", (("330106-SCJG", "cataloguer"),)),
    DemoUser("lead1", "周敏", (("330106-SCJG", "data_lead"),)),
    DemoUser("clerk2", "刘洋", (("330106-MZ", "cataloguer"),)),
    DemoUser("supervisor1", "赵磊", (("330106", "supervisor"),)),
    DemoUser("auditor1", "孙丽", (("330106-DSJ", "auditor"),)),
    DemoUser("designer1", "郑洁", (("330106-DSJ", "designer"),)),
    DemoUser("office1", "黄伟", (("330106-DCS", "supervision_office"),)),
    DemoUser("handler1", "林芳", (("330106-SCJG", "supervision_handler"),)),
    DemoUser("handler2", "何军", (("330106-MZ", "supervision_handler"),)),
    DemoUser("perf1", "许静", (("330106-DCS", "performance_organiser"),)),
    DemoUser("expert1", "钱博", (("330106-DCS", "performance_expert"),)),
    DemoUser("applicant1", "吴涛（企业申请人）"),
]


@dataclass
class SeedResult:
    created: dict[str, int]
    logins: list[tuple[str, str, str, str]]  # username, password, departments, roles


@transaction.atomic
def demo_directory_seed(*, password: str, reset_passwords: bool = False) -> SeedResult:
    """Create whatever part of the demo directory is missing; return what was created and the logins."""
    created = {"departments": 0, "roles": 0, "users": 0, "memberships": 0}
    departments: dict[str, Department] = {}
    for code, name, region_code, parent_code in DEPARTMENTS:
        parent = departments[parent_code] if parent_code else None
        dept, new = Department.objects.get_or_create(
            code=code, defaults={"name": name, "region_code": region_code, "parent": parent}
        )
        departments[code], created["departments"] = dept, created["departments"] + new
    roles: dict[str, Role] = {}
    for code, name, description in ROLES:
        role, new = Role.objects.get_or_create(code=code, defaults={"name": name, "description": description})
        roles[code], created["roles"] = role, created["roles"] + new

    logins = []
    for spec in USERS:
        user, user_created = _user_get_or_create(spec, password=password, reset_password=reset_passwords)
        created["users"] += user_created
        for dept_code, role_code in spec.memberships:
            _membership, new = Membership.objects.get_or_create(
                user=user, department=departments[dept_code], role=roles[role_code]
            )
            created["memberships"] += new
        logins.append(_login_row(spec, password=password))
    return SeedResult(created=created, logins=logins)


def _user_get_or_create(spec: DemoUser, *, password: str, reset_password: bool) -> tuple[AbstractBaseUser, bool]:
    User = get_user_model()
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        extra = {"first_name": spec.full_name}
        if spec.superuser:
            return User.objects.create_superuser(username=spec.username, password=password, **extra), True
        return User.objects.create_user(username=spec.username, password=password, **extra), True
    if reset_password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, False


def _login_row(spec: DemoUser, *, password: str) -> tuple[str, str, str, str]:
    # Read back from the database, so the table shows what is really there.
    rows = Membership.objects.filter(user__username=spec.username).select_related("department", "role")
    departments = sorted({m.department.name for m in rows})
    roles = sorted({f"{m.role.code}({m.role.name})" for m in rows})
    if spec.superuser:
        roles.insert(0, "superuser")
    return spec.username, password, "、".join(departments) or "—", ", ".join(roles) or "—"


def _demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create the demo departments, roles and users (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords", action="store_true", help="also set existing demo users' password to DEMO_PASSWORD"
        )

    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        result = demo_directory_seed(password=_demo_password(), reset_passwords=reset_passwords)
        summary = ", ".join(f"{kind} +{count}" for kind, count in result.created.items())
        self.stdout.write(f"Demo directory 演示数据: {summary}")
        self.stdout.write("")
        self.stdout.write(
            format_table(("username 用户名", "password 密码", "department 部门", "roles 角色"), result.logins)
        )
        if result.created["users"] < len(USERS) and not reset_passwords:
            self.stdout.write(
                "Users that already existed kept their password; `manage.py seed_demo --reset-passwords` "
                "sets it to DEMO_PASSWORD again. 已存在的用户密码未改动。"
            )
        self.stdout.write("")
        self.stdout.write("Log in at http://127.0.0.1:8000/ 登录网页 · admin pages at /admin/ · API docs at /api/docs/")
