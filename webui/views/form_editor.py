"""流程设计 — the form editor: a draft's JSON Schema task forms, edited as a field list beside a live preview
drawn by the task page's own renderer (webui.forms_jsonschema), so what the designer sees is what the clerk
will get, in either language.

The whole editor is one plain form: every button (添加字段, 上移, 删除, 添加选项 …) posts the field list with
an `op` and the page comes back with the change, so it works without JavaScript; 保存 posts it with
`op=save`. With htmx, those buttons swap the editor in place, and any edit posts the field list to the
preview endpoint, which answers with the preview alone. Permission is the designer rule; a draft that is
not the designer's own is a 404.
"""

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from processes.errors import NotFound, ProcessError, ValidationFailed
from processes.form_labels import english_active
from processes.ports import Actor
from processes.selectors_designer import designer_forms, draft_get
from processes.services.attachments import allowed_types, max_bytes
from processes.services.designer import DraftStale
from processes.services.designer_forms import (
    DraftForm,
    FormSchemaInvalid,
    draft_form_delete,
    draft_form_get,
    draft_form_save,
    form_key_valid,
    schema_problems,
)
from webui.form_editor.schema import form_from_schema, form_schema, new_form
from webui.form_editor.spec import (
    KINDS,
    ROW_KINDS,
    FormSpec,
    apply_op,
    attach_problems,
    check_names,
    form_from_post,
    has_errors,
    ready_for_editing,
)
from webui.forms_jsonschema import build_fields
from webui.views.designer import designer_only


def _form(actor: Actor, draft_id: int, form_key: str) -> DraftForm:
    try:
        return draft_form_get(actor=actor, draft_id=draft_id, form_key=form_key)
    except NotFound as error:
        raise Http404(error.message) from error


@never_cache
@designer_only
@require_GET
def form_list(request: HttpRequest, actor: Actor, draft_id: int) -> HttpResponse:
    """The forms a task of this draft may name: the draft's own and those in bpmn/forms; 新建表单 asks a key."""
    try:
        draft = draft_get(actor=actor, draft_id=draft_id)
        rows = designer_forms(actor=actor, draft_id=draft_id)
    except NotFound as error:
        raise Http404(error.message) from error
    new_key = request.GET.get("key")
    if new_key is None:
        return render(request, "webui/form_editor/list.html", {"draft": draft, "rows": rows})
    if form_key_valid(new_key.strip()):
        return redirect("flows:form_editor", draft_id=draft.pk, form_key=new_key.strip())
    key_error = _("表单标识只能包含字母、数字、下划线、连字符和点，最长 100 个字符。")
    context = {"draft": draft, "rows": rows, "new_key": new_key, "key_error": key_error}
    return render(request, "webui/form_editor/list.html", context, status=400)


@designer_only
@require_POST
def form_delete(request: HttpRequest, actor: Actor, draft_id: int, form_key: str) -> HttpResponse:
    """删除 the draft's own form (a form of that key in bpmn/forms is then used again)."""
    try:
        draft_form_delete(draft_id=draft_id, actor=actor, form_key=form_key, revision=_revision(request))
    except NotFound as error:
        raise Http404(error.message) from error
    except ProcessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("表单 %(key)s 已从草稿中删除。") % {"key": form_key})
    return redirect("flows:form_list", draft_id=draft_id)


def _revision(request: HttpRequest) -> int:
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() else 0


def _preview(form: FormSpec) -> dict[str, Any]:
    """The preview's context: the fields as the task page draws them, what saving would refuse, the schema."""
    check_names(form)
    schema = form_schema(form)
    english = english_active()
    issues = [str(problem) for problem in schema_problems(schema)]
    for spec in form.fields:
        for each in [spec, *spec.fields]:
            issues += [_("%(field)s：%(message)s") % {"field": each.name or "—", "message": m} for m in each.errors]
    return {
        "preview_fields": build_fields(schema),
        "preview_title": form.title_en if english and form.title_en.strip() else form.title,
        "issues": form.errors + issues,
        "schema": schema,
        "schema_json": json.dumps(schema, ensure_ascii=False, indent=2),
        "attachment_accept": ",".join(f".{ext}" for ext in allowed_types()),
        "attachment_kinds": ", ".join(allowed_types()),
        "attachment_max_bytes": max_bytes(),
    }


