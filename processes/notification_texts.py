"""The texts of the notifications the orchestration core sends (催办, 改派, 转办, the escalation ladder), as
translatable templates.

A notification is composed once, when it is sent, in the platform's language (settings.LANGUAGE_CODE): that is
what the stored row and an email carry, whoever's request or job sent it. The notification centre shows it in
the reader's language by matching the stored text against the same templates and filling in the translation;
text that matches none (a supervisor's own words, an older notification) is shown as stored."""

import re
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

REMINDED = gettext_noop("催办：%(task)s")
REASSIGNED = gettext_noop("改派：%(task)s")
REASSIGNED_BODY = gettext_noop("%(actor)s 将任务改派给您。")
DELEGATED = gettext_noop("转办：%(task)s")
DELEGATED_BODY = gettext_noop("%(actor)s 将任务转办给您。")
ESCALATED_BLUE = gettext_noop("【提醒】任务“%(task)s”办理时限已用去大半")
ESCALATED_YELLOW = gettext_noop("【预警】任务“%(task)s”即将到期")
ESCALATED_RED = gettext_noop("【逾期】任务“%(task)s”已超过办理时限")
ESCALATED_BODY = gettext_noop("流程：%(process)s；截止时间：%(due)s。请及时办理。")

TEMPLATES = (
    REMINDED,
    REASSIGNED,
    REASSIGNED_BODY,
    DELEGATED,
    DELEGATED_BODY,
    ESCALATED_BLUE,
    ESCALATED_YELLOW,
    ESCALATED_RED,
    ESCALATED_BODY,
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def compose(template: str, **values: str) -> str:
    """The text in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(template) % values


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)  # text, name, text, name, …, text
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


def _line_in_reader_language(line: str) -> str:
    for template in TEMPLATES:
        found = _pattern(template).fullmatch(line)
        if found:
            return _(template) % found.groupdict()
    return line


def in_reader_language(text: str) -> str:
    """A stored notification text in the active language, line by line (a note typed by a person stays)."""
    return "\n".join(_line_in_reader_language(line) for line in text.split("\n"))
