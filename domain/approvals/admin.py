from django.contrib import admin

from .models import DecisionRecord


@admin.register(DecisionRecord)
class DecisionRecordAdmin(admin.ModelAdmin):
    list_display = ["business_key", "approved", "recorded_at"]
    search_fields = ["business_key"]
