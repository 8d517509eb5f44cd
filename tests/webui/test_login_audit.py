"""Logins and failed logins are part of the audit trail (without the password)."""

import pytest
from django.test import Client

from processes.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_login_and_failed_login_are_audited() -> None:
    f.user("clerk")
    client = Client()
    assert not client.login(username="clerk", password="wrong-password")
    assert client.login(username="clerk", password="pass12345")
    events = list(AuditEvent.objects.values_list("action", "actor"))
    assert events == [("login_failed", "clerk"), ("login", "clerk")]
    assert "wrong-password" not in str(AuditEvent.objects.values_list("payload", flat=True))
