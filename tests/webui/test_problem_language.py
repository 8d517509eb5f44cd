"""Validation problems from the API (the modeler's problems list) are in the reader's language only:
"服务任务缺少处理器…" for Chinese, "A service task needs an operator…" for English, never both."""

from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

APPROVAL = (f.BPMN_DIR / "approval.bpmn").read_text("utf-8")
NO_OPERATOR = APPROVAL.replace(
    '<spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="decision">',
    "<spiffworkflow:x>",
).replace("</spiffworkflow:serviceTaskOperator>", "</spiffworkflow:x>")


def _errors(language: str, xml: str) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(f.user(f"admin_{language}", is_staff=True))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/api/definitions/validate/", {"bpmn_xml": xml}, format="json")
    assert response.status_code == 200 and response.data["ok"] is False
    return list(response.data["errors"])


@pytest.mark.parametrize(
    ("language", "xml", "shown", "hidden"),
    [
        ("", NO_OPERATOR, "服务任务缺少处理器", "A service task needs an operator"),
        ("en", NO_OPERATOR, "A service task needs an operator", "服务任务缺少处理器"),
        ("", APPROVAL.replace("approved == True", "${order.size()}"), "不支持方法或函数调用", "method"),
        ("en", APPROVAL.replace("approved == True", "${order.size()}"), "method and function calls", "不支持"),
    ],
)
def test_each_problem_is_shown_in_the_readers_language(language: str, xml: str, shown: str, hidden: str) -> None:
    """A Chinese reader sees the Chinese half, an English reader the English half, reason included."""
    (problem,) = _errors(language, xml)
    assert shown in problem["message"] and hidden not in problem["message"]
    assert " / " not in problem["message"]
