"""常用筛选: a clerk names the inbox view they use, finds it above the list, and removes it again."""

import re

import pytest
from django.test import Client

from processes.models import SavedTaskFilter
from processes.services.saved_filters import MAX_SAVED_FILTERS, saved_filter_save
from tests import factories as f

pytestmark = pytest.mark.django_db

INBOX = "/workbench/"
SAVE = "/workbench/filters/"


@pytest.fixture
def clerk():  # type: ignore[no-untyped-def]
    return f.user("clerk", roles=["reviewer"], dept=f.department())


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_saving_the_current_view_lists_it_and_its_link_applies_it(clerk) -> None:  # type: ignore[no-untyped-def]
    """The saved link carries tab, search, due window and sort, but not the page the clerk was on."""
    client = client_for(clerk)
    query = "tab=group&q=%E5%AE%A1%E6%A0%B8&due=week&sort=priority&after=WzFd"
    response = client.post(SAVE, {"name": "本周 审核", "query": query}, follow=True)
    html = response.content.decode()
    # Shown once, in place and in the success colour (not repeated by a snackbar, not red).
    assert html.count("已保存常用筛选“本周 审核”") == 1
    assert '<p class="tb-ok" role="status">已保存常用筛选“本周 审核”' in html
    saved = SavedTaskFilter.objects.get(user=clerk)
    assert saved.query == "tab=group&q=%E5%AE%A1%E6%A0%B8&due=week&sort=priority"
    assert response.redirect_chain[-1][0] == f"{INBOX}?{saved.query}"
    # On that page the saved view is marked as the current one.
    link = re.search(r'<a href="\?([^"]+)" aria-current="true">本周 审核</a>', html)
    assert link and link.group(1).replace("&amp;", "&") == saved.query
    assert 'value="审核"' in html  # the search box holds the saved search


def test_saving_under_the_same_name_replaces_the_view(clerk) -> None:  # type: ignore[no-untyped-def]
    client = client_for(clerk)
    client.post(SAVE, {"name": "逾期", "query": "tab=mine&due=overdue"})
    client.post(SAVE, {"name": "逾期", "query": "tab=group&due=overdue"})
    assert list(SavedTaskFilter.objects.filter(user=clerk).values_list("query", flat=True)) == ["tab=group&due=overdue"]


def test_a_blank_name_or_too_many_views_is_refused_with_a_message(clerk) -> None:  # type: ignore[no-untyped-def]
    client = client_for(clerk)
    html = client.post(SAVE, {"name": "   ", "query": "tab=mine"}, follow=True).content.decode()
    assert "名称须为 1–40 个字符" in html and not SavedTaskFilter.objects.exists()
    for i in range(MAX_SAVED_FILTERS):
        saved_filter_save(user_id=clerk.pk, name=f"视图{i}", query="tab=mine")
    html = client.post(SAVE, {"name": "再来一个", "query": "tab=mine"}, follow=True).content.decode()
    assert f"最多保存 {MAX_SAVED_FILTERS} 个常用筛选" in html
    assert SavedTaskFilter.objects.filter(user=clerk).count() == MAX_SAVED_FILTERS


def test_views_are_private_and_deleting_another_users_view_changes_nothing(clerk) -> None:  # type: ignore[no-untyped-def]
    other = f.user("other", roles=["reviewer"], dept=f.department("330108", "滨江区数据局"))
    theirs = saved_filter_save(user_id=other.pk, name="他人的视图", query="tab=done")
    client = client_for(clerk)
    assert "他人的视图" not in client.get(INBOX).content.decode()
    html = client.post(f"/workbench/filters/{theirs.pk}/delete/", follow=True).content.decode()
    assert "不存在" in html and SavedTaskFilter.objects.filter(pk=theirs.pk).exists()
    mine = saved_filter_save(user_id=clerk.pk, name="我的", query="tab=done")
    client.post(f"/workbench/filters/{mine.pk}/delete/")
    assert not SavedTaskFilter.objects.filter(pk=mine.pk).exists()


def test_the_name_is_escaped(clerk) -> None:  # type: ignore[no-untyped-def]
    saved_filter_save(user_id=clerk.pk, name="<script>alert(1)</script>", query="tab=mine")
    html = client_for(clerk).get(INBOX).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_saving_and_deleting_need_the_csrf_token(clerk) -> None:  # type: ignore[no-untyped-def]
    mine = saved_filter_save(user_id=clerk.pk, name="我的", query="tab=done")
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(SAVE, {"name": "x", "query": "tab=mine"}).status_code == 403
    assert client.post(f"/workbench/filters/{mine.pk}/delete/").status_code == 403
    assert SavedTaskFilter.objects.filter(user=clerk).count() == 1


def test_the_save_form_takes_the_query_from_the_results_htmx_swapped_in(clerk) -> None:  # type: ignore[no-untyped-def]
    """Filters change the results block in place (htmx); the 保存筛选 form's query travels in that block
    (`form="tb-saved-new"`), so saving right after a filter change saves the view on screen."""
    client = client_for(clerk)
    page = client.get(INBOX, {"tab": "group"}).content.decode()
    save_form = re.search(r'<form class="tb-saved-new" id="tb-saved-new".*?</form>', page, re.S)
    assert save_form and 'name="query"' not in save_form.group(0)  # not frozen at the page's first load
    assert '<input type="hidden" name="query" value="tab=group" form="tb-saved-new">' in page

    fragment = client.get(
        INBOX,
        {"tab": "group", "due": "overdue", "sort": "priority"},
        headers={"HX-Request": "true", "HX-Target": "tb-inbox-results"},
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="tb-inbox-results"')
    query = re.search(r'<input type="hidden" name="query" value="([^"]*)" form="tb-saved-new">', fragment)
    assert query and query.group(1).replace("&amp;", "&") == "tab=group&due=overdue&sort=priority"

    client.post(SAVE, {"name": "逾期", "query": query.group(1).replace("&amp;", "&")})
    assert SavedTaskFilter.objects.get(user=clerk).query == "tab=group&due=overdue&sort=priority"


def test_the_current_saved_view_follows_htmx_filter_changes(clerk) -> None:  # type: ignore[no-untyped-def]
    """The saved views come along with the results (out of band): the chip of the view now on screen is the
    highlighted one, and none once the filters no longer match it."""
    saved_filter_save(user_id=clerk.pk, name="逾期", query="tab=group&due=overdue")
    client = client_for(clerk)
    hx = {"HX-Request": "true", "HX-Target": "tb-inbox-results"}

    matching = client.get(INBOX, {"tab": "group", "due": "overdue"}, headers=hx).content.decode()
    chips = re.search(r'<div id="tb-saved-list" hx-swap-oob="true">.*?</div>', matching, re.S)
    assert chips and "tb-saved-item--active" in chips.group(0) and 'aria-current="true">逾期</a>' in chips.group(0)

    other = client.get(INBOX, {"tab": "group", "due": "week"}, headers=hx).content.decode()
    chips = re.search(r'<div id="tb-saved-list" hx-swap-oob="true">.*?</div>', other, re.S)
    assert chips and ">逾期</a>" in chips.group(0) and "tb-saved-item--active" not in chips.group(0)
