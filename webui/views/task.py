"""The task page: instructions, the JSON Schema form, and the actions — claim (签收), draft, complete,
return (退回), delegate (转办), comment, attach (附件), ask for an extension (申请延期) — all through the
services and their permission rule.

Draft and complete go: parse the post (typed by the schema) → store the form's files (their references
join the data) → the service validates against the schema and saves. Errors come back by field, with the
entered values and the files already stored, so nothing has to be typed or uploaded twice.

In the inbox's side panel (htmx, `panel=1`) every answer is a 200 that htmx swaps in: a task that is gone
or no longer the person's (404/403 on the page) answers "no longer in your list" and takes its row out."""

from collections.abc import Callable
from typing import Any, NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from processes.attachment_selectors import instance_attachments
from processes.errors import Conflict, NotFound, PermissionDenied, ProcessError, ValidationFailed
from processes.models import ExtensionRequest, HumanTask, TaskStatus
from processes.ports import Actor, directory
from processes.selectors import (
    instance_history,
    task_can_act,
    task_can_comment,
    task_comments,
    task_delegate_choices,
    task_extension_latest,
    task_for_actor,
)
from processes.services.attachments import allowed_types, attachment_add, max_bytes
from processes.services.definitions import form_schema
from processes.services.inbox import (
    form_errors,
    human_task_claim,
    human_task_comment,
    human_task_complete,
    human_task_delegate,
    human_task_return,
    human_task_save_draft,
)
from processes.services.supervision import extension_request
from webui.forms_jsonschema import attachment_fields, build_fields, parse_post, properties, unclaimed_errors
from webui.i18n import one_language
from webui.views.attachments import attachment_items, form_uploads
from webui.views.workbench import task_row

ACTIONS = ("claim", "draft", "complete", "return", "delegate", "comment", "attach", "extension")
FORM_ACTIONS = ("draft", "complete")
GONE_ACTIONS = ("complete", "return", "delegate")  # after these the task leaves the person's list
MAX_EXTENSION_DAYS = 30


