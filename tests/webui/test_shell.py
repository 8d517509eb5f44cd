"""The web UI shell: login with throttling, the Site's applications, language switch, workbench."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from processes.models import AuditEvent
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDERS = ["/services/", "/policy/"]


@pytest.fixture(scope="session")
def english_catalog() -> bool:
    """Compile the project's catalogues if missing or stale, as `make setup` does (Babel, no msgfmt)."""
    from django.utils.translation import trans_real

    from scripts.compile_messages import main as compile_messages

    compile_messages()
    trans_real._translations = {}  # type: ignore[attr-defined]
    return (LOCALE / "en" / "LC_MESSAGES" / "django.mo").exists()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """The throttle counts in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def clerk_client() -> Client:
    f.user("clerk", roles=["reviewer"], dept=f.department())
    client = Client()
    client.post(LOGIN, {"username": "clerk", "password": "pass12345"})
    return client


def test_anonymous_user_is_sent_to_login() -> None:
    response = Client().get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/workbench/"
    assert Client().get(LOGIN).status_code == 200


def test_login_shows_the_users_departments_and_roles() -> None:
    """After logging in the clerk lands in the shell, which names their department and role."""
    dept = f.department(name="西湖区大数据局")
    f.role("reviewer", "审核员")
    f.user("clerk", roles=["reviewer"], dept=dept)
    client = Client()
    response = client.post(LOGIN, {"username": "clerk", "password": "pass12345"}, follow=True)
    assert response.redirect_chain[0][0] == "/"
    html = response.content.decode()
    assert "西湖区大数据局 · 审核员" in html
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["login"]


def test_sixth_wrong_password_is_refused_with_a_message() -> None:
    """Five failures lock the username for 15 minutes: even the right password is then refused."""
    f.user("clerk")
    client = Client()
    for _ in range(5):
        response = client.post(LOGIN, {"username": "clerk", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "clerk", "password": "pass12345"})
    assert "登录失败次数过多，请 15 分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["login_failed"] * 5 + ["login_throttled"]


def test_failures_from_one_address_lock_it_only_at_the_higher_limit() -> None:
    """Colleagues behind one NAT address: five wrong guesses at other usernames do not lock a colleague out;
    only TONGBAN["LOGIN_MAX_FAILURES_PER_IP"] (50) failures from the address lock the address itself."""
    assert settings.TONGBAN["LOGIN_MAX_FAILURES_PER_IP"] == 50
    f.user("clerk")
    client = Client()
    for i in range(5):
        client.post(LOGIN, {"username": f"guess{i}", "password": "wrong"})
    client.post(LOGIN, {"username": "clerk", "password": "pass12345"})
    assert "_auth_user_id" in client.session
    client.logout()
    for i in range(5, 50):
        client.post(LOGIN, {"username": f"guess{i}", "password": "wrong"})
    response = client.post(LOGIN, {"username": "clerk", "password": "pass12345"})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_username_locked_from_one_address_still_logs_in_from_another() -> None:
    """Five failures lock that username from that address only: its owner logs in from elsewhere."""
    f.user("clerk")
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="203.0.113.5")
    response = client.post(LOGIN, {"username": "clerk", "password": "pass12345"}, REMOTE_ADDR="203.0.113.5")
    assert "登录失败次数过多" in response.content.decode() and "_auth_user_id" not in client.session
    client.post(LOGIN, {"username": "clerk", "password": "pass12345"}, REMOTE_ADDR="198.51.100.7")
    assert "_auth_user_id" in client.session


def test_forwarded_for_is_believed_only_behind_trusted_proxies(settings) -> None:  # type: ignore[no-untyped-def]
    """Without trusted proxies X-Forwarded-For is the client's own claim and is ignored; behind one proxy the
    client is the header's last entry (what the proxy wrote), whatever the client put before it."""
    f.user("clerk")
    client = Client()
    for i in range(5):  # a new forged address each time: still one client (REMOTE_ADDR)
        client.post(LOGIN, {"username": "clerk", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}")
    response = client.post(LOGIN, {"username": "clerk", "password": "pass12345"}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert "登录失败次数过多" in response.content.decode()

    cache.clear()
    settings.TONGBAN = {**settings.TONGBAN, "TRUSTED_PROXY_COUNT": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for i in range(5):  # forged entries on the left change nothing: the proxy's entry is the client
        forged = f"198.18.0.{i}, 203.0.113.5"
        client.post(LOGIN, {"username": "clerk", "password": "wrong"}, HTTP_X_FORWARDED_FOR=forged, **proxy)
    locked = client.post(
        LOGIN, {"username": "clerk", "password": "pass12345"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
    )
    assert "登录失败次数过多" in locked.content.decode() and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").last().payload["ip"] == "203.0.113.5"  # type: ignore[union-attr]
    # Another client behind the same proxy is not locked out.
    client.post(LOGIN, {"username": "clerk", "password": "pass12345"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert "_auth_user_id" in client.session


def test_language_switch_changes_labels_to_english(clerk_client: Client, english_catalog: bool) -> None:
    assert english_catalog, "the English catalogue compiles at setup"
    html = clerk_client.get("/workbench/").content.decode()
    assert "我的待办" in html and "应用" in html
    response = clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/"})
    assert response.status_code == 302
    html = clerk_client.get("/workbench/").content.decode()
    assert "My tasks" in html and "我的待办" not in html
    assert 'action="/i18n/setlang/"' in html and "csrfmiddlewaretoken" in html


def test_chinese_is_shown_whatever_the_browser_asks_until_english_is_chosen(
    clerk_client: Client, english_catalog: bool
) -> None:
    """A browser set up in English still gets Chinese pages; only the switch (its cookie) changes that."""
    assert english_catalog
    html = clerk_client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的待办" in html and 'lang="zh-hans"' in html
    clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/"})
    html = clerk_client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "My tasks" in html and 'lang="en"' in html
    clerk_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/workbench/"})
    assert "我的待办" in clerk_client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize("url", PLACEHOLDERS)
def test_placeholder_applications_answer(clerk_client: Client, url: str) -> None:
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert "建设中" in response.content.decode()


def test_workbench_lists_only_tasks_the_user_may_act_on() -> None:
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    f.deploy(chain("catalogue_entry", user_task("编目资源", "cataloguer")))
    instance_start(process_key="material_review", actor=f.actor(clerk), department_id=dept.pk)
    instance_start(process_key="catalogue_entry", actor=f.actor(clerk), department_id=dept.pk)
    client = Client()
    client.force_login(clerk)
    html = client.get("/workbench/").content.decode()
    assert "审核材料" in html and "编目资源" not in html
    rows = re.findall(r"<tr [^>]*data-task-id=.*?</tr>", html, re.S)
    assert len(rows) == 1 and "material_review" in rows[0]


def test_pages_load_nothing_from_other_hosts(clerk_client: Client) -> None:
    """Only this server, and XML namespace names (never fetched), appear as absolute URLs."""
    auditor = Client()
    f.user("auditor", roles=["auditor"], dept=f.department())
    auditor.login(username="auditor", password="pass12345")
    pages = [clerk_client.get("/workbench/"), auditor.get("/audit/"), Client().get(LOGIN)]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        hosts = set(re.findall(r"https?://([^/\"'\s>]+)", html))
        assert hosts <= {"testserver", "www.w3.org"}, hosts


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/supervision/", "您不是任何部门的督办人，因此没有可督办的任务"),
        ("/audit/", "仅审计人员可查看审计记录"),
    ],
)
def test_supervision_and_audit_explain_themselves_to_a_clerk(clerk_client: Client, url: str, reason: str) -> None:
    """Clerks are neither supervisors nor auditors: a 403 page that says why (which role is missing), not
    a crash and not a bare "forbidden"."""
    response = clerk_client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert reason in html
    assert "Traceback" not in html


def test_a_page_number_that_is_not_a_plain_number_shows_the_first_page(clerk_client: Client) -> None:
    """?page=² (a digit to str.isdigit, not to int) or ?page=٣ (Arabic-Indic) is ignored, never a server error."""
    for raw in ("²", "٣", "-1", "9" * 20):
        assert clerk_client.get("/notifications/", {"page": raw}).status_code == 200, raw
        assert clerk_client.get("/audit/", {"page": raw}).status_code in (200, 302, 403), raw
