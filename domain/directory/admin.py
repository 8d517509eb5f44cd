from django.contrib import admin

from .models import Department, Membership, Role


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user", "role"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    # Ordered by path, so the list reads as the tree; the path is computed from the parents on save.
    list_display = ["code", "name", "region_code", "parent", "path"]
    search_fields = ["code", "name", "region_code"]
    list_filter = ["region_code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]
    inlines = [MembershipInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "department__name", "role__code"]
    autocomplete_fields = ["user", "department", "role"]
