"""共享申请 pages: applying for a published resource starts share_request; 无条件 ends granted and shows on
both sides with the grants; 有条件 waits for the compliance check with its case linked; 不予共享 has no apply
button and a POST is refused with the reason; the lists' queries do not grow with requests."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from domain.catalog import services as catalog_services
from domain.catalog.choices import ShareType
from domain.catalog.models import CatalogEntry, ShareRequest
from domain.directory.models import Department
from processes.models import ProcessInstance
from processes.selectors import inbox_for_actor
from tests import factories as f
from tests.domain.catalog import builders as b
from tests.webui.data.pages import client_for, html_of

pytestmark = pytest.mark.django_db


@dataclass
class World:
    provider: Department
    applicant_dept: Department
    clerk: Any  # the provider's 编目员
    applicant: Any  # 市场监管局
    platform: Any  # the data authority's platform reviewer


@pytest.fixture
def world() -> World:
    provider, authority = b.provider(), b.authority()
    applicant_dept = f.department("330106-SCJG", "西湖区市场监管局", parent=provider.parent)
    f.deploy("share_request")
    return World(
        provider=provider,
        applicant_dept=applicant_dept,
        clerk=b.cataloguer(),
        applicant=f.user("applicant", roles=["cataloguer"], dept=applicant_dept),
        platform=f.user("platform", roles=["platform_reviewer"], dept=authority),
    )


def published(share_type: int = ShareType.UNCONDITIONAL, **overrides: Any) -> CatalogEntry:
    entry = catalog_services.entry_create(fields=b.fields(share_type=share_type, **overrides), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=f"publish:{entry.pk}"
    )


def application(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "department": str(world.applicant_dept.pk),
        "purpose": "核验个体工商户经营者身份",
        "scenario": "市场主体登记",
        "fields": ["姓名", "公民身份号码"],
        **overrides,
    }


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_an_unconditional_request_is_granted_and_listed_on_both_sides(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Apply on a 无条件 entry: granted by the process at once; the applicant sees it under 我部门申请的 and
    among its grants, the provider under 向我部门申请的 and among what it granted; both link the case."""
    entry = published()
    applicant = client_for(world.applicant)
    assert 'data-action="share"' in html_of(applicant.get(f"/data/catalog/{entry.pk}/"))
    form = html_of(applicant.get(f"/data/shares/apply/{entry.pk}/"))
    assert 'name="fields" value="姓名"' in form and world.applicant_dept.name in form
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(f"/data/shares/apply/{entry.pk}/", application(world))
    assert response.status_code == 302 and response["Location"] == "/data/shares/"
    request = ShareRequest.objects.get()
    assert (request.status, request.fields) == ("granted", ["姓名", "公民身份号码"])
    case = ProcessInstance.objects.get()

    mine = html_of(applicant.get("/data/shares/"))
    row = section(mine, "tb-shares-mine")
    assert f'data-request-id="{request.pk}" data-status="granted"' in row and "已同意" in row
    assert f'href="/workbench/cases/{case.pk}/"' in row
    assert f'data-request-id="{request.pk}"' in mine.split('data-granted="received"', 1)[1].split("</div>", 1)[0]

    theirs = html_of(client_for(world.clerk).get("/data/shares/"))
    assert f'data-request-id="{request.pk}"' in section(theirs, "tb-shares-theirs")
    assert f'data-request-id="{request.pk}"' not in section(theirs, "tb-shares-mine")
    given = theirs.split('data-granted="given"', 1)[1].split("</div>", 1)[0]
    assert f'data-request-id="{request.pk}"' in given and world.applicant_dept.name in given


def test_a_conditional_request_waits_for_the_compliance_check(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """有条件: pending, with a 合规审查 task for the data authority's reviewer."""
    entry = published(ShareType.CONDITIONAL, share_condition="仅用于市场主体登记核验")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.applicant).post(f"/data/shares/apply/{entry.pk}/", application(world))
    assert ShareRequest.objects.get().status == "pending"
    [task] = inbox_for_actor(f.actor(world.platform), scope="group")
    assert task.element_id == "compliance"
    html = html_of(client_for(world.applicant).get("/data/shares/"))
    assert 'data-status="pending"' in section(html, "tb-shares-mine")


