"""A task form's labels in the page's language: `title`, `description` and `enumNames` (option labels,
beside `enum` on the property) hold Chinese; `"x-i18n": {"en": {"title", "description", "enumNames"}}` holds
English. Labels only: option values, and so what is posted and validated, are the same in both languages."""

from typing import Any

from django.utils.translation import get_language


def english_active() -> bool:
    return (get_language() or "").lower().startswith("en")


def _english_labels(prop: dict[str, Any]) -> dict[str, Any]:
    i18n = prop.get("x-i18n")
    english = i18n.get("en") if isinstance(i18n, dict) else None
    return english if isinstance(english, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def label(prop: dict[str, Any], keyword: str, *, english: bool) -> str:
    """The property's `title` or `description`; in English its English one, falling back to the Chinese."""
    if english:
        text = _english_labels(prop).get(keyword)
        if isinstance(text, str) and text.strip():
            return text
    return _text(prop.get(keyword) or "")


def option_labels(prop: dict[str, Any], options: list[Any], english: bool) -> list[str]:
    """A label per option: the English `enumNames` (in English), else `enumNames`, else the value itself."""
    items = prop["items"] if isinstance(prop.get("items"), dict) else {}
    lists = [_english_labels(prop).get("enumNames")] if english else []
    lists.append(prop.get("enumNames", items.get("enumNames")))
    labels = []
    for n, option in enumerate(options):
        found = (names[n] for names in lists if isinstance(names, list) and n < len(names))
        fallback = "true" if option is True else "false" if option is False else _text(option)
        labels.append(next((str(name) for name in found if isinstance(name, str) and name.strip()), fallback))
    return labels
