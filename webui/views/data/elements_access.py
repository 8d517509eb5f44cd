"""Who may change the data-element pool and decide 清洗比对 clusters: the data stewards.

One rule, used by every element and cleansing view: staff, and whoever holds the data authority's platform
role `platform_reviewer` (平台审核员, the seeded steward of platform-wide data: the demo's platform1 in
西湖区大数据局). Everyone signed in reads the pool and the review, since catalogers map their columns to it.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from processes.ports import Actor, directory

STEWARD_ROLES = frozenset({"platform_reviewer"})


def is_data_steward(actor: Actor) -> bool:
    """Staff and platform reviewers edit elements and decide clusters; anyone else reads."""
    if actor.is_staff or actor.is_superuser:
        return True
    return bool(actor.role_codes & STEWARD_ROLES)


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def not_a_steward(request: HttpRequest, section: str) -> HttpResponse:
    """403 saying who may do it, so a reader knows whom to ask."""
    return render(request, "webui/data/elements/forbidden.html", {"section": section}, status=403)
