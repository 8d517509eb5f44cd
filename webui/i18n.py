"""The services speak both languages in one string ("任务已被他人签收 / the task was claimed by someone
else"): the API returns it whole, a page shows the half in the reader's language."""

import re

from django.utils.translation import get_language

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# " / " as the services write it; "（允许：pdf）/ files…" too, where a closing bracket comes first.
_SEPARATOR = re.compile(r"\s*/\s+")
_PAIRS = {"（": "）", "(": ")", "“": "”", "‘": "’", "「": "」", "《": "》", "【": "】"}


def _balanced(text: str) -> bool:
    """No bracket or quote left open: a " / " inside "（无扩展名 / none）" is not the separator."""
    closing = set(_PAIRS.values())
    stack: list[str] = []
    for char in text:
        if char in _PAIRS:
            stack.append(_PAIRS[char])
        elif char in closing:
            if not stack or stack.pop() != char:
                return False
    return not stack


def _ascii_ish(text: str) -> bool:
    """Starts as English does and is mostly ASCII (a Chinese name quoted in it does not disqualify it)."""
    visible = [char for char in text if not char.isspace()]
    if not visible or not visible[0].isascii():
        return False
    return sum(char.isascii() for char in visible) * 2 > len(visible)


def split_languages(text: str) -> tuple[str, str] | None:
    """(Chinese, English) of a bilingual message, or None when it is not one."""
    for match in _SEPARATOR.finditer(text):
        left, right = text[: match.start()], text[match.end() :]
        if _CJK.search(left) and _balanced(left) and _ascii_ish(right):
            return left.strip(), right.strip()
    return None


def one_language(text: str) -> str:
    """The half of "中文 … / English …" in the active language (zh → left, en → right); other text unchanged."""
    text = str(text)
    halves = split_languages(text)
    if halves is None:
        return text
    return halves[1] if (get_language() or "").startswith("en") else halves[0]
