"""流程 versions, diff and migration pages: who deployed each version and why, the visual diff between two
versions with its property list, and moving running instances to a newer version (dry run, run, rollback)
— who may see and do what, CSRF, escaping, and query counts that do not grow with what is shown."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import HumanTask, MigrationBatch, MigrationJob, ProcessInstance
from processes.services.definitions import definition_deploy
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from processes.services.migration import migration_run
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db

APPROVAL = (Path(__file__).resolve().parents[2] / "bpmn" / "approval.bpmn").read_text("utf-8")
EVIL = "<script>alert(1)</script>"
RAW, ESCAPED = "<script>alert(1)", "&lt;script&gt;alert(1)"
KEY = "mig_page"
HTMX = {"HX-Request": "true"}


def client_for(user: Any, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    dept = f.department()
    return {
        "dept": dept,
        "staff": f.user("ops", is_staff=True, first_name="运维管理员"),
        "designer": f.user("designer", roles=["designer"], dept=dept, first_name="设计师"),
        "clerk": f.user("clerk", roles=["clerk", "reviewer"], dept=dept),
    }


def deploy(xml: str, user: Any = None, note: str = "") -> Any:
    actor = f.actor(user) if user is not None else None
    return definition_deploy(bpmn_xml=xml, file_name="test.bpmn", actor=actor, note=note).definition


def start(people: dict[str, Any], business_key: str = "B-1", key: str = KEY) -> ProcessInstance:
    return instance_start(
        process_key=key, actor=f.actor(people["clerk"]), department_id=people["dept"].pk, business_key=business_key
    )


def complete_open_task(people: dict[str, Any], instance: ProcessInstance) -> None:
    task = HumanTask.objects.get(instance=instance, status="open")
    human_task_complete(task_id=task.pk, actor=f.actor(people["clerk"]), data={})


def row_of(html: str, attribute: str, value: Any) -> str:
    return html.split(f'<tr {attribute}="{value}"', 1)[1].split("</tr>", 1)[0]


def embedded(html: str, script_id: str) -> Any:
    """The JSON of a `json_script` block."""
    return json.loads(html.split(f'<script id="{script_id}" type="application/json">', 1)[1].split("</script>", 1)[0])


@pytest.fixture
def post_job(django_capture_on_commit_callbacks: Any) -> Any:
    """POST 迁移 or 回滚 and run the job it enqueued (as the worker would, after the commit); with
    follow=True, then GET the page the post redirected to (the job's page, or the page with the refusal)."""

    def post(client: Client, url: str, data: dict[str, str] | None = None, follow: bool = False) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        if follow and response.status_code == 302:
            return client.get(response["Location"])
        return response

    return post


def queries(client: Client, url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


# --- the versions list ----------------------------------------------------------------------------------


def test_versions_list_shows_who_deployed_each_version_and_why(people: dict[str, Any]) -> None:
    """Each version shows its author's full name (and user name), the deploy note with its line breaks, its
    instance counts; 对比 defaults to the previous version against the latest; staff get 迁移到此版本."""
    deploy(chain(KEY, user_task("review")), people["designer"], "初版")
    start(people)
    deploy(chain(KEY, user_task("review"), user_task("approve")), people["staff"], "加入审批环节\n时限 3 天")

    html = client_for(people["staff"]).get(f"/flows/{KEY}/").content.decode()

    v1, v2 = row_of(html, "data-version", 1), row_of(html, "data-version", 2)
    assert "设计师" in v1 and "designer" in v1 and "初版" in v1
    assert "运维管理员" in v2 and "加入审批环节<br>时限 3 天" in v2
    assert 'data-col="running">1<' in v1 and 'data-col="running">0<' in v2
    assert 'data-col="completed">0<' in v1
    assert '<option value="1" selected>v1</option>' in html.split('name="from"', 1)[1].split("</select>", 1)[0]
    assert '<option value="2" selected>v2</option>' in html.split('name="to"', 1)[1].split("</select>", 1)[0]
    assert f'href="/flows/{KEY}/diff/?from=1&amp;to=2"' in v2
    assert f'href="/flows/{KEY}/migrate/?to=2"' in html
    assert f'href="/flows/{KEY}/v1/bpmn/"' in v1
    assert 'name="definition"' in v1  # 在设计器中打开


def test_a_designer_sees_and_downloads_the_versions_but_does_not_migrate(people: dict[str, Any]) -> None:
    """A designer opens the versions page (to compare, download and open a version in the designer);
    migrating running cases is not offered."""
    deploy(chain(KEY, user_task("review")))
    deploy(chain(KEY, user_task("review"), user_task("approve")))

    response = client_for(people["designer"]).get(f"/flows/{KEY}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"/flows/{KEY}/diff/" in html and "data-open-version=" in html
    assert "/migrate/" not in html and f"/flows/{KEY}/v2/bpmn/" in html
    download = client_for(people["designer"]).get(f"/flows/{KEY}/v1/bpmn/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert client_for(people["clerk"]).get(f"/flows/{KEY}/v1/bpmn/").status_code == 403


def test_a_single_version_has_no_compare_form(people: dict[str, Any]) -> None:
    """With one version there is nothing to compare or migrate to: neither is offered."""
    deploy(chain(KEY, user_task("review")))
    html = client_for(people["staff"]).get(f"/flows/{KEY}/").content.decode()
    assert 'name="from"' not in html and "/migrate/" not in html and "/diff/" not in html


def test_author_and_note_with_markup_are_escaped(people: dict[str, Any]) -> None:
    """A note or a person's name holding <script> shows as text on the versions and diff pages."""
    author = f.user("evil", is_staff=True, first_name=EVIL)
    deploy(chain(KEY, user_task("review")), author, EVIL)
    deploy(chain(KEY, user_task("review", "boss")), author, EVIL)
    for url in (f"/flows/{KEY}/", f"/flows/{KEY}/diff/"):
        html = client_for(people["staff"]).get(url).content.decode()
        assert ESCAPED in html and RAW not in html, url


# --- the diff -------------------------------------------------------------------------------------------


def approval_v2() -> str:
    """approval.bpmn with a 复核 task added (and drawn) after 审核, 审核's roles and SLA changed, a long
    multi-line documentation, and the rejected end event removed (the rejected flow now ends at 已通过)."""
    long_doc = "\n".join(f"第 {n} 条：审核申请内容，填写意见并决定是否通过。" for n in range(1, 6))
    return (
        APPROVAL.replace(
            'camunda:candidateGroups="reviewer" camunda:formKey="review" camunda:priority="60"',
            'camunda:candidateGroups="reviewer,leader" camunda:formKey="review" camunda:priority="60" '
            'tongban:slaWorkingDays="3"',
        )
        .replace("审核申请内容，填写意见并决定是否通过。", long_doc)
        .replace(
            '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="decide" />',
            '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="recheck" />'
            '<bpmn:userTask id="recheck" name="复核" camunda:candidateGroups="leader" />'
            '<bpmn:sequenceFlow id="recheck_done" sourceRef="recheck" targetRef="decide" />',
        )
        .replace('targetRef="end_rejected"', 'targetRef="end_approved"')
        .replace(
            '<bpmn:endEvent id="end_rejected" name="未通过">\n      <bpmn:incoming>rejected_flow</bpmn:incoming>\n'
            "    </bpmn:endEvent>",
            "",
        )
        .replace(
            '<bpmndi:BPMNShape id="end_rejected_di" bpmnElement="end_rejected">\n'
            '        <dc:Bounds x="662" y="292" width="36" height="36" />\n'
            '        <bpmndi:BPMNLabel><dc:Bounds x="655" y="335" width="50" height="14" /></bpmndi:BPMNLabel>\n'
            "      </bpmndi:BPMNShape>",
            '<bpmndi:BPMNShape id="recheck_di" bpmnElement="recheck"><dc:Bounds x="240" y="300" width="100" '
            'height="80" /></bpmndi:BPMNShape>',
        )
    )


def test_diff_page_lists_added_changed_and_removed_elements_with_their_properties(people: dict[str, Any]) -> None:
    """v1 → v2: 复核 is added, 审核 is changed (候选角色, 办理时限（工作日）, a long 说明 shown line by line),
    未通过 is removed; the diagrams get the XML of both versions and the ids to colour on each."""
    deploy(APPROVAL)
    deploy(approval_v2())

    response = client_for(people["staff"]).get("/flows/approval/diff/?from=1&to=2")

    html = response.content.decode()
    assert response.status_code == 200
    entries = dict(re.findall(r'data-element-id="([^"]+)" data-kind="(\w+)"', html))
    assert entries["recheck"] == "added" and entries["recheck_done"] == "added"
    assert entries["review"] == "changed" and entries["to_decide"] == "changed"
    assert entries["end_rejected"] == "removed"
    review = html.split('data-element-id="review"', 1)[1].split("</li>", 1)[0]
    roles = review.split('data-property="candidate_roles"', 1)[1].split("</tr>", 1)[0]
    assert "候选角色" in roles and ">reviewer<" in roles and ">reviewer, leader<" in roles
    sla = review.split('data-property="sla_working_days"', 1)[1].split("</tr>", 1)[0]
    assert "办理时限（工作日）" in sla and "（未设置）" in sla and ">3<" in sla
    documentation = review.split('data-property="documentation"', 1)[1].split("</tr>", 1)[0]
    assert 'class="tb-diff-lines"' in documentation
    assert '<span class="tb-line--added">第 5 条' in documentation
    assert '<span class="tb-line--removed">审核申请内容' in documentation
    new_markers, old_markers = embedded(html, "diff-new-markers"), embedded(html, "diff-old-markers")
    assert new_markers["recheck"] == "added" and new_markers["review"] == "changed"
    assert "end_rejected" not in new_markers
    assert old_markers["end_rejected"] == "removed" and old_markers["review"] == "changed"
    assert "recheck" not in old_markers
    assert 'id="diff-old-bpmn"' in html and 'id="diff-new-bpmn"' in html
    assert 'id="tb-diff-old"' in html and 'id="tb-diff-new"' in html
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert "/static/webui/diff-viewer.js" in html
    assert 'data-count="added">新增 2<' in html


def test_an_added_or_removed_element_shows_its_properties(people: dict[str, Any]) -> None:
    """The added 复核 task lists its candidate role and SLA (before: not set); the removed 未通过 end event
    lists its name as it was (after: not set)."""
    deploy(APPROVAL)
    deploy(
        approval_v2().replace(
            'name="复核" camunda:candidateGroups="leader"',
            'name="复核" camunda:candidateGroups="leader" tongban:slaWorkingDays="3"',
        )
    )

    html = client_for(people["staff"]).get("/flows/approval/diff/?from=1&to=2").content.decode()

    added = html.split('data-element-id="recheck"', 1)[1].split("</li>", 1)[0]
    roles = added.split('data-property="candidate_roles"', 1)[1].split("</tr>", 1)[0]
    assert "候选角色" in roles and '<td class="tb-diff-after">leader</td>' in roles and "（未设置）" in roles
    sla = added.split('data-property="sla_working_days"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="tb-diff-after">3</td>' in sla
    removed = html.split('data-element-id="end_rejected"', 1)[1].split("</li>", 1)[0]
    name = removed.split('data-property="name"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="tb-diff-before">未通过</td>' in name and "（未设置）" in name


def test_diff_page_in_english_uses_english_property_names(people: dict[str, Any]) -> None:
    """With English chosen, property names and kinds read in English (Candidate roles, SLA in working days)."""
    deploy(APPROVAL)
    deploy(approval_v2())
    html = f.in_english(client_for(people["designer"])).get("/flows/approval/diff/").content.decode()
    assert "Candidate roles" in html and "Time limit (working days)" in html
    assert "候选角色" not in html and "User task" in html


def test_diff_defaults_to_the_previous_version_against_the_latest(people: dict[str, Any]) -> None:
    """Without parameters the page compares the two newest versions; `to` alone compares it with the one before."""
    deploy(chain(KEY, user_task("a")))
    deploy(chain(KEY, user_task("a"), user_task("b")))
    deploy(chain(KEY, user_task("a"), user_task("b"), user_task("c")))
    client = client_for(people["staff"])
    latest = client.get(f"/flows/{KEY}/diff/").content.decode()
    assert 'data-element-id="c" data-kind="added"' in latest and 'data-element-id="b"' not in latest
    second = client.get(f"/flows/{KEY}/diff/?to=2").content.decode()
    assert 'data-element-id="b" data-kind="added"' in second and 'data-element-id="c"' not in second
    backwards = client.get(f"/flows/{KEY}/diff/?from=3&to=1").content.decode()
    assert 'data-element-id="c" data-kind="removed"' in backwards


def test_versions_without_a_layout_still_list_their_changes(people: dict[str, Any]) -> None:
    """Diagrams without BPMNDI cannot be drawn: each pane says so, the change list is complete, no viewer loads."""
    deploy(chain(KEY, user_task("review")))
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    html = client_for(people["staff"]).get(f"/flows/{KEY}/diff/").content.decode()
    assert html.count("data-no-layout") == 2
    assert 'data-element-id="approve" data-kind="added"' in html
    assert 'id="tb-diff-new"' not in html and "bpmn-navigated-viewer" not in html


def test_identical_versions_say_there_is_no_difference(people: dict[str, Any]) -> None:
    """A version that only moved shapes around: 两个版本没有差异, no diagrams."""
    deploy(APPROVAL)
    deploy(APPROVAL.replace('<dc:Bounds x="240" y="160"', '<dc:Bounds x="300" y="260"'))
    html = client_for(people["staff"]).get("/flows/approval/diff/?from=1&to=2").content.decode()
    assert "两个版本没有差异" in html and "data-diff-empty" in html and 'id="tb-diff-new"' not in html


def test_bad_parameters_answer_404_or_say_what_is_wrong(people: dict[str, Any]) -> None:
    """Unknown process or version, or a version that is not a number: 404. One version only, or the same
    version twice: the page says so."""
    deploy(chain(KEY, user_task("review")))
    client = client_for(people["staff"])
    for url in (
        "/flows/no_such/diff/",
        f"/flows/{KEY}/diff/?from=1&to=9",
        f"/flows/{KEY}/diff/?from=x&to=1",
        f"/flows/{KEY}/diff/?to=-1",
    ):
        assert client.get(url).status_code == 404, url
    single = client.get(f"/flows/{KEY}/diff/")
    assert single.status_code == 200 and "只有一个版本" in single.content.decode()
    same = client.get(f"/flows/{KEY}/diff/?from=1&to=1")
    assert same.status_code == 200 and "请选择两个不同的版本" in same.content.decode()


def test_element_names_with_markup_are_escaped_on_the_diff(people: dict[str, Any]) -> None:
    """A task named <script> (an attribute value in the XML) shows as text in the change list."""
    deploy(chain(KEY, user_task("review")))
    deploy(
        chain(
            KEY,
            user_task("review"),
            '<bpmn:userTask id="evil" name="&lt;script&gt;alert(1)&lt;/script&gt;" camunda:candidateGroups="clerk" />',
        )
    )
    html = client_for(people["staff"]).get(f"/flows/{KEY}/diff/").content.decode()
    assert ESCAPED in html and RAW not in html


def test_diff_page_queries_do_not_grow_with_the_number_of_changes(people: dict[str, Any]) -> None:
    """One changed element or twenty: the same number of SQL queries."""
    deploy(chain("few", user_task("a")))
    deploy(chain("few", user_task("a", "boss")))
    deploy(chain("many", *[user_task(f"t{n}") for n in range(10)]))
    deploy(chain("many", *[user_task(f"t{n}", "boss") for n in range(10)], *[user_task(f"n{n}") for n in range(10)]))
    client = client_for(people["staff"])
    client.get("/flows/few/diff/")
    few, _html = queries(client, "/flows/few/diff/")
    many, html = queries(client, "/flows/many/diff/")
    assert html.count('class="tb-diff-entry"') > 20
    assert many == few


# --- who may see ----------------------------------------------------------------------------------------


def test_who_may_see_and_do_what(people: dict[str, Any]) -> None:
    """Designers see versions and diffs but not migration (403); a clerk sees none of them (403 with the
    reason); anonymous: to the login page."""
    deploy(chain(KEY, user_task("review")))
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    batch = _batch(people)
    pages = [f"/flows/{KEY}/", f"/flows/{KEY}/diff/"]
    migration = [f"/flows/{KEY}/migrate/", f"/flows/{KEY}/migrate/dry-run/?to=2"]
    posts = [f"/flows/{KEY}/migrate/run/", f"/flows/{KEY}/migrate/batches/{batch.pk}/rollback/"]
    designer, clerk = client_for(people["designer"]), client_for(people["clerk"])
    for url in pages:
        assert designer.get(url).status_code == 200, url
        refused = clerk.get(url)
        assert refused.status_code == 403 and "流程设计人员也可以查看" in refused.content.decode(), url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for url in migration:
        assert designer.get(url).status_code == 403 and clerk.get(url).status_code == 403, url
    for url in posts:
        assert designer.post(url, {"to": "2"}).status_code == 403, url
        assert clerk.post(url, {"to": "2"}).status_code == 403, url
    assert MigrationBatch.objects.get(pk=batch.pk).rolled_back_at is None


# --- migration ------------------------------------------------------------------------------------------


def two_versions(people: dict[str, Any]) -> tuple[ProcessInstance, ProcessInstance]:
    """v1: review → check; one instance at review (can move), one at check (v2 removed check: cannot)."""
    deploy(chain(KEY, user_task("review"), user_task("check")))
    at_review = start(people, "AT-REVIEW")
    at_check = start(people, "AT-CHECK")
    complete_open_task(people, at_check)
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    return at_review, at_check


def _batch(people: dict[str, Any]) -> MigrationBatch:
    """An instance on the latest version of KEY, moved to a new version by a batch."""
    start(people, "FOR-BATCH")
    latest = deploy(chain(KEY, user_task("review"), user_task("approve"), user_task("archive")))
    return migration_run(target_definition_id=latest.pk, actor=f.actor(people["staff"]))


def test_migration_page_loads_the_dry_run_with_a_progress_note(people: dict[str, Any]) -> None:
    """The page answers at once with a progress note; the dry-run table comes by htmx from its own URL."""
    two_versions(people)
    html = client_for(people["staff"]).get(f"/flows/{KEY}/migrate/").content.decode()
    assert f'hx-get="/flows/{KEY}/migrate/dry-run/?to=2"' in html and 'hx-trigger="load"' in html
    assert "tb-spinner" in html and "正在预检 2 个实例" in html


def test_dry_run_table_says_which_instances_can_move_and_why_not(people: dict[str, Any]) -> None:
    """Each old instance: a link to its case, business key, version, status, active task, 可迁移 or
    不可迁移 with the reason; the counts; the 迁移 button for the migratable ones (with a confirmation)."""
    at_review, at_check = two_versions(people)
    html = client_for(people["staff"]).get(f"/flows/{KEY}/migrate/dry-run/?to=2", headers=HTMX).content.decode()
    assert "<html" not in html
    ok, blocked = row_of(html, "data-instance-id", at_review.pk), row_of(html, "data-instance-id", at_check.pk)
    assert 'data-migratable="true"' in ok and "可迁移" in ok and "AT-REVIEW" in ok and "v1" in ok
    assert f'href="/workbench/cases/{at_review.pk}/"' in ok and "review" in ok and "运行中" in ok
    assert 'data-migratable="false"' in blocked and "不可迁移" in blocked
    assert "当前任务 check 在新版本中已删除" in blocked and "active task" not in blocked
    assert 'data-total="2" data-migratable="1" data-blocked="1"' in html
    assert 'action="/flows/mig_page/migrate/run/"' in html and "data-turbo-confirm=" in html
    assert 'name="to" value="2"' in html and "csrfmiddlewaretoken" in html


def test_dry_run_without_javascript_is_the_whole_page(people: dict[str, Any]) -> None:
    """Opened as a page (the progress note's link), the dry run shows inside the migration page."""
    two_versions(people)
    html = client_for(people["staff"]).get(f"/flows/{KEY}/migrate/dry-run/?to=2").content.decode()
    assert "<html" in html and 'data-state="checked"' in html and "迁移记录" in html


def test_run_moves_the_migratable_instances_in_the_background_and_shows_the_batch(
    people: dict[str, Any], post_job: Any
) -> None:
    """迁移全部可迁移的实例 records a job and goes to its page; the job moves the instance that can move and
    leaves the other on v1; the finished job says how many moved and links to the batch (who, how many,
    which instances), which the history lists with 回滚."""
    at_review, at_check = two_versions(people)
    client = client_for(people["staff"])

    response = post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})

    job, batch = MigrationJob.objects.get(), MigrationBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/flows/{KEY}/migrate/jobs/{job.pk}/"
    assert (job.status, job.batch_id, job.total, job.processed, job.moved) == ("done", batch.pk, 1, 1, 1)
    at_review.refresh_from_db()
    at_check.refresh_from_db()
    assert (at_review.definition.version, at_check.definition.version) == (2, 1)
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in html and "已迁移 1 个实例" in html and "every 1s" not in html
    assert f"/flows/{KEY}/migrate/?to=2&amp;batch={batch.pk}#batch" in html
    html = client.get(f"/flows/{KEY}/migrate/?to=2&batch={batch.pk}").content.decode()
    section = html.split('id="batch"', 1)[1].split("</section>", 1)[0]
    assert "迁移了 1 个实例" in section and "AT-REVIEW" in section and "ops" in section
    history = row_of(html, "data-batch-id", batch.pk)
    assert 'data-rolled-back="false"' in history
    assert f'action="/flows/{KEY}/migrate/batches/{batch.pk}/rollback/"' in history
    assert "data-turbo-confirm=" in history
    assert 'data-status="done"' in row_of(html, "data-job-id", job.pk)


def test_a_job_not_finished_yet_shows_its_progress_and_polls(people: dict[str, Any]) -> None:
    """While the worker has not finished, the job's page shows a progress bar with how many instances of how
    many are done and asks for its status again every second; the migration page says a job is running
    and a second 迁移 is refused, leading to the running job."""
    two_versions(people)
    client = client_for(people["staff"])
    response = client.post(f"/flows/{KEY}/migrate/run/", {"to": "2"})  # enqueued, not run: no worker here
    job = MigrationJob.objects.get()
    assert job.status == "queued"
    html = client.get(response["Location"]).content.decode()
    assert "排队中" in html and 'hx-trigger="every 1s"' in html
    MigrationJob.objects.filter(pk=job.pk).update(status="running", total=40, processed=10)
    status = client.get(response["Location"], headers=HTMX).content.decode()
    assert "<html" not in status and "已处理 10 / 40 个实例（25%）" in status
    assert '<progress max="40" value="10"' in status and 'hx-trigger="every 1s"' in status
    page = client.get(f"/flows/{KEY}/migrate/").content.decode()
    assert f'data-running-job="{job.pk}"' in page and "迁移任务" in page
    again = client.post(f"/flows/{KEY}/migrate/run/", {"to": "2"}, follow=True)
    assert again.redirect_chain[-1][0] == f"/flows/{KEY}/migrate/jobs/{job.pk}/"
    assert f"迁移任务 #{job.pk} 尚未结束" in again.content.decode()
    assert MigrationJob.objects.count() == 1 and not MigrationBatch.objects.exists()


def test_run_with_nothing_to_move_says_so(people: dict[str, Any], post_job: Any) -> None:
    """No instance can move: the job ends 未完成 with the reason, and no batch is stored."""
    deploy(chain(KEY, user_task("review")))
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    html = post_job(client_for(people["staff"]), f"/flows/{KEY}/migrate/run/", {"to": "2"}, follow=True)
    html = html.content.decode()
    assert 'data-status="failed"' in html and "未完成：没有可迁移的流程实例" in html
    assert "no running instance" not in html
    assert not MigrationBatch.objects.exists()


def test_rollback_restores_the_old_version(people: dict[str, Any], post_job: Any) -> None:
    """回滚 puts the instance back on v1; the history shows the batch as rolled back without the button;
    a second rollback is refused at once with the reason."""
    at_review, _at_check = two_versions(people)
    client = client_for(people["staff"])
    post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})
    batch = MigrationBatch.objects.get()

    html = post_job(client, f"/flows/{KEY}/migrate/batches/{batch.pk}/rollback/", follow=True).content.decode()

    at_review.refresh_from_db()
    assert at_review.definition.version == 1
    assert f"回滚任务 #{MigrationJob.objects.latest('pk').pk}：批次 #{batch.pk}" in html
    assert "已回滚 1 个实例，回到原版本和原状态" in html
    html = client.get(f"/flows/{KEY}/migrate/?to=2").content.decode()
    history = row_of(html, "data-batch-id", batch.pk)
    assert "已回滚 1 个（ops）" in history and "/rollback/" not in history
    again = post_job(client, f"/flows/{KEY}/migrate/batches/{batch.pk}/rollback/", follow=True).content.decode()
    assert f"迁移批次 {batch.pk} 已回滚" in again and "was already rolled back" not in again
    assert MigrationJob.objects.count() == 2


def test_an_instance_that_moved_on_is_kept_and_the_reason_shown(people: dict[str, Any], post_job: Any) -> None:
    """An instance whose task was completed after the migration stays on the new version; the job says why."""
    at_review, _at_check = two_versions(people)
    client = client_for(people["staff"])
    post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})
    complete_open_task(people, at_review)
    batch = MigrationBatch.objects.get()

    html = post_job(client, f"/flows/{KEY}/migrate/batches/{batch.pk}/rollback/", follow=True).content.decode()

    at_review.refresh_from_db()
    assert at_review.definition.version == 2
    assert "未完成：没有实例可以回滚" in html
    kept = row_of(html, "data-skipped", at_review.pk)
    assert "实例在迁移后已继续办理，无法回滚" in kept and "moved on" not in kept


