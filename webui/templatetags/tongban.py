"""Shell template tags: the signed-in user's departments and roles."""

from typing import Any

from django import template

from domain.directory.models import Membership

register = template.Library()


@register.simple_tag
def user_memberships(user: Any) -> list[dict[str, str]]:
    """One query: each (department, role) the user holds, for the drawer header."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        Membership.objects.filter(user_id=user.pk)
        .order_by("department__path", "role__code")
        .values_list("department__name", "role__name")
    )
    return [{"department": dept, "role": role} for dept, role in rows]
