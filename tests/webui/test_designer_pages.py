"""流程设计 pages: my drafts (新建空白流程, 从已部署流程打开, 上传 .bpmn, 删除) and the modeler page — open to
designers (staff or the designer role), 403 for everyone else, fixed query counts, CSRF on every POST,
nothing from another host, and user data escaped."""

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import ProcessDraft
from processes.services.designer import DRAFT_MAX_BYTES, draft_create, draft_save
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, the Camunda Modeler file's topic)
from tests.webui.test_page_quality import EXTERNAL, _forms_without_token

pytestmark = pytest.mark.django_db

DRAFTS = "/flows/designer/"
NEW = "/flows/designer/new/"
UPLOAD = "/flows/designer/upload/"
EVIL = "<script>alert(1)</script>"
CAMUNDA_FILE = (f.FIXTURES / "camunda_modeler.bpmn").read_bytes()


def client_for(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    dept = f.department()
    return {
        "designer": f.user("designer", roles=["designer"], dept=dept),
        "other": f.user("other_designer", roles=["designer"], dept=dept),
        "staff": f.user("ops", is_staff=True),
        "clerk": f.user("clerk", roles=["reviewer"], dept=dept),
    }


def modeler_url(draft: ProcessDraft) -> str:
    return f"/flows/designer/{draft.pk}/"


def config_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="designer-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the modeler page embeds its configuration"
    result: dict[str, Any] = json.loads(found.group(1))
    return result


def test_the_drafts_page_lists_my_drafts_and_offers_three_ways_to_start(people: dict[str, Any]) -> None:
    """A designer sees their own drafts (not a colleague's), newest first, and can start blank, open a
    deployed process, or upload a .bpmn; every form carries the CSRF token."""
    definition = f.deploy("approval")
    mine = draft_create(actor=f.actor(people["designer"]), from_definition_id=definition.pk)
    draft_create(actor=f.actor(people["other"]))

    response = client_for(people["designer"]).get(DRAFTS)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-draft-id=") == 1 and f'data-draft-id="{mine.pk}"' in html
    assert f'href="{modeler_url(mine)}"' in html and "approval v1" in html
    assert 'data-start="blank"' in html and 'data-start="definition"' in html and 'data-start="upload"' in html
    assert f'<option value="{definition.pk}">approval v1' in html
    assert 'enctype="multipart/form-data"' in html
    assert not _forms_without_token(html)


def test_new_blank_draft_opens_in_the_modeler(people: dict[str, Any]) -> None:
    """新建空白流程 creates a draft with one start event and goes straight to the modeler."""
    response = client_for(people["designer"]).post(NEW)

    draft = ProcessDraft.objects.get(owner=people["designer"])
    assert response.status_code == 302 and response["Location"] == modeler_url(draft)
    assert "startEvent" in draft.bpmn_xml and draft.base is None


def test_a_deployed_version_opens_as_a_draft_from_the_versions_page(people: dict[str, Any]) -> None:
    """On /flows/<key>/ each version has 在设计器中打开; it makes a draft based on that version."""
    first = f.deploy("approval")
    client = client_for(people["staff"])
    versions = client.get("/flows/approval/").content.decode()
    assert f'name="definition" value="{first.pk}"' in versions and "data-open-version=" in versions

    response = client.post(NEW, {"definition": str(first.pk)})

    draft = ProcessDraft.objects.get(owner=people["staff"])
    assert response.status_code == 302 and response["Location"] == modeler_url(draft)
    assert draft.base_id == first.pk and draft.key == "approval"


def test_opening_something_that_is_not_deployed_says_so(people: dict[str, Any]) -> None:
    """A definition id that does not exist (or is not a number) sends the designer back with a message."""
    client = client_for(people["designer"])
    for value in ["999999", "abc"]:
        response = client.post(NEW, {"definition": value}, follow=True)
        assert response.redirect_chain[-1][0] == DRAFTS
        assert 'class="tb-alert"' in response.content.decode()
    assert not ProcessDraft.objects.exists()


def test_upload_a_camunda_modeler_file_as_a_draft(people: dict[str, Any]) -> None:
    """上传 .bpmn: the file becomes a draft (camunda: attributes kept); something else is refused, with why."""
    client = client_for(people["designer"])
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("leave.bpmn", CAMUNDA_FILE)})
    draft = ProcessDraft.objects.get(owner=people["designer"])
    assert response["Location"] == modeler_url(draft)
    assert 'camunda:candidateGroups="dept_head,deputy_head"' in draft.bpmn_xml

    refused = client.post(UPLOAD, {"file": SimpleUploadedFile("notes.bpmn", b"hello")}, follow=True)
    assert refused.redirect_chain[-1][0] == DRAFTS
    assert "notes.bpmn" in refused.content.decode() and ProcessDraft.objects.count() == 1
    huge = SimpleUploadedFile("huge.bpmn", b"<" * (DRAFT_MAX_BYTES + 10))
    too_large = client.post(UPLOAD, {"file": huge}, follow=True)
    assert too_large.redirect_chain[-1][0] == DRAFTS and ProcessDraft.objects.count() == 1
    assert 'class="tb-alert"' in too_large.content.decode()


