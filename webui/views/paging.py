"""Paging and query-string numbers, one version for every list page.

Numbered pages (`paginate`: Django's Paginator, a count and a slice) for lists that show where they are;
`page_number` + `page_url` for lists that fetch one row more than a page instead of counting; `keyset_page`
for newest-first lists paged by id, which stay right while rows are added at the top.
"""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import QueryDict


def int_or_none(value: object) -> int | None:
    """A non-negative number from a query or form value; None for blank, text or one too long for the database."""
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and text.isascii() and len(text) < 12 else None


def page_number(data: QueryDict, param: str = "page") -> int:
    """The page asked for, 1 when absent or not a positive number."""
    return max(int_or_none(data.get(param)) or 1, 1)


def page_url(data: QueryDict, page: int, param: str = "page") -> str:
    """The same list (filters kept) at another page."""
    query = data.copy()
    query[param] = str(page)
    return f"?{query.urlencode()}"


def paginate(rows: Any, data: QueryDict, size: int, param: str = "page") -> dict[str, Any]:
    """One page of `rows` (a count and a slice: two queries whatever the size) with its neighbours' links.

    `param` names the page number in the query string, so two lists on one page can page independently.
    """
    page = Paginator(rows, size).get_page(data.get(param))
    return {
        "page": page,
        "previous_url": page_url(data, page.previous_page_number(), param) if page.has_previous() else "",
        "next_url": page_url(data, page.next_page_number(), param) if page.has_next() else "",
    }


def keyset_page(rows: QuerySet[Any], data: QueryDict, size: int) -> tuple[list[Any], int | None, int | None]:
    """One page newest first, keyset-paged: `before` (older page) or `after` (newer page) a row id.

    Returns the rows and the ids the next-older and next-newer links start from (None: no such page).
    """
    before, after = int_or_none(data.get("before")), int_or_none(data.get("after"))
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: size + 1])
        newer_exists = len(found) > size
        page = list(reversed(found[:size]))
        # Came back from an older page, so an older one exists (unless every row since was filtered out).
        return page, (page[-1].pk if page else None), (page[0].pk if page and newer_exists else None)
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.order_by("-id")[: size + 1])
    page = found[:size]
    older = page[-1].pk if len(found) > size else None
    return page, older, (page[0].pk if page and before is not None else None)
