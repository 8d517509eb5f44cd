"""The task page: instructions, the JSON Schema form, and the actions — draft, complete, return (退回),
delegate (转办), comment, attach (附件) — all through the inbox services and their permission rule.

Draft and complete go: parse the post (typed by the schema) → store the form's files (their references
join the data) → the service validates against the schema and saves. Errors come back by field, with the
entered values and the files already stored, so nothing has to be typed or uploaded twice."""

from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from processes.attachment_selectors import instance_attachments
from processes.errors import Conflict, NotFound, PermissionDenied, ProcessError, ValidationFailed
from processes.models import HumanTask, TaskComment, TaskStatus
from processes.ports import Actor, directory
from processes.selectors import instance_history, task_can_act, task_for_actor
from processes.services.attachments import allowed_types, attachment_add, max_bytes
from processes.services.definitions import form_schema
from processes.services.inbox import (
    form_errors,
    human_task_comment,
    human_task_complete,
    human_task_delegate,
    human_task_return,
    human_task_save_draft,
)
from webui.forms_jsonschema import attachment_fields, build_fields, parse_post, properties, unclaimed_errors
from webui.views.attachments import attachment_items, form_uploads
from webui.views.workbench import task_row

ACTIONS = ("draft", "complete", "return", "delegate", "comment", "attach")
FORM_ACTIONS = ("draft", "complete")


def _load(actor: Actor, task_id: int) -> HumanTask:
    try:
        return task_for_actor(task_id=task_id, actor=actor)
    except NotFound as error:
        raise Http404(error.message) from error


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


def _context(actor: Actor, task: HumanTask, schema: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    values = extra.pop("values", task.draft)
    errors: dict[str, list[str]] = extra.pop("form_errors", {}) or {}
    history = instance_history(instance=task.instance)
    comments = (
        TaskComment.objects.filter(task__instance_id=task.instance_id)
        .select_related("author", "task")
        .only("text", "created_at", "author__username", "task__name")
    )
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
        "attach_note": "",
        "returned_opinion": task.opinion if task.returned_from_id else "",
        "history": history,
        "comments": comments,
        "can_act": can_act,
        "can_comment": can_act or task.completed_by_id == actor.user_id or actor.is_superuser,
        "opinion": "",
        "delegate_to": "",
        "comment_text": "",
        "action_errors": {},
    }
    context.update(extra)
    return context


def _run(action: str, task: HumanTask, actor: Actor, request: HttpRequest, data: dict[str, Any]) -> str:
    """Call the service for `action`; return the success message."""
    post = request.POST
    if action == "draft":
        human_task_save_draft(task_id=task.pk, actor=actor, data=data)
        return _("草稿已保存。")
    if action == "complete":
        human_task_complete(task_id=task.pk, actor=actor, data=data)
        return _("任务“%(name)s”已办结。") % {"name": task.name}
    if action == "return":
        human_task_return(task_id=task.pk, actor=actor, opinion=post.get("opinion", ""))
        return _("任务“%(name)s”已退回。") % {"name": task.name}
    if action == "delegate":
        to = post.get("to", "").strip()
        human_task_delegate(task_id=task.pk, actor=actor, to_username=to, note=post.get("note", ""))
        return _("任务“%(name)s”已转办给 %(user)s。") % {"name": task.name, "user": to}
    if action == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("请选择要上传的文件。"), detail={"file": [_("请选择要上传的文件。")]})
        attachment = attachment_add(task_id=task.pk, actor=actor, upload=upload, note=post.get("note", ""))
        return _("附件“%(name)s”已上传。") % {"name": attachment.original_name}
    human_task_comment(task_id=task.pk, actor=actor, text=post.get("text", ""))
    return _("评论已发表。")


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


def _attempt(
    action: str, task: HumanTask, actor: Actor, schema: dict[str, Any] | None, request: HttpRequest
) -> Outcome:
    data: dict[str, Any] = {}
    try:
        if action in FORM_ACTIONS:
            data = parse_post(schema, request.POST)
            _store_files(action, task, actor, schema, request, data)
        message = _run(action, task, actor, request, data)
    except ValidationFailed as error:
        again = _form_again(action, task, request, data, error)
        return Outcome(_("提交的内容有误，请按提示修改。"), ok=False, form_again=again)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error
    except Conflict as error:
        reason = _("任务已被他人办理或状态已变化：%(reason)s") % {"reason": error.message}
        return Outcome(reason, ok=False, task_gone=True)
    except ProcessError as error:
        return Outcome(error.message, ok=False)
    return Outcome(message, ok=True, task_gone=action in ("complete", "return", "delegate"))


def _form_again(
    action: str, task: HumanTask, request: HttpRequest, data: dict[str, Any], error: ValidationFailed
) -> dict[str, Any]:
    """What the page needs to show the refused post again: what was typed, and each field's error."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    again: dict[str, Any] = {
        "opinion": request.POST.get("opinion", ""),
        "delegate_to": request.POST.get("to", ""),
        "comment_text": request.POST.get("text", ""),
        "attach_note": request.POST.get("note", ""),
    }
    if action in FORM_ACTIONS:
        again["values"] = data
        again["form_errors"] = detail or {"": [error.message]}
    else:
        again["action_errors"] = {action: [error.message]}
        if action != "comment":
            again["values"] = task.draft
    return again


def _panel_reply(
    request: HttpRequest, actor: Actor, task: HumanTask, schema: dict[str, Any] | None, outcome: Outcome
) -> HttpResponse:
    """The answer htmx swaps into the inbox's side panel: the form again (saved or refused), or the outcome
    with the task's row taken out of the list. Always 200, so that htmx swaps it."""
    said = {"panel_message": outcome.message, "panel_ok": outcome.ok}
    if outcome.task_gone:
        return render(request, "webui/task/panel_done.html", {"task": task, **said})
    task = _load(actor, task.pk)  # as saved: a draft's values
    context = _context(actor, task, schema, panel=True, **said, **(outcome.form_again or {}))
    return render(request, "webui/task/panel.html", context)


def _wants_panel(request: HttpRequest) -> bool:
    asked = request.POST.get("panel") if request.method == "POST" else request.GET.get("panel")
    return asked == "1" and request.headers.get("HX-Request") == "true"


@login_required
@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task page; with htmx and `panel=1`, the form alone, handled in the inbox's side panel."""
    actor = directory().actor_for(request.user)
    task = _load(actor, task_id)
    schema = _schema(task)
    panel = _wants_panel(request)
    if request.method == "GET":
        template = "webui/task/panel.html" if panel else "webui/task/page.html"
        return render(request, template, _context(actor, task, schema, panel=panel))

    action = request.POST.get("action", "")
    if action not in (FORM_ACTIONS if panel else ACTIONS):
        context = _context(actor, task, schema, panel=panel, form_level_errors=[_("未知操作。")])
        return render(request, "webui/task/panel.html" if panel else "webui/task/page.html", context, status=400)
    outcome = _attempt(action, task, actor, schema, request)
    if panel:
        return _panel_reply(request, actor, task, schema, outcome)
    if outcome.form_again is not None:
        messages.error(request, outcome.message)
        return render(request, "webui/task/page.html", _context(actor, task, schema, **outcome.form_again), status=400)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    if outcome.task_gone:
        return redirect("workbench:index")
    if not outcome.ok:
        return redirect("workbench:task_page", task_id=task.pk)
    return redirect(f"{reverse('workbench:task_page', kwargs={'task_id': task.pk})}#tb-{action}")