def test_delete_a_draft(people: dict[str, Any]) -> None:
    """删除 removes my draft; a colleague's draft cannot be deleted (404)."""
    mine = draft_create(actor=f.actor(people["designer"]))
    theirs = draft_create(actor=f.actor(people["other"]))
    client = client_for(people["designer"])

    assert client.post(f"/flows/designer/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/flows/designer/{mine.pk}/delete/")["Location"] == DRAFTS
    assert list(ProcessDraft.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_modeler_page_embeds_the_draft_and_what_the_script_needs(people: dict[str, Any]) -> None:
    """The page loads the modeler bundle from /static/, and gives the script the draft at its revision,
    the API addresses, the CSRF token and its texts in the page language."""
    draft = draft_create(actor=f.actor(people["designer"]), from_definition_id=f.deploy("approval").pk)
    response = client_for(people["designer"]).get(modeler_url(draft))

    html = response.content.decode()
    assert response.status_code == 200
    assert '/static/vendor/designer/designer.js"' in html and '/static/vendor/designer/designer.css"' in html
    assert 'name="turbo-visit-control" content="reload"' in html
    for action in ["save", "validate", "deploy", "download", "upload"]:
        assert f'data-action="{action}"' in html
    config = config_of(html)
    assert config["draft"]["id"] == draft.pk and config["draft"]["revision"] == draft.revision
    assert config["draft"]["bpmn_xml"] == draft.bpmn_xml and config["draft"]["base"] == {
        "key": "approval",
        "version": 1,
    }
    assert config["urls"]["draft"] == f"/api/designer/drafts/{draft.pk}/"
    assert config["urls"]["validate"] == f"/api/designer/drafts/{draft.pk}/validate/"
    assert config["urls"]["forms"] == f"/api/designer/forms/?draft={draft.pk}"
    assert config["urls"]["versions"] == "/flows/__KEY__/"
    assert config["language"] == "zh-hans" and config["strings"]["saving"] == "保存中…"
    assert config["csrfToken"]


def test_the_modeler_page_is_never_cached(people: dict[str, Any]) -> None:
    """Back to the modeler reloads it: a copy from the browser's cache would hold an old revision, and its
    first autosave would be refused as if another tab had saved."""
    draft = draft_create(actor=f.actor(people["designer"]))
    response = client_for(people["designer"]).get(modeler_url(draft))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


def test_the_modeler_speaks_english_when_the_user_chose_english(people: dict[str, Any]) -> None:
    """With English chosen, the page and every text handed to the script are English."""
    draft = draft_create(actor=f.actor(people["designer"]))
    client = f.in_english(client_for(people["designer"]))

    html = client.get(modeler_url(draft)).content.decode()

    config = config_of(html)
    assert config["language"] == "en"
    assert config["strings"]["saving"] == "Saving…" and config["strings"]["group"] == "Tongban"
    untranslated = [key for key, text in config["strings"].items() if re.search(r"[\u4e00-\u9fff]", text)]
    assert not untranslated, untranslated
    assert ">Validate<" in html and ">Deploy<" in html


def test_markup_in_a_draft_is_escaped(people: dict[str, Any]) -> None:
    """A process named with markup shows as text in the list and the page; the embedded XML cannot end
    its script block."""
    designer = people["designer"]
    draft = draft_create(actor=f.actor(designer))
    xml = draft.bpmn_xml.replace('name="新流程"', 'name="&lt;script&gt;alert(1)&lt;/script&gt;"')
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=xml, revision=draft.revision)
    client = client_for(designer)

    for url in [DRAFTS, modeler_url(draft)]:
        html = client.get(url).content.decode()
        assert EVIL not in html, url
        assert "&lt;script&gt;alert(1)" in html, url


