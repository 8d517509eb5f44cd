"""Who may do what in the resource catalog and with share requests: one small function per rule.

Reading the catalog is for everyone signed in; a draft or an entry under review is seen only by its provider
department's people (any role) and administrators, because it is not a published resource yet. Editing a draft
and submitting (提交审核 / 申请变更 / 申请下线) is for the provider department's 编目员 (role "cataloguer")
and superusers — the same rule the domain services enforce (domain.catalog.services.entries.ensure_cataloguer),
so a button is never shown that the service would refuse. The reviewers of an approval case (whoever holds, or
may claim, one of its open tasks — the inbox rule of processes.selectors) read the entry under review and what
a 变更 proposes, as the provider's people do. Applying for a share is for people holding a role in
another department than the provider, on behalf of that department.
"""

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from domain.catalog.choices import EntryStatus, ShareType
from domain.catalog.models import CatalogEntry
from domain.catalog.selectors import entries_in_review
from domain.catalog.services.entries import APPROVAL_PROCESS, CATALOGUER_ROLE
from domain.directory.models import Department
from processes.ports import Actor, directory
from processes.selectors import inbox_for_actor

PUBLIC_STATUSES = (EntryStatus.PUBLISHED, EntryStatus.WITHDRAWN)


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def is_admin(actor: Actor) -> bool:
    return actor.is_superuser or actor.is_staff


def may_read_catalog(actor: Actor) -> bool:
    """Everyone signed in reads the published catalog (the platform's shared inventory)."""
    return actor.user_id is not None


def department_ids(actor: Actor) -> set[int]:
    """The departments the actor holds any role in."""
    return {department for department, _role in actor.memberships}


def visible_entries(actor: Actor) -> QuerySet[CatalogEntry]:
    """Published and withdrawn entries for all; drafts and entries in review for their provider's people, and
    the entries a reviewer has an open approval task of."""
    entries = CatalogEntry.objects.all()
    if is_admin(actor):
        return entries
    own = Q(provider_id__in=sorted(department_ids(actor)))
    return entries.filter(Q(status__in=PUBLIC_STATUSES) | own | Q(pk__in=sorted(reviewed_entry_ids(actor))))


def entries_in_review_for(actor: Actor) -> QuerySet[CatalogEntry]:
    """The 审核中 entries the catalog list shows the actor (the overview counts these)."""
    if is_admin(actor):
        return entries_in_review()
    return entries_in_review(provider_ids=department_ids(actor), reviewed_ids=reviewed_entry_ids(actor))


def reviews_entry(actor: Actor, entry_id: int) -> bool:
    """Holds or may claim an open task of one of the entry's approval cases (新增, 变更 or 下线)."""
    if actor.user_id is None:
        return False
    tasks = inbox_for_actor(actor).filter(
        instance__definition__key=APPROVAL_PROCESS, instance__business_key__startswith=f"catalog-{entry_id}-"
    )
    return tasks.exists()


def reviewed_entry_ids(actor: Actor) -> set[int]:
    """Every entry the actor reviews now (holds or may claim an open approval task of), in one query."""
    if actor.user_id is None:
        return set()
    keys = (
        inbox_for_actor(actor)
        .filter(instance__definition__key=APPROVAL_PROCESS)
        .values_list("instance__business_key", flat=True)
    )
    return {int(key.split("-")[1]) for key in keys if key.count("-") == 2 and key.split("-")[1].isdigit()}


def may_see_entries(actor: Actor, entries: list[CatalogEntry]) -> set[int]:
    """The ids of `entries` the actor may see (the `may_see_entry` rule, at most one query for many)."""
    shown = {e.pk for e in entries if is_admin(actor) or e.status in PUBLIC_STATUSES}
    own = department_ids(actor)
    shown |= {e.pk for e in entries if e.provider_id in own}
    if len(shown) < len({e.pk for e in entries}):
        shown |= reviewed_entry_ids(actor) & {e.pk for e in entries}
    return shown


def may_see_entry(actor: Actor, entry: CatalogEntry) -> bool:
    if is_admin(actor) or entry.status in PUBLIC_STATUSES or entry.provider_id in department_ids(actor):
        return True
    return reviews_entry(actor, entry.pk)


def may_see_proposal(actor: Actor, entry: CatalogEntry) -> bool:
    """What an open 变更 proposes is not published yet: the provider's people, its reviewers and administrators."""
    return is_admin(actor) or entry.provider_id in department_ids(actor) or reviews_entry(actor, entry.pk)


def may_catalogue(actor: Actor, provider_id: int) -> bool:
    """Edit a draft of, and submit for, the provider department: its 编目员, or a superuser."""
    return actor.is_superuser or (provider_id, CATALOGUER_ROLE) in actor.memberships


def cataloguing_departments(actor: Actor) -> QuerySet[Department]:
    """Where the actor may create entries: the departments they are 编目员 of (every one for a superuser)."""
    departments = Department.objects.order_by("path")
    if actor.is_superuser:
        return departments
    mine = sorted(dept for dept, role in actor.memberships if role == CATALOGUER_ROLE)
    return departments.filter(pk__in=mine)


def share_departments(actor: Actor, entry: CatalogEntry) -> QuerySet[Department]:
    """On whose behalf the actor may apply for `entry`: their departments other than the provider (a superuser
    with no department may choose any)."""
    departments = Department.objects.exclude(pk=entry.provider_id).order_by("path")
    own = department_ids(actor)
    if actor.is_superuser and not own:
        return departments
    return departments.filter(pk__in=sorted(own))


def share_closed_reason(entry: CatalogEntry) -> str:
    """Why nobody can apply for `entry` ("" when it is open to requests); the page says it instead of a button."""
    if entry.status != EntryStatus.PUBLISHED:
        return _("只能申请已发布的目录资源。")
    if entry.share_type == ShareType.NONE:
        return _("该资源为不予共享资源，依据：%(basis)s。不予共享的资源不能申请共享。") % {
            "basis": entry.no_share_basis or "—"
        }
    return ""


def forbidden(request: HttpRequest, entry: CatalogEntry | None, reason: str = "") -> HttpResponse:
    """403 with who may do it instead, and where to go back to."""
    context = {"entry": entry, "reason": reason, "section": "catalog"}
    return render(request, "webui/data/catalog/forbidden.html", context, status=403)