def test_rollback_of_another_process_batch_is_404(people: dict[str, Any]) -> None:
    """A batch id is taken only under its own process key."""
    deploy(chain(KEY, user_task("review")))
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    batch = _batch(people)
    deploy(chain("other", user_task("review")))
    assert client_for(people["staff"]).post(f"/flows/other/migrate/batches/{batch.pk}/rollback/").status_code == 404
    assert client_for(people["staff"]).get(f"/flows/{KEY}/migrate/?to=9").status_code == 404
    assert client_for(people["staff"]).get("/flows/nope/migrate/").status_code == 404


def test_posts_need_the_csrf_token(people: dict[str, Any], post_job: Any) -> None:
    """迁移 and 回滚 without the CSRF token are refused (403) and change nothing; with it they go through."""
    at_review, _at_check = two_versions(people)
    client = client_for(people["staff"], enforce_csrf_checks=True)
    assert client.post(f"/flows/{KEY}/migrate/run/", {"to": "2"}).status_code == 403
    assert not MigrationBatch.objects.exists()
    client.get(f"/flows/{KEY}/migrate/")
    token = client.cookies["csrftoken"].value
    response = post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and MigrationBatch.objects.count() == 1
    batch = MigrationBatch.objects.get()
    assert client.post(f"/flows/{KEY}/migrate/batches/{batch.pk}/rollback/").status_code == 403
    assert MigrationBatch.objects.get().rolled_back_at is None


