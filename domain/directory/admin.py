from django.contrib import admin

from .models import Department, Membership, Role


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user", "role"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region_code", "parent"]
    search_fields = ["code", "name", "region_code"]
    list_filter = ["region_code"]
    autocomplete_fields = ["parent"]
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