def _page(request: HttpRequest, loaded: DraftForm, form: FormSpec, *, status: int = 200, **extra: Any) -> HttpResponse:
    preview = _preview(form)
    ready_for_editing(form)
    context = {
        "editor_url": reverse("flows:form_editor", kwargs={"draft_id": loaded.draft.pk, "form_key": loaded.key}),
        "preview_url": reverse(
            "flows:form_editor_preview", kwargs={"draft_id": loaded.draft.pk, "form_key": loaded.key}
        ),
        "draft": loaded.draft,
        "form_key": loaded.key,
        "source": loaded.source,
        # The forms' own revision: a diagram autosave in the modeler does not make this page stale.
        "revision": loaded.draft.forms_revision,
        "form": form,
        "kinds": KINDS,
        "row_kinds": ROW_KINDS,
        "json_text": preview["schema_json"],
        "json_errors": [],
        "unsaved": request.method == "POST",
        **preview,
    }
    context.update(extra)
    return render(request, "webui/form_editor/page.html", context, status=status)


def _from_json(text: str) -> tuple[FormSpec | None, list[str]]:
    """The editor's state for hand-written JSON, or the reasons it cannot be used (nothing changes then)."""
    try:
        schema = json.loads(text)
    except ValueError as error:
        return None, [_("不是有效的 JSON：%(error)s") % {"error": error}]
    problems = schema_problems(schema)
    if problems:
        return None, [str(problem) for problem in problems]
    return form_from_schema(schema), []


@never_cache  # Back must not bring up an old forms revision, which saving would then refuse
@designer_only
@require_http_methods(["GET", "POST"])
def form_editor(request: HttpRequest, actor: Actor, draft_id: int, form_key: str) -> HttpResponse:
    """The editor. GET opens the stored form; POST applies `op` to the posted field list (or saves it)."""
    loaded = _form(actor, draft_id, form_key)
    if request.method == "GET":
        if loaded.schema is not None:
            return _page(request, loaded, form_from_schema(loaded.schema))
        broken = [_("存储的表单不是有效的 JSON，请在“高级：直接编辑 JSON”中修正。")] if loaded.text else []
        return _page(request, loaded, new_form(), json_text=loaded.text or "", json_errors=broken)
    op = request.POST.get("op", "refresh")
    revision = _revision(request) or loaded.draft.forms_revision
    if op == "apply_json":
        text = request.POST.get("json", "")
        applied, errors = _from_json(text)
        if applied is None:
            form = form_from_post(request.POST)
            return _page(request, loaded, form, status=400, revision=revision, json_text=text, json_errors=errors)
        return _page(request, loaded, applied, revision=revision, json_applied=True)
    form = form_from_post(request.POST)
    if op == "save":  # without a revision, the save is checked against none (and so refused as stale)
        return _save(request, actor, loaded, form, _revision(request))
    apply_op(form, op)
    return _page(request, loaded, form, revision=revision, restored=op == "restore")


def _save(request: HttpRequest, actor: Actor, loaded: DraftForm, form: FormSpec, revision: int) -> HttpResponse:
    check_names(form)
    schema = form_schema(form)
    refused = _("表单有误，请按提示修改。")
    if has_errors(form):
        return _page(request, loaded, form, status=400, revision=revision, save_error=refused)
    try:
        draft_form_save(draft_id=loaded.draft.pk, actor=actor, form_key=loaded.key, schema=schema, revision=revision)
    except FormSchemaInvalid as error:
        attach_problems(form, [(problem.path, problem.message) for problem in error.problems])
        return _page(request, loaded, form, status=400, revision=revision, save_error=refused)
    except DraftStale as error:
        stale = _(
            "草稿的表单已在别处保存（可能是另一个窗口中的表单编辑器）。此页的修改尚未保存；"
            "再次点击“保存表单”将以此页内容保存该表单。"
        )
        return _page(request, loaded, form, status=409, revision=error.revision, save_error=stale)
    except ValidationFailed as error:
        return _page(request, loaded, form, status=400, revision=revision, save_error=error.message)
    messages.success(request, _("表单 %(key)s 已保存到草稿。") % {"key": loaded.key})
    return redirect("flows:form_editor", draft_id=loaded.draft.pk, form_key=loaded.key)


@designer_only
@require_POST
def form_preview(request: HttpRequest, actor: Actor, draft_id: int, form_key: str) -> HttpResponse:
    """The preview alone, for the posted field list (htmx swaps it in as the designer types)."""
    loaded = _form(actor, draft_id, form_key)
    context = {"draft": loaded.draft, "form_key": loaded.key, "oob": True, **_preview(form_from_post(request.POST))}
    return render(request, "webui/form_editor/preview.html", context)
