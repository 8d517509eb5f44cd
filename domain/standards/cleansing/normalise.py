"""Name normalisation: width, case, punctuation, suffix spellings, pinyin initials, 表示词, 区分词, type family."""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin_dict

from .vocabulary import COMPATIBLE_FAMILIES, DISTINGUISHING_SETS, REPRESENTATION_TERMS, SUFFIX_CANON, TYPE_FAMILIES

_NOT_WORD = re.compile(r"[\W_]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_TYPE_NAME = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise(name: str) -> str:
    """Full-width → half-width (NFKC), lower case, no punctuation, spaces or underscores."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).lower())


def core(normalised: str) -> str:
    """The normalised name with numbering and equivalent suffix spellings folded (地址2, 身份证号码 → 身份证号)."""
    stem = _TRAILING_DIGITS.sub("", normalised) or normalised
    for long, short in SUFFIX_CANON:
        if stem.endswith(long):
            return stem[: -len(long)] + short
    return stem


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@lru_cache(maxsize=8192)
def _char_initial(char: str) -> str | None:
    """The pinyin initial of one character when all its readings agree, else None (ask the phrase model)."""
    readings = pinyin_dict.pinyin_dict.get(ord(char))
    if readings is None:
        return None
    letters = {unicodedata.normalize("NFKD", reading)[0] for reading in readings.split(",")}
    return letters.pop() if len(letters) == 1 else None


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters, ASCII letters kept, digits dropped (身份证号码 → sfzhm)."""
    letters = []
    for position, char in enumerate(text):
        if char.isascii():
            if char.isalpha():
                letters.append(char)
            continue
        letter = _char_initial(char)
        if letter is None:
            # A heteronym whose readings start differently (银行, 重庆): let pypinyin's phrase model read it in
            # a small window around it; the window keeps this fast and cacheable across names.
            start = max(0, position - 2)
            letter = _initial_in_window(text[start : position + 3], position - start)
        if letter:
            letters.append(letter)
    return "".join(letters).lower()


@lru_cache(maxsize=65536)
def _initial_in_window(window: str, index: int) -> str:
    # errors=list keeps every non-Chinese character as its own part, so positions line up with the window.
    parts = lazy_pinyin(window, style=Style.FIRST_LETTER, errors=list)  # type: ignore[arg-type]
    return parts[index][:1] if index < len(parts) and parts[index][:1].isalpha() else ""


_REPRESENTATION = re.compile("(" + "|".join(re.escape(term) for term, _klass in REPRESENTATION_TERMS) + ")$")
_REPRESENTATION_CLASS = dict(REPRESENTATION_TERMS)
_ALL_TERMS = sorted({term for terms in DISTINGUISHING_SETS for term in terms}, key=len, reverse=True)
_NO_TERMS: tuple[frozenset[str], ...] = tuple(frozenset() for _ in DISTINGUISHING_SETS)


def representation(normalised: str) -> str | None:
    """The 表示词 class the name ends with (…日期 → 日期, …电话号码 → 电话), or None for unknown/ASCII."""
    match = _REPRESENTATION.search(normalised)
    return _REPRESENTATION_CLASS[match.group(1)] if match else None


def distinguishing_terms(normalised: str) -> tuple[frozenset[str], ...]:
    """Per distinguishing set, the terms of it that occur in the name."""
    found = {term for term in _ALL_TERMS if term in normalised}
    if not found:
        return _NO_TERMS
    return tuple(terms & found if terms & found else frozenset() for terms in DISTINGUISHING_SETS)


def terms_conflict(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> tuple[str, str] | None:
    """The terms of the first distinguishing set that both sides use without a term in common (户籍 vs 居住)."""
    for terms_a, terms_b in zip(a, b, strict=True):
        if terms_a and terms_b and not terms_a & terms_b:
            return "/".join(sorted(terms_a)), "/".join(sorted(terms_b))
    return None


@lru_cache(maxsize=4096)
def type_family(data_type: str) -> str:
    """ "varchar(18)" → "text", "N" → "number"; "" when unknown."""
    match = _TYPE_NAME.search(data_type.lower())
    return TYPE_FAMILIES.get(match.group(0), "") if match else ""


def families_compatible(a: str, b: str) -> bool:
    return not a or not b or a == b or frozenset({a, b}) in COMPATIBLE_FAMILIES