def test_a_not_shared_resource_has_no_apply_button_and_a_post_is_refused_with_the_reason(world: World) -> None:
    """不予共享: the entry and apply pages say why instead of offering a form; a POST answers 409 with the
    legal basis, and no request or case is made."""
    entry = published(ShareType.NONE, share_method="", no_share_basis="《个人信息保护法》第十三条")
    applicant = client_for(world.applicant)
    page = html_of(applicant.get(f"/data/catalog/{entry.pk}/"))
    assert 'data-action="share"' not in page and "《个人信息保护法》第十三条" in page
    form = applicant.get(f"/data/shares/apply/{entry.pk}/")
    assert form.status_code == 200 and "data-refused" in html_of(form) and 'name="purpose"' not in html_of(form)
    response = applicant.post(f"/data/shares/apply/{entry.pk}/", application(world))
    assert response.status_code == 409
    assert "不予共享" in html_of(response) and "《个人信息保护法》第十三条" in html_of(response)
    assert not ShareRequest.objects.exists() and not ProcessInstance.objects.exists()


def test_missing_purpose_is_shown_on_its_field(world: World) -> None:
    """The service's errors land on the field; nothing is started."""
    entry = published()
    response = client_for(world.applicant).post(f"/data/shares/apply/{entry.pk}/", application(world, purpose=""))
    assert response.status_code == 400
    purpose = html_of(response).split('for="tb-purpose"', 1)[1].split("</div>", 1)[0]
    assert "请填写申请用途" in purpose and "市场主体登记</textarea>" in html_of(response), "what was typed is kept"
    assert not ShareRequest.objects.exists()


def test_the_provider_cannot_apply_for_its_own_resource(world: World) -> None:
    """Only people of other departments apply: the provider's clerk gets no button, and 403 on POST."""
    entry = published()
    clerk = client_for(world.clerk)
    assert 'data-action="share"' not in html_of(clerk.get(f"/data/catalog/{entry.pk}/"))
    assert "data-no-department" in html_of(clerk.get(f"/data/shares/apply/{entry.pk}/"))
    data = application(world, department=str(world.provider.pk))
    assert clerk.post(f"/data/shares/apply/{entry.pk}/", data).status_code == 403
    assert not ShareRequest.objects.exists()


def test_one_cannot_apply_on_behalf_of_a_department_one_does_not_belong_to(world: World) -> None:
    """A forged department id is refused on the department field."""
    entry = published()
    other = f.department("330106-WJ", "西湖区卫健委", parent=world.provider.parent)
    response = client_for(world.applicant).post(
        f"/data/shares/apply/{entry.pk}/", application(world, department=str(other.pk))
    )
    assert response.status_code == 400 and "请选择申请部门" in html_of(response)
    assert not ShareRequest.objects.exists()


def test_share_list_queries_do_not_grow_with_requests(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """One request or a full page of each list: the same queries."""
    entries = [published(name=f"资源 {n}") for n in range(13)]
    applicant = client_for(world.applicant)

    def apply(entry: CatalogEntry) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            applicant.post(f"/data/shares/apply/{entry.pk}/", application(world))

    apply(entries[0])
    applicant.get("/data/shares/")
    with CaptureQueriesContext(connection) as few:
        html = html_of(applicant.get("/data/shares/"))
    assert len(re.findall(r"<tr data-request-id=", html)) == 1
    for entry in entries[1:]:
        apply(entry)
    with CaptureQueriesContext(connection) as many:
        html = html_of(applicant.get("/data/shares/"))
    assert len(re.findall(r"<tr data-request-id=", html)) == 13
    assert len(few.captured_queries) == len(many.captured_queries)


def test_each_share_list_pages_on_its_own(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three requests at two a page: 我部门申请的 pages by out_page, and its next page keeps the other list at 1."""
    monkeypatch.setattr("webui.views.data.shares.PAGE_SIZE", 2)
    applicant = client_for(world.applicant)
    for n in range(3):
        entry = published(name=f"资源 {n}")
        with django_capture_on_commit_callbacks(execute=True):
            applicant.post(f"/data/shares/apply/{entry.pk}/", application(world))

    first = section(html_of(applicant.get("/data/shares/")), "tb-shares-mine")
    assert len(re.findall(r"<tr data-request-id=", first)) == 2
    assert "第 1 / 2 页" in first and 'href="?out_page=2"' in first and "上一页" not in first

    second = section(html_of(applicant.get("/data/shares/?out_page=2")), "tb-shares-mine")
    assert len(re.findall(r"<tr data-request-id=", second)) == 1
    assert "第 2 / 2 页" in second and 'href="?out_page=1"' in second and "下一页" not in second
