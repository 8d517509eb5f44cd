"""流程设计 — the process designer's pages: my drafts (新建空白流程, 从已部署流程打开, 上传 .bpmn, 删除) and the
modeler page (bpmn-js Modeler with the properties panel, built from webui/frontend by esbuild).

Who may design is the API's rule (`designer_may_edit`: staff, or the designer role); anyone else signed in
gets a 403 page saying why. The modeler page embeds the draft and everything the browser says (translated
here) in one json_script block; saving, validating and deploying are calls to /api/designer/ from the
page's script. Creating a draft posts a form here, which calls one service and redirects to the modeler.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from processes.errors import NotFound, ProcessError
from processes.models import ProcessDraft
from processes.ports import Actor, directory
from processes.selectors_definitions import definition_summaries
from processes.selectors_designer import designer_may_edit, draft_get, drafts_of
from processes.services.designer import DRAFT_MAX_BYTES, draft_create, draft_delete, draft_upload

View = Callable[..., HttpResponse]
DRAFTS_SHOWN = 200
DEFINITIONS_OFFERED = 500


def designer_only(view: View) -> View:
    """Anonymous: to the login page. Signed in but not a designer: 403 with the reason.
    The view gets the actor as its second argument (one query for the memberships)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = directory().actor_for(request.user)
        if not designer_may_edit(actor):
            return render(request, "webui/designer/not_designer.html", status=403)
        return view(request, actor, *args, **kwargs)

    return login_required(guarded)


@designer_only
@require_GET
def drafts(request: HttpRequest, actor: Actor) -> HttpResponse:
    """我的草稿: newest first, each opening the modeler; the three ways to start one above the list."""
    context = {
        "drafts": list(drafts_of(actor=actor)[:DRAFTS_SHOWN]),
        "definitions": [row.latest for row in definition_summaries(limit=DEFINITIONS_OFFERED)],
    }
    return render(request, "webui/designer/drafts.html", context)


def _to_modeler(draft: ProcessDraft) -> HttpResponse:
    return redirect("flows:designer_modeler", draft_id=draft.pk)


