"""Shell template tags: the signed-in user's departments and roles; readable audit actions; one language of a
bilingual service message; people by name."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from domain.directory.models import Membership
from webui.audit_labels import AUDIT_ACTION_LABELS, audit_action_label
from webui.i18n import one_language as _one_language

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


@register.filter
def audit_label(action: str) -> str:
    """`{{ event.action|audit_label }}`: the action's label, or its machine name when it has none."""
    return audit_action_label(str(action))


@register.simple_tag
def audit_action(action: str, code: bool = False) -> SafeString:
    """`{% audit_action event.action %}`: the label, the machine name in its title (hover, copy);
    `code=True` also prints the machine name in small text, for auditors."""
    action = str(action)
    if action not in AUDIT_ACTION_LABELS:
        return format_html('<code class="tb-action-code">{}</code>', action)
    label = audit_action_label(action)
    if code:
        return format_html(
            '<span class="tb-action" title="{}">{}</span> <small class="tb-action-code">{}</small>',
            action,
            label,
            action,
        )
    return format_html('<span class="tb-action" title="{}">{}</span>', action, label)


@register.filter
def one_language(text: Any) -> str:
    """`{{ error|one_language }}`: of a service's "中文 / English" message, the half in the page's language."""
    return "" if text is None else _one_language(str(text))


@register.simple_tag
def person(user: Any, nobody: str = "—") -> SafeString:
    """`{% person task.assignee %}`: the full name, the username on hover; `nobody` when there is none."""
    if user is None:
        return format_html("{}", nobody)
    return format_html('<span title="{}">{}</span>', user.username, user.get_full_name() or user.username)
