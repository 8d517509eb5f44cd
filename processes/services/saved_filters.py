"""常用筛选: a person names the inbox view they keep coming back to (tab, filters, search, sort)."""

from urllib.parse import urlencode

from django.db import transaction
from django.http import QueryDict

from processes.errors import NotFound, ValidationFailed
from processes.models import SavedTaskFilter

MAX_SAVED_FILTERS = 20
# What a saved view remembers; page cursors and anything else in the query string are dropped.
SAVED_QUERY_FIELDS = ("tab", "q", "process", "department", "due", "min_priority", "sort")


def saved_filter_query(query: str) -> str:
    """The query string cut down to SAVED_QUERY_FIELDS, blanks dropped, in a fixed order."""
    data = QueryDict(query)
    kept = [(name, data[name].strip()) for name in SAVED_QUERY_FIELDS if data.get(name, "").strip()]
    return urlencode(kept)


@transaction.atomic
def saved_filter_save(*, user_id: int, name: str, query: str) -> SavedTaskFilter:
    """Save the view under `name`, replacing the user's view of the same name."""
    name = " ".join(name.split())
    if not name or len(name) > 40:
        raise ValidationFailed("名称须为 1–40 个字符 / the name must be 1–40 characters", detail={"name": name})
    existing = SavedTaskFilter.objects.select_for_update().filter(user_id=user_id, name=name).first()
    if existing is None and SavedTaskFilter.objects.filter(user_id=user_id).count() >= MAX_SAVED_FILTERS:
        raise ValidationFailed(
            f"最多保存 {MAX_SAVED_FILTERS} 个常用筛选，请先删除不用的 / at most {MAX_SAVED_FILTERS} saved filters"
        )
    saved, _created = SavedTaskFilter.objects.update_or_create(
        user_id=user_id, name=name, defaults={"query": saved_filter_query(query)}
    )
    return saved


def saved_filter_delete(*, user_id: int, filter_id: int) -> None:
    deleted, _rows = SavedTaskFilter.objects.filter(user_id=user_id, pk=filter_id).delete()
    if not deleted:
        raise NotFound(f"常用筛选 {filter_id} 不存在 / saved filter {filter_id} not found")
