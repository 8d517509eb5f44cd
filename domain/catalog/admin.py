"""The catalog in Django admin: for looking, not for writing. Entries, share requests and versions change only
through the services and their processes; a classification's codes only through classification_create, so
neither a resource code nor the code counter can be bypassed here."""

from typing import Any

from django.contrib import admin

from .models import CatalogEntry, CatalogEntryVersion, ClassificationNode, InfoItem, ShareRequest


class _ReadOnly:
    """No add, change or delete from admin (viewing stays)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ClassificationNode)
class ClassificationNodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # The name may be corrected here; the code segments make the resource codes and never change.
    list_display = ["full_code", "name", "level", "department"]
    search_fields = ["full_code", "name"]
    readonly_fields = ["parent", "level", "code", "full_code", "department"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class InfoItemInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = InfoItem
    extra = 0


@admin.register(CatalogEntry)
class CatalogEntryAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "provider", "share_type", "status", "published_on"]
    list_filter = ["status", "share_type", "format_category"]
    search_fields = ["code", "name"]
    inlines = [InfoItemInline]


@admin.register(CatalogEntryVersion)
class CatalogEntryVersionAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["entry", "number", "change_kind", "created_at"]


@admin.register(ShareRequest)
class ShareRequestAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["entry", "applicant_department", "status", "decided_stage", "created_at"]
    list_filter = ["status"]
