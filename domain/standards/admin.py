"""Admin: synonym groups and code sets are edited here; data elements only read (writes go through the
services, which keep the versions)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CodeSet, CodeValue, DataElement, DataElementVersion, SynonymGroup


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "element"]
    search_fields = ["key", "name"]
    filter_horizontal = ["related"]
    raw_id_fields = ["element"]


class CodeValueInline(admin.TabularInline):
    model = CodeValue
    extra = 0
    raw_id_fields = ["parent"]


@admin.register(CodeSet)
class CodeSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "standard", "partial"]
    search_fields = ["code", "name"]
    inlines = [CodeValueInline]


class VersionInline(admin.TabularInline):
    model = DataElementVersion
    extra = 0
    fields = ["version", "status", "changed_by", "changed_at", "note"]
    readonly_fields = ["version", "status", "changed_by", "changed_at", "note"]
    can_delete = False


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name_zh", "data_type", "format", "status", "version"]
    list_filter = ["status", "data_type"]
    search_fields = ["identifier", "name_zh", "name_en", "pinyin"]
    inlines = [VersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
