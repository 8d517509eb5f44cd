"""督查督办 in Django admin: for looking, not for writing. Items, units and reports change only through the
services and the supervision_task process, so a due time, a status or the issue pool cannot be bypassed."""

from typing import Any

from django.contrib import admin

from .models import Notice, Problem, ProgressReport, SupervisionItem, SupervisionUnit


class _ReadOnly:
    """No add, change or delete from admin (viewing stays)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class UnitInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = SupervisionUnit
    fields = ["department", "role", "status", "due_at", "submitted_at", "on_time", "returned_count", "extended_days"]
    extra = 0


@admin.register(SupervisionItem)
class SupervisionItemAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "source", "urgency", "status", "due_at", "office", "parent"]
    list_filter = ["status", "source", "urgency"]
    search_fields = ["title", "source_reference"]
    inlines = [UnitInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["item", "unit", "kind", "percent", "reporter", "submitted_at"]
    list_filter = ["kind"]


@admin.register(Problem)
class ProblemAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["description", "item", "unit", "owner", "status", "raised_at"]
    list_filter = ["status"]
    search_fields = ["description", "owner"]


@admin.register(Notice)
class NoticeAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "item", "published_at"]
