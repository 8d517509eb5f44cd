"""`{% person %}`: people appear by full name (username on hover), escaped, with a stand-in for nobody."""

import pytest
from django.template import Context, Template

from tests import factories as f

pytestmark = pytest.mark.django_db


def render(user: object, nobody: str = "") -> str:
    source = "{% load tongban %}" + ("{% person user nobody %}" if nobody else "{% person user %}")
    return Template(source).render(Context({"user": user, "nobody": nobody}))


def test_full_name_with_the_username_on_hover_and_escaped() -> None:
    zhou = f.user("zhou", first_name="<b>周", last_name="敏</b>")
    assert render(zhou) == '<span title="zhou">&lt;b&gt;周 敏&lt;/b&gt;</span>'
    assert render(f.user("li")) == '<span title="li">li</span>'  # no name: the username


def test_nobody() -> None:
    assert render(None) == "—"
    assert render(None, "待签收") == "待签收"