class ExtensionForm(forms.Form):
    """申请延期: how many more working days, and why."""

    working_days = forms.IntegerField(label=gettext_lazy("延期工作日"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=2000)


def _schema(task: HumanTask) -> dict[str, Any] | None:
    return form_schema(task.instance.definition, task.form_key) if task.form_key else None


def _files_context(task: HumanTask, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The case's attachments (one query) and what the file inputs accept."""
    attachments = list(instance_attachments(instance_id=task.instance_id))
    return {
        "attachments": attachments,
        "attachment_items": attachment_items(attachments),
        "has_files": bool(attachment_fields(schema)),
        "attachment_accept": ",".join(f".{ext}" for ext in allowed_types()),
        "attachment_kinds": ", ".join(allowed_types()),
        "attachment_max_bytes": max_bytes(),
    }


def _actions_context(actor: Actor, task: HumanTask, can_act: bool) -> dict[str, Any]:
    """Who the task may be handed to, whether it can be claimed, its extension request (one query each)."""
    extension = task_extension_latest(task_id=task.pk)
    pending = extension is not None and extension.status == ExtensionRequest.Status.PENDING
    due_ahead = task.due_at is not None and task.due_at > timezone.now()
    return {
        "can_claim": can_act and task.assignee_id is None,
        "delegate_choices": task_delegate_choices(actor, task) if can_act else [],
        "extension": extension,
        "can_ask_extension": can_act and due_ahead and not pending,
        "max_extension_days": MAX_EXTENSION_DAYS,
    }


def _context(actor: Actor, task: HumanTask, schema: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    values = extra.pop("values", task.draft)
    errors: dict[str, list[str]] = extra.pop("form_errors", {}) or {}
    can_act = task.status == TaskStatus.OPEN and task_can_act(actor, task)
    files = _files_context(task, schema)
    items = files["attachment_items"]
    submitted = task.submitted_data if isinstance(task.submitted_data, dict) else {}
    context = {
        "task": task,
        "row": task_row(task, timezone.now()),
        "definition": task.instance.definition,
        "fields": build_fields(schema, values, errors, items),
        "form_level_errors": errors.get("", []),
        "other_errors": unclaimed_errors(schema, errors),
        "submitted_fields": build_fields(schema, submitted, attachments=items, editable=False) if submitted else [],
        "submitted_other": {k: v for k, v in submitted.items() if k not in properties(schema)},
        **files,
        **_actions_context(actor, task, can_act),
        "returned_opinion": task.opinion if task.returned_from_id else "",
        "history": instance_history(instance=task.instance),
        "comments": task_comments(instance_id=task.instance_id),
        "can_act": can_act,
        "can_comment": task_can_comment(actor, task),
        "opinion": "",
        "delegate_to": "",
        "delegate_note": "",
        "comment_text": "",
        "attach_note": "",
        "extension_days": "",
        "extension_reason": "",
        "extension_errors": {},
        "action_errors": {},
    }
    context.update(extra)
    return context


# --- the actions: each calls one service and returns the success message ---------------------------

Runner = Callable[[HumanTask, Actor, HttpRequest, dict[str, Any]], str]


def _claim(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    human_task_claim(task_id=task.pk, actor=actor)
    return _("已签收任务“%(name)s”。") % {"name": task.name}


def _draft(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    human_task_save_draft(task_id=task.pk, actor=actor, data=data)
    return _("草稿已保存。")


def _complete(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    human_task_complete(task_id=task.pk, actor=actor, data=data)
    return _("任务“%(name)s”已办结。") % {"name": task.name}


def _return(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    human_task_return(task_id=task.pk, actor=actor, opinion=request.POST.get("opinion", ""))
    return _("任务“%(name)s”已退回。") % {"name": task.name}


def _delegate(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    to = request.POST.get("to", "").strip()
    human_task_delegate(task_id=task.pk, actor=actor, to_username=to, note=request.POST.get("note", "").strip())
    return _("任务“%(name)s”已转办给 %(user)s。") % {"name": task.name, "user": to}


def _attach(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(_("请选择要上传的文件。"), detail={"file": [_("请选择要上传的文件。")]})
    attachment = attachment_add(task_id=task.pk, actor=actor, upload=upload, note=request.POST.get("note", ""))
    return _("附件“%(name)s”已上传。") % {"name": attachment.original_name}


def _comment(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    human_task_comment(task_id=task.pk, actor=actor, text=request.POST.get("text", ""))
    return _("评论已发表。")


def _extension(task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        message = _("请填写延期工作日（1–%(max)s）和理由。") % {"max": MAX_EXTENSION_DAYS}
        raise ValidationFailed(message, detail={name: list(errors) for name, errors in form.errors.items()})
    days, reason = form.cleaned_data["working_days"], form.cleaned_data["reason"]
    extension_request(task_id=task.pk, actor=actor, working_days=days, reason=reason)
    return _("延期申请已提交（%(days)s 个工作日），等待督办人审批。") % {"days": days}


RUNNERS: dict[str, Runner] = {
    "claim": _claim,
    "draft": _draft,
    "complete": _complete,
    "return": _return,
    "delegate": _delegate,
    "attach": _attach,
    "comment": _comment,
    "extension": _extension,
}


def _store_files(
    action: str,
    task: HumanTask,
    actor: Actor,
    schema: dict[str, Any] | None,
    request: HttpRequest,
    data: dict[str, Any],
) -> None:
    """Store the form's posted files; their references join `data` even when another file is refused."""
    upload_errors = form_uploads(task=task, actor=actor, schema=schema, data=data, files=request.FILES)
    if upload_errors:
        # Completing: the schema's other complaints at the same time, not one round trip each.
        detail = form_errors(task, data) if action == "complete" else {}
        detail.update(upload_errors)
        raise ValidationFailed("附件有误 / an attachment was refused", detail=detail)


class Outcome(NamedTuple):
    message: str
    ok: bool
    task_gone: bool = False  # the task left the person's list: done, returned, handed on, or taken meanwhile
    form_again: dict[str, Any] | None = None  # show the form again with these values and errors


def _gone_message() -> str:
    return _("此任务已不在你的待办中")


def _attempt(
    action: str, task: HumanTask, actor: Actor, schema: dict[str, Any] | None, request: HttpRequest, panel: bool
) -> Outcome:
    data: dict[str, Any] = {}
    try:
        if action in FORM_ACTIONS:
            data = parse_post(schema, request.POST)
            _store_files(action, task, actor, schema, request, data)
        message = RUNNERS[action](task, actor, request, data)
    except ValidationFailed as error:
        again = _form_again(action, task, request, data, one_language(error.message), error.detail)
        return Outcome(_("提交的内容有误，请按提示修改。"), ok=False, form_again=again)
    except (PermissionDenied, NotFound) as error:
        if panel:
            return Outcome(_gone_message(), ok=False, task_gone=True)
        if isinstance(error, NotFound):
            raise Http404(error.message) from error
        raise DjangoPermissionDenied(error.message) from error
    except Conflict as error:
        if action == "extension":  # already asked, or past the due time: said by the form
            again = _form_again(action, task, request, data, one_language(error.message))
            return Outcome(_("未能提交延期申请。"), ok=False, form_again=again)
        reason = _("任务已被他人办理或状态已变化：%(reason)s") % {"reason": one_language(error.message)}
        return Outcome(reason, ok=False, task_gone=True)
    except ProcessError as error:
        return Outcome(one_language(error.message), ok=False)
    return Outcome(message, ok=True, task_gone=action in GONE_ACTIONS)


def _form_again(
    action: str, task: HumanTask, request: HttpRequest, data: dict[str, Any], message: str, detail: Any = None
) -> dict[str, Any]:
    """What the page needs to show the refused post again: what was typed, and each field's error."""
    post = request.POST
    detail = detail if isinstance(detail, dict) else {}
    if action in FORM_ACTIONS:
        return {"values": data, "form_errors": detail or {"": [message]}}
    again: dict[str, Any] = {"action_errors": {action: [message]}, "values": task.draft}
    if action == "return":
        again["opinion"] = post.get("opinion", "")
    elif action == "delegate":
        again.update(delegate_to=post.get("to", ""), delegate_note=post.get("note", ""))
    elif action == "attach":
        again["attach_note"] = post.get("note", "")
    elif action == "comment":
        again["comment_text"] = post.get("text", "")
    elif action == "extension":
        again.update(
            extension_days=post.get("working_days", ""),
            extension_reason=post.get("reason", ""),
            extension_errors=detail,
        )
    return again


# --- the page and the panel -------------------------------------------------------------------------


def _panel_gone(request: HttpRequest, task_id: int, task: HumanTask | None = None) -> HttpResponse:
    """The panel's answer for a task that is gone or no longer the person's: say so, take its row out."""
    context = {"task": task, "task_id": task_id, "panel_message": _gone_message(), "panel_ok": False}
    return render(request, "webui/task/panel_done.html", context)


def _panel_reply(
    request: HttpRequest, actor: Actor, task: HumanTask, schema: dict[str, Any] | None, outcome: Outcome
) -> HttpResponse:
    """The answer htmx swaps into the inbox's side panel: the form again (saved or refused), or the outcome
    with the task's row taken out of the list. Always 200, so that htmx swaps it."""
    said = {"panel_message": outcome.message, "panel_ok": outcome.ok}
    if outcome.task_gone:
        return render(request, "webui/task/panel_done.html", {"task": task, "task_id": task.pk, **said})
    try:
        task = task_for_actor(task_id=task.pk, actor=actor)  # as saved: a draft's values
    except NotFound:
        return _panel_gone(request, task.pk, task)
    context = _context(actor, task, schema, panel=True, **said, **(outcome.form_again or {}))
    return render(request, "webui/task/panel.html", context)


def _wants_panel(request: HttpRequest) -> bool:
    asked = request.POST.get("panel") if request.method == "POST" else request.GET.get("panel")
    return asked == "1" and request.headers.get("HX-Request") == "true"


def _page_reply(
    request: HttpRequest, actor: Actor, task: HumanTask, schema: dict[str, Any] | None, action: str, outcome: Outcome
) -> HttpResponse:
    if outcome.form_again is not None:
        messages.error(request, outcome.message)
        return render(request, "webui/task/page.html", _context(actor, task, schema, **outcome.form_again), status=400)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    if outcome.task_gone:
        return redirect("workbench:index")
    if not outcome.ok or action == "claim":
        return redirect("workbench:task_page", task_id=task.pk)
    return redirect(f"{reverse('workbench:task_page', kwargs={'task_id': task.pk})}#tb-{action}")


@login_required
@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task page; with htmx and `panel=1`, the form alone, handled in the inbox's side panel."""
    actor = directory().actor_for(request.user)
    panel = _wants_panel(request)
    try:
        task = task_for_actor(task_id=task_id, actor=actor)
    except NotFound as error:
        if panel:
            return _panel_gone(request, task_id)
        raise Http404(error.message) from error
    schema = _schema(task)
    template = "webui/task/panel.html" if panel else "webui/task/page.html"
    if request.method == "GET":
        return render(request, template, _context(actor, task, schema, panel=panel))

    action = request.POST.get("action", "")
    if action not in (FORM_ACTIONS if panel else ACTIONS):
        context = _context(actor, task, schema, panel=panel, form_level_errors=[_("未知操作。")])
        return render(request, template, context, status=400)
    outcome = _attempt(action, task, actor, schema, request, panel)
    if panel:
        return _panel_reply(request, actor, task, schema, outcome)
    return _page_reply(request, actor, task, schema, action, outcome)
