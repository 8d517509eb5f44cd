"""Test data builders: departments, roles, users with memberships, deployed diagrams."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from domain.directory.models import Department, Membership, Role
from processes.models import ProcessDefinition
from processes.ports import Actor, directory
from processes.services.definitions import definition_deploy

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def department(code: str = "330106", name: str = "西湖区大数据局", parent: Department | None = None) -> Department:
    dept, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name, "region_code": code[:6], "parent": parent}
    )
    return dept


def role(code: str, name: str = "") -> Role:
    obj, _ = Role.objects.get_or_create(code=code, defaults={"name": name or code})
    return obj


def user(username: str, *, roles: list[str] = (), dept: Department | None = None, **extra: Any) -> AbstractUser:  # type: ignore[assignment]
    obj = get_user_model().objects.create_user(username=username, password="pass12345", **extra)
    if roles:
        dept = dept or department()
        for code in roles:
            Membership.objects.create(user=obj, department=dept, role=role(code))
    return obj


def actor(u: Any) -> Actor:
    return directory().actor_for(u)


def deploy(name_or_xml: str, *, extra: dict[str, str] | None = None) -> ProcessDefinition:
    """Deploy bpmn/<name>.bpmn, tests/fixtures/<name>.bpmn, or raw XML."""
    if name_or_xml.lstrip().startswith("<"):
        xml = name_or_xml
    else:
        path = BPMN_DIR / f"{name_or_xml}.bpmn"
        if not path.exists():
            path = FIXTURES / f"{name_or_xml}.bpmn"
        xml = path.read_text("utf-8")
    files = dict(extra or {})
    return definition_deploy(bpmn_xml=xml, extra_files=files, file_name="test.bpmn").definition


def in_english(client: Any) -> Any:
    """The test client as after choosing English with the language switch (the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