def test_only_designers_get_in(people: dict[str, Any]) -> None:
    """A clerk gets a 403 page saying why, on every designer page and action; anonymous users go to the
    login page; staff and the designer role get in."""
    draft = draft_create(actor=f.actor(people["designer"]))
    clerk = client_for(people["clerk"])
    for url in [DRAFTS, modeler_url(draft)]:
        response = clerk.get(url)
        assert response.status_code == 403 and "流程设计人员" in response.content.decode(), url
    for url in [NEW, UPLOAD, f"/flows/designer/{draft.pk}/delete/"]:
        assert clerk.post(url).status_code == 403, url
    assert not ProcessDraft.objects.exclude(pk=draft.pk).exists() and ProcessDraft.objects.filter(pk=draft.pk).exists()

    anonymous = Client().get(DRAFTS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_for(people["staff"]).get(DRAFTS).status_code == 200
    assert client_for(people["staff"]).get(modeler_url(draft)).status_code == 200  # staff may help


def test_somebody_elses_draft_is_not_found(people: dict[str, Any]) -> None:
    """A designer cannot open a colleague's draft: 404, nothing revealed."""
    theirs = draft_create(actor=f.actor(people["other"]))
    assert client_for(people["designer"]).get(modeler_url(theirs)).status_code == 404


def test_every_post_needs_the_csrf_token(people: dict[str, Any]) -> None:
    """新建, 打开, 上传 and 删除 without the token are refused and change nothing; with it they work."""
    draft = draft_create(actor=f.actor(people["designer"]))
    client = client_for(people["designer"], csrf=True)
    posts = [(NEW, {}), (NEW, {"definition": "1"}), (UPLOAD, {}), (f"/flows/designer/{draft.pk}/delete/", {})]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403 and b"CSRF" in response.content, url
    assert ProcessDraft.objects.count() == 1

    client.get(DRAFTS)
    token = client.cookies["csrftoken"].value
    assert client.post(NEW, {"csrfmiddlewaretoken": token}).status_code == 302
    assert ProcessDraft.objects.count() == 2


def test_nothing_is_loaded_from_another_host(people: dict[str, Any]) -> None:
    """The drafts list, the modeler and the 403 page link and load only this server (the bundle is a
    static file built from npm packages, never a CDN)."""
    f.deploy("approval")
    draft = draft_create(actor=f.actor(people["designer"]))
    pages = [
        (people["designer"], DRAFTS),
        (people["designer"], modeler_url(draft)),
        (people["clerk"], DRAFTS),
        (people["staff"], "/flows/approval/"),
    ]
    for user, url in pages:
        html = client_for(user).get(url).content.decode()
        hosts = [found for found in EXTERNAL.findall(html) if not re.match(r"(?:https?:)?//testserver(?:/|$)", found)]
        assert not hosts, (url, hosts)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_the_drafts_page_costs_the_same_queries_however_many_drafts(people: dict[str, Any]) -> None:
    """One draft and one deployed process, or twelve drafts (some from versions) and three processes."""
    designer = people["designer"]
    draft_create(actor=f.actor(designer), from_definition_id=f.deploy("approval").pk)
    client = client_for(designer)
    client.get(DRAFTS)
    few = _queries(client, DRAFTS)

    for name in ["two_step", "camunda_modeler"]:
        definition = f.deploy(name)
        for _ in range(4):
            draft_create(actor=f.actor(designer), from_definition_id=definition.pk)
    for _ in range(3):
        draft_create(actor=f.actor(designer))

    assert client.get(DRAFTS).content.decode().count("data-draft-id=") == 12
    assert _queries(client, DRAFTS) == few


def test_the_modeler_page_costs_the_same_queries_for_a_blank_or_a_based_draft(people: dict[str, Any]) -> None:
    """A blank draft, or one opened from a deployed version: the same queries."""
    designer = people["designer"]
    blank = draft_create(actor=f.actor(designer))
    based = draft_create(actor=f.actor(designer), from_definition_id=f.deploy("approval").pk)
    client = client_for(designer)
    client.get(modeler_url(blank))

    assert _queries(client, modeler_url(blank)) == _queries(client, modeler_url(based))