def test_business_keys_with_markup_are_escaped_in_the_migration_pages(people: dict[str, Any], post_job: Any) -> None:
    """A business key holding <script> shows as text in the dry run and in the batch's section."""
    deploy(chain(KEY, user_task("review")))
    start(people, EVIL)
    deploy(chain(KEY, user_task("review"), user_task("approve")))
    client = client_for(people["staff"])
    table = client.get(f"/flows/{KEY}/migrate/dry-run/?to=2", headers=HTMX).content.decode()
    assert ESCAPED in table and RAW not in table
    post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})
    page = client.get(f"/flows/{KEY}/migrate/?to=2&batch={MigrationBatch.objects.get().pk}").content.decode()
    assert ESCAPED in page and RAW not in page


def test_migration_queries_do_not_grow_with_instances_or_batches(people: dict[str, Any], post_job: Any) -> None:
    """The dry-run table for one instance or six, and the page with one batch or four: the same number of
    SQL queries (each version's parsed diagram is cached, as it is for every command)."""
    for key, count in (("one", 1), (KEY, 6)):
        deploy(chain(key, user_task("review")))
        for n in range(count):
            start(people, f"{key}-{n}", key=key)
        deploy(chain(key, user_task("review"), user_task("approve")))
    client = client_for(people["staff"])
    for key in ("one", KEY):  # warm up: parse each version once
        client.get(f"/flows/{key}/migrate/dry-run/?to=2", headers=HTMX)
    one, _html = queries(client, "/flows/one/migrate/dry-run/?to=2", HTMX)
    many, html = queries(client, f"/flows/{KEY}/migrate/dry-run/?to=2", HTMX)
    assert html.count('data-migratable="true"') == 6
    assert many == one

    post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})
    batch = MigrationBatch.objects.get()
    page = f"/flows/{KEY}/migrate/?to=2&batch={batch.pk}"
    client.get(page)
    single, _html = queries(client, page)
    for _n in range(3):  # back to v1 and over again: a new batch each time
        latest = MigrationBatch.objects.order_by("-pk")[0]
        post_job(client, f"/flows/{KEY}/migrate/batches/{latest.pk}/rollback/")
        post_job(client, f"/flows/{KEY}/migrate/run/", {"to": "2"})
    several, html = queries(client, page)
    assert html.count("<tr data-batch-id=") == 4
    assert several == single
