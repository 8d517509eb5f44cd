"""Reusable checks: 表示格式 notation, 公民身份号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB/T 19488.1 notation: a letters, n digits, an both; `an18` fixed, `an..50` up to 50, `n3..8` from 3 to 8,
# `n..12,2` with 2 decimal places. Date and time pictures (`YYYYMMDD` …) are accepted as written.
_NOTATION = re.compile(r"^(?P<chars>an|a|n)(?:(?P<fixed>\d+)|(?P<min>\d+)?\.\.(?P<max>\d+))(?:,(?P<decimals>\d+))?$")
DATE_PICTURES = frozenset(
    {
        "YYYYMMDD",
        "YYYY-MM-DD",
        "YYYYMM",
        "YYYY",
        "hhmmss",
        "hh:mm:ss",
        "YYYYMMDDhhmmss",
        "YYYY-MM-DD hh:mm:ss",
        "YYYY-MM-DDThh:mm:ss",
    }
)


@dataclass(frozen=True)
class FormatNotation:
    chars: str  # "a", "n", "an", or "" for a date/time picture
    min_length: int
    max_length: int
    decimals: int | None = None
    picture: str = ""

    @property
    def fixed(self) -> bool:
        return self.min_length == self.max_length


def parse_format_notation(value: str) -> FormatNotation:
    """Parse a 表示格式; raises ValidationError saying what is wrong with it."""
    text = value.strip()
    if text in DATE_PICTURES:
        digits = sum(1 for char in text if char.isalpha())
        return FormatNotation("", digits, len(text), picture=text)
    match = _NOTATION.match(text)
    if not match:
        raise ValidationError(
            _("表示格式“%(value)s”不符合 a/n/an 记法，例如 an18、an..50、n8、n..12,2"),
            code="format_notation",
            params={"value": value},
        )
    if match["fixed"]:
        low = high = int(match["fixed"])
    else:
        low, high = int(match["min"] or 1), int(match["max"])
    decimals = int(match["decimals"]) if match["decimals"] is not None else None
    if high < 1 or low < 1 or low > high:
        raise ValidationError(
            _("表示格式“%(value)s”的长度无效：最小长度须为 1 至最大长度之间"),
            code="format_length",
            params={"value": value},
        )
    if decimals is not None and (match["chars"] != "n" or decimals >= high):
        raise ValidationError(
            _("表示格式“%(value)s”：只有数字格式 n 可带小数位，且小数位须小于长度"),
            code="format_decimals",
            params={"value": value},
        )
    return FormatNotation(match["chars"], low, high, decimals)


def validate_format_notation(value: str) -> None:
    if value:
        parse_format_notation(value)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_citizen_id(value: str) -> bool:
    """18 characters: 6 address digits, 8 birth-date digits (a real date), 3 sequence digits, check digit or X."""
    text = value.strip().upper()
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return citizen_id_check_char(text[:17]) == text[17]


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character: 31 − (Σ value × weight mod 31), 31 written as 0."""
    total = sum(_CREDIT_CHARS.index(char) * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """18 characters of the GB 32100 set, an administrative-division code in positions 3–8, the check character."""
    text = value.strip().upper()
    if len(text) != 18 or any(char not in _CREDIT_CHARS for char in text) or not text[2:8].isdigit():
        return False
    return credit_code_check_char(text[:17]) == text[17]


def validate_citizen_id(value: str) -> None:
    if not is_valid_citizen_id(value):
        raise ValidationError(
            _("“%(value)s”不是有效的公民身份号码（18 位，末位为 MOD 11-2 校验码）"),
            code="citizen_id",
            params={"value": value},
        )


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(
            _("“%(value)s”不是有效的统一社会信用代码（18 位，末位为校验码）"),
            code="credit_code",
            params={"value": value},
        )
