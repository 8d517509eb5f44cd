"""Looking names up in the synonym sets: exact terms, their pinyin initials, and context-conditional terms."""

from collections.abc import Iterable, Mapping
from typing import Any

from .normalise import core, has_cjk, initials, normalise
from .records import ConditionalTerm, Reason, SynonymSet, gettext_noop

MISSING_PREFIX = "~"  # concept key of a conditional term whose condition is not met: stays apart, gets linked


class ConceptIndex:
    def __init__(self, sets: Iterable[SynonymSet]) -> None:
        self.sets: dict[str, SynonymSet] = {}
        self._exact: dict[str, tuple[str, str]] = {}  # core → (set key, term)
        self._initials: dict[str, tuple[str, str] | None] = {}  # ASCII initials → (set key, term); None = ambiguous
        self._conditional: dict[str, tuple[str, ConditionalTerm]] = {}
        for synonym_set in sets:
            self.sets[synonym_set.key] = synonym_set
            for term in (synonym_set.name, *synonym_set.terms):
                self._add(synonym_set.key, term)
            for cond in synonym_set.conditional:
                term_core = core(normalise(cond.term))
                self._conditional[term_core] = (synonym_set.key, cond)
                self._conditional.setdefault(initials(term_core), (synonym_set.key, cond))
                self._conditional.setdefault(initials(normalise(cond.term)), (synonym_set.key, cond))

    def _add(self, key: str, term: str) -> None:
        term_core = core(normalise(term))
        self._exact.setdefault(term_core, (key, term))
        if has_cjk(term_core):
            for abbreviation in {initials(term_core), initials(normalise(term))}:
                known = self._initials.get(abbreviation, (key, term))
                self._initials[abbreviation] = (key, term) if known and known[0] == key else None

    def is_conditional(self, name_core: str) -> bool:
        return name_core in self._conditional

    def lookup(self, name_core: str, cjk: bool) -> tuple[str | None, Reason | None]:
        """The concept a name belongs to by itself (without context), and why."""
        found = self._exact.get(name_core)
        if found:
            return found[0], Reason(
                "synonym", gettext_noop("同义词表"), f"{self.sets[found[0]].name}: {found[1]}", 0.95
            )
        if not cjk:
            by_initials = self._initials.get(name_core)
            if by_initials:
                return by_initials[0], Reason(
                    "pinyin_initials", gettext_noop("拼音首字母相同"), f"{name_core} = {by_initials[1]}", 0.9
                )
        return None, None

    def lookup_in_context(self, name_core: str, context: Mapping[str, Any] | None) -> tuple[str, Reason]:
        key, cond = self._conditional[name_core]
        for wanted_key, values in cond.context.items():
            value = _context_value(context, wanted_key)
            if value is not None and normalise(str(value)) in {normalise(v) for v in values}:
                return key, Reason("context", gettext_noop("上下文"), f"{cond.term}: {wanted_key}={value}", 0.9)
        needed = "/".join(cond.context)
        return MISSING_PREFIX + key, Reason(
            "context_missing", gettext_noop("上下文不符"), f"{cond.term}: {needed}", 0.5
        )


def _context_value(context: Mapping[str, Any] | None, wanted: str) -> Any:
    if not context:
        return None
    wanted_keys = {normalise(wanted), initials(normalise(wanted))}
    for key, value in context.items():
        if normalise(str(key)) in wanted_keys:
            return value
    return None
