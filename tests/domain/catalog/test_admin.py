"""Django admin shows the catalog but writes nothing that has a code or a process behind it."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from domain.catalog.models import CatalogEntry, CatalogEntryVersion, ClassificationNode, ShareRequest
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_entries_versions_and_share_requests_cannot_be_added_changed_or_deleted() -> None:
    """A superuser may look, not add, edit or delete: that would bypass the code counter and the processes."""
    request = RequestFactory().get("/admin/")
    request.user = f.user("root", is_superuser=True, is_staff=True)
    for model in (CatalogEntry, CatalogEntryVersion, ShareRequest):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_a_classifications_codes_are_read_only_in_admin() -> None:
    """Only the name of a classification node may be corrected; nodes are created by classification_create."""
    request = RequestFactory().get("/admin/")
    request.user = f.user("root", is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[ClassificationNode]
    assert not model_admin.has_add_permission(request) and not model_admin.has_delete_permission(request)
    assert {"code", "full_code", "parent", "level"} <= set(model_admin.get_readonly_fields(request))
