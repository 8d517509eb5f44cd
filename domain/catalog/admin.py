from django.contrib import admin

from .models import CatalogEntry, CatalogEntryVersion, ClassificationNode, InfoItem, ShareRequest


@admin.register(ClassificationNode)
class ClassificationNodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["full_code", "name", "level", "department"]
    search_fields = ["full_code", "name"]


class InfoItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = InfoItem
    extra = 0


@admin.register(CatalogEntry)
class CatalogEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # Read-only here: entries change through the services and the catalog approval process.
    list_display = ["code", "name", "provider", "share_type", "status", "published_on"]
    list_filter = ["status", "share_type", "format_category"]
    search_fields = ["code", "name"]
    inlines = [InfoItemInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CatalogEntryVersion)
class CatalogEntryVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["entry", "number", "change_kind", "created_at"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ShareRequest)
class ShareRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["entry", "applicant_department", "status", "decided_stage", "created_at"]
    list_filter = ["status"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