def _back(request: HttpRequest, error: ProcessError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("flows:designer")


@designer_only
@require_POST
def draft_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    """新建空白流程, or 从已部署流程打开 when a definition id is posted (also from the versions page)."""
    raw = request.POST.get("definition", "").strip()
    if raw and not raw.isdigit():
        messages.error(request, _("请选择要打开的已部署流程。"))
        return redirect("flows:designer")
    try:
        draft = draft_create(actor=actor, from_definition_id=int(raw) if raw else None)
    except ProcessError as error:
        return _back(request, error)
    return _to_modeler(draft)


@designer_only
@require_POST
def draft_upload_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """上传 .bpmn (e.g. exported by Camunda Modeler 5) as a new draft."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择一个 .bpmn 文件。"))
        return redirect("flows:designer")
    try:
        # One byte past the limit is enough for the service to refuse it without reading it whole.
        content = upload.read(DRAFT_MAX_BYTES + 1)
        draft = draft_upload(actor=actor, file_name=upload.name or "upload.bpmn", content=content)
    except ProcessError as error:
        return _back(request, error)
    return _to_modeler(draft)


@designer_only
@require_POST
def draft_remove(request: HttpRequest, actor: Actor, draft_id: int) -> HttpResponse:
    """删除 a draft (deployed versions are not touched)."""
    try:
        draft_delete(actor=actor, draft_id=draft_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except ProcessError as error:
        return _back(request, error)
    messages.success(request, _("草稿已删除。"))
    return redirect("flows:designer")


@never_cache  # Back must not restore a page holding an old revision (its autosave would be refused)
@designer_only
@require_GET
def modeler(request: HttpRequest, actor: Actor, draft_id: int) -> HttpResponse:
    """The modeler: canvas and properties panel side by side, toolbar, save status and problems list."""
    try:
        draft = draft_get(actor=actor, draft_id=draft_id)
    except NotFound as error:
        raise Http404(error.message) from error
    context = {"draft": draft, "config": modeler_config(request, draft)}
    return render(request, "webui/designer/modeler.html", context)


def modeler_config(request: HttpRequest, draft: ProcessDraft) -> dict[str, Any]:
    """Everything the modeler's script needs, rendered into the page with json_script."""
    drafts_url = reverse("api:designer_draft", kwargs={"draft_id": draft.pk})
    base = {"key": draft.base.key, "version": draft.base.version} if draft.base else None
    return {
        "language": get_language() or settings.LANGUAGE_CODE,
        "csrfToken": get_token(request),
        # The versions page is open to staff and designers, and only designers reach this page.
        "canSeeVersions": True,
        "draft": {
            "id": draft.pk,
            "key": draft.key,
            "name": draft.name,
            "revision": draft.revision,
            "updated_at": draft.updated_at.isoformat(),
            "bpmn_xml": draft.bpmn_xml,
            "base": base,
        },
        "urls": {
            "draft": drafts_url,
            "validate": reverse("api:designer_draft_validate", kwargs={"draft_id": draft.pk}),
            "deploy": reverse("api:designer_draft_deploy", kwargs={"draft_id": draft.pk}),
            "roles": reverse("api:designer_roles"),
            "departments": reverse("api:designer_departments"),
            "handlers": reverse("api:designer_handlers"),
            "forms": f"{reverse('api:designer_forms')}?draft={draft.pk}",
            "versions": reverse("flows:versions", kwargs={"key": "__KEY__"}),
            "formEditor": f"{reverse('flows:designer_modeler', kwargs={'draft_id': draft.pk})}forms/__KEY__/",
        },
        "strings": modeler_strings(),
    }


def modeler_strings() -> dict[str, str]:
    """What the modeler's script shows, in the page's language. {name} placeholders are filled in there."""
    return {
        # save status
        "saved": _("已保存 {time}"),
        "saving": _("保存中…"),
        "dirty": _("有未保存的修改"),
        "saveFailed": _("保存失败"),
        "conflictStatus": _("已在别处修改"),
        "conflict": _(
            "此草稿已在其他窗口中保存（第 {revision} 次保存）。请重新加载后继续编辑，此页未保存的修改将丢失。"
        ),
        "reload": _("重新加载"),
        "loadFailed": _("流程图无法加载：{error}"),
        "listsFailed": _("角色、部门、处理器或表单列表未能加载，属性面板中的选择可能不完整。"),
        "requestFailed": _("请求失败：{error}"),
        "importWarnings": _("导入时有 {count} 处内容无法识别，已忽略。"),
        # problems
        "notValidated": _("尚未校验。"),
        "validating": _("校验中…"),
        "saveFirst": _("草稿未能保存，无法校验。"),
        "valid": _("校验通过，没有发现错误。"),
        "invalid": _("发现 {count} 个错误。点击问题可定位到对应元素。"),
        "error": _("错误"),
        "warning": _("警告"),
        # deploy
        "deploying": _("部署中…"),
        "deployInvalid": _("流程未通过校验（{count} 个错误），不能部署。请先修正下列问题。"),
        "deployed": _("已部署为 {key} 第 {version} 版。"),
        "unchanged": _("内容与已部署的版本相同，未生成新版本（当前为第 {version} 版）。"),
        "viewVersions": _("查看版本"),
        "deploySaveFailed": _("草稿未能保存，没有部署。"),
        "deployOutdated": _(
            "此草稿基于第 {base} 版，但此后已部署了第 {latest} 版；部署会用草稿替换第 {latest} 版的修改。"
        ),
        "viewDiff": _("查看差异"),
        "deployAnyway": _("仍然部署"),
        "deployStale": _("此草稿已在别处保存（第 {revision} 次保存），没有部署。请重新加载后再部署。"),
        # upload
        "uploaded": _("已导入 {name} 并保存。"),
        "uploadFailed": _("{name} 无法导入：{error}"),
        "undoUpload": _("撤销上传"),
        "uploadUndone": _("已撤销上传，恢复为上传前的流程图并保存。"),
        # the 通办 properties group
        "group": _("通办"),
        "candidateRoles": _("候选角色"),
        "candidateRolesHelp": _("角色编码，多个用逗号分隔；持有其中任一角色的人可以签收此任务。"),
        "pickRoles": _("从组织机构的角色中选择"),
        "noRoles": _("组织机构中还没有角色。"),
        "unknownRoles": _("组织机构中没有这些角色：{codes}"),
        "departmentScope": _("部门范围"),
        "departmentScopePickHelp": _("只有此部门中持有候选角色的人可以签收此任务；留空则为发起部门。"),
        "departmentInitiator": _("（发起部门）"),
        "departmentMissing": _("{code}（组织机构中没有此部门）"),
        "departmentExpression": _("按表达式：{expression}"),
        "departmentScopeExpression": _("部门范围表达式"),
        "departmentScopeHelp": _("表达式，给出部门编码，例如 department_code；留空则为发起部门。"),
        "assignee": pgettext("流程设计", "办理人"),
        "assigneeHelp": _("表达式，给出用户名，例如 ${initiator}；留空则由候选人签收。"),
        "priority": _("优先级"),
        "priorityHelp": _("0–100，数值越大越优先。"),
        "slaWorkingDays": _("办理时限（工作日）"),
        "slaWorkingDaysHelp": _("按工作日历计算（节假日与调休）。"),
        "escalationBlue": _("蓝色提醒：时限已用比例"),
        "escalationBlueHelp": _("0 到 1 之间，例如 0.67 表示时限用去三分之二时提醒。"),
        "escalationBlueError": _("请输入 0 到 1 之间的比例。"),
        "escalationYellow": _("黄色预警：到期前工作日"),
        "escalationYellowHelp": _("到期前多少个工作日发出黄色预警。"),
        "form": _("表单"),
        "noForm": _("（无表单）"),
        "formFromDraft": _("本草稿"),
        "formDeployed": _("已部署"),
        "formMissing": _("{key}（不存在）"),
        "editForm": _("编辑表单 {key}"),
        "newForm": _("新建表单"),
        "operator": _("处理器"),
        "noOperator": _("（未选择）"),
        "operatorHelp": _("服务任务调用的已注册处理器。"),
        "operatorUnknown": _("{operator}（未注册）"),
        "result": _("结果"),
        "resultVariable": _("结果变量"),
        "resultVariableHelp": _("处理器的结果保存到此流程变量。"),
        "parameter": _("参数 {name}（{type}）"),
        "parameterHelp": _("表达式，例如流程变量名。"),
        "timerKind": _("定时方式"),
        "timerNone": _("（未设置）"),
        "timerWorkingDays": _("工作日"),
        "timerDuration": _("时长（ISO-8601）"),
        "timerDate": _("日期（ISO-8601）"),
        "timerCycle": _("周期（ISO-8601）"),
        "timerValue": _("定时值"),
        "timerWorkingDaysHelp": _("工作日数（或表达式），按工作日历计算到期时间。"),
        "timerDurationHelp": _("例如 PT4H（4 小时）、P3D（3 天）。"),
        "timerDateHelp": _("例如 2026-10-08T09:00:00+08:00。"),
        "timerCycleHelp": _("例如 R3/PT10M（每 10 分钟，共 3 次）。"),
        "condition": _("条件表达式"),
        "conditionHelp": _("Python 表达式，例如 approved == True；也可写简单的 ${approved}，部署时转换。"),
        "conditionDefault": _("这是默认流：其他条件都不满足时走此路径，无需条件。"),
    }
