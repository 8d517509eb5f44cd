"""数据通 — assets pages (filled in by the issue-6 pages)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
