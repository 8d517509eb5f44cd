"""Every Chinese text the UI shows through Django i18n has an English translation in locale/en.

Strings are collected the way `makemessages` does, without GNU gettext: templates are turned into
gettext calls by Django's own `templatize`, and Babel's Python extractor reads those and the modules.
"""

import io
import re
import tokenize
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = ("webui", "processes", "domain", "handlers", "settings")
CALL = re.compile(r"\b(?:n?p?gettext)\(")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "npgettext": ((1, "c"), 2, 3),
}


def _messages(source: str, origin: str) -> set[str]:
    found: set[str] = set()
    for _line, _function, message, _comments in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {}):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.add(text)
    return found


def _template_calls(templatized: str) -> str:
    """The gettext calls out of `templatize`'s output (the rest is placeholder text, not Python), one per line."""
    calls = []
    for start in (m.start() for m in CALL.finditer(templatized)):
        depth, line = 0, templatized[start:].split("\n", 1)[0]
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            depth += {"(": 1, ")": -1}.get(token.string, 0) if token.type == tokenize.OP else 0
            if depth == 0 and token.string == ")":
                calls.append(line[: token.end[1]])
                break
    return "\n".join(calls)


def _source_messages() -> dict[str, str]:
    """msgid → the first file it comes from."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                text = path.read_text()
            elif path.suffix in (".html", ".txt") and "templates" in path.parts:
                text = _template_calls(templatize(path.read_text(), origin=str(path)))
            else:
                continue
            for message in _messages(text, str(path)):
                found.setdefault(message, str(path.relative_to(ROOT)))
    return found


def test_every_ui_text_has_an_english_translation() -> None:
    with (ROOT / "locale/en/LC_MESSAGES/django.po").open("rb") as po:
        catalog = read_po(po)
    translated = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string}
    missing = {text: origin for text, origin in _source_messages().items() if text not in translated}
    assert not missing, "no English for:\n" + "\n".join(
        f"  {origin}: {text!r}" for text, origin in sorted(missing.items())
    )


def test_the_catalogue_has_no_duplicate_entries() -> None:
    """A msgid twice in the .po (in the same context) is a merge mistake: one translation silently wins."""
    seen: list[tuple[str, str]] = []
    context = ""
    for line in (ROOT / "locale/en/LC_MESSAGES/django.po").read_text().splitlines():
        if line.startswith("msgctxt "):
            context = line
        elif line.startswith("msgid "):
            seen.append((context, line))
            context = ""
    duplicates = sorted({entry for entry in seen if seen.count(entry) > 1})
    assert not duplicates, duplicates
