"""Admin pages for the orchestration tables: read-only views for operators, plus retry / skip on
incidents. Every change goes through the services (the one locked path, with audit), never a form."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .errors import ProcessError
from .models import (
    AuditEvent,
    HumanTask,
    Incident,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstance,
    ServiceJob,
    TimerSchedule,
)
from .ports import directory
from .services.jobs import incident_retry, incident_skip


def _pre(text: str) -> SafeString:
    return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>', text)


def _json(value: Any) -> SafeString:
    return _pre(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows are written by the services, which keep the state, read models and audit in step."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "name", "deployed_at", "deployed_by"]
    list_filter = ["key"]
    search_fields = ["key", "name", "content_hash"]
    list_select_related = ["deployed_by"]
    exclude = ["bpmn_xml", "extra_files"]
    readonly_fields = ["bpmn_source", "extra_file_names"]

    @admin.display(description=_("BPMN XML"))
    def bpmn_source(self, obj: ProcessDefinition) -> SafeString:
        return _pre(obj.bpmn_xml)

    @admin.display(description=_("附带文件 / extra files"))
    def extra_file_names(self, obj: ProcessDefinition) -> str:
        return ", ".join(sorted(obj.extra_files or {})) or "—"


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "definition", "business_key", "status", "department", "started_by", "started_at", "ended_at"]
    list_filter = ["status", "definition"]
    search_fields = ["=id", "business_key"]
    list_select_related = ["definition", "department", "started_by"]
    exclude = ["state"]
    readonly_fields = ["state_json"]

    @admin.display(description=_("状态数据 / workflow state"))
    def state_json(self, obj: ProcessInstance) -> SafeString:
        try:
            return _json(json.loads(obj.state))
        except ValueError:
            return _pre(obj.state)


@admin.register(HumanTask)
class HumanTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "process_key", "instance", "status", "assignee", "department", "priority", "due_at"]
    list_filter = ["status", "process_key", "department"]
    search_fields = ["=id", "name", "element_id", "instance__business_key", "assignee__username"]
    list_select_related = ["instance__definition", "assignee", "department"]


@admin.register(ServiceJob)
class ServiceJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "operator", "instance", "element_id", "status", "attempts", "updated_at"]
    list_filter = ["status", "operator"]
    search_fields = ["=id", "operator", "idempotency_key", "instance__business_key"]
    list_select_related = ["instance__definition"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "element_id", "status", "short_message", "created_at", "resolved_by"]
    list_filter = ["status"]
    search_fields = ["=id", "element_id", "message", "instance__business_key"]
    list_select_related = ["instance__definition", "resolved_by"]
    readonly_fields = ["message_text"]
    exclude = ["message"]
    actions = ["retry", "skip"]

    @admin.display(description=_("错误 / error"))
    def short_message(self, obj: Incident) -> str:
        first_line = (obj.message or "").splitlines()[0] if obj.message else ""
        return first_line[:120]

    @admin.display(description=_("错误详情 / error detail"))
    def message_text(self, obj: Incident) -> SafeString:
        return _pre(obj.message)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("processes.change_incident"))

    @admin.action(description=_("重试 / Retry"), permissions=["resolve"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._resolve(request, queryset, incident_retry, _("已重新排队 / re-queued"))

    @admin.action(description=_("跳过 / Skip"), permissions=["resolve"])
    def skip(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._resolve(request, queryset, incident_skip, _("已跳过 / skipped"))

    def _resolve(
        self, request: HttpRequest, queryset: QuerySet[Incident], service: Callable[..., object], done: str | Promise
    ) -> None:
        actor = directory().actor_for(request.user)
        resolved = []
        for incident_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                service(incident_id=incident_id, actor=actor)
            except ProcessError as exc:
                self.message_user(request, f"#{incident_id}: {exc.message}", level=messages.ERROR)
            else:
                resolved.append(f"#{incident_id}")
        if resolved:
            self.message_user(request, f"{done}: {', '.join(resolved)}", level=messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "actor", "action", "process_key", "instance_id", "task_id"]
    list_filter = ["action", "process_key"]
    search_fields = ["=id", "actor", "process_key", "=instance_id", "hash"]
    # The table only grows; counting it on every page is the slow part of the changelist.
    show_full_result_count = False
    exclude = ["payload"]
    readonly_fields = ["payload_json"]

    @admin.display(description=_("内容 / payload"))
    def payload_json(self, obj: AuditEvent) -> SafeString:
        return _json(obj.payload)


@admin.register(TimerSchedule)
class TimerScheduleAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "element_id", "due_at"]
    search_fields = ["=instance__id", "element_id"]
    list_select_related = ["instance__definition"]


@admin.register(MessageSubscription)
class MessageSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "instance", "correlation"]
    list_filter = ["name"]
    search_fields = ["name", "=instance__id"]
    list_select_related = ["instance__definition"]
