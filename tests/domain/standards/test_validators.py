"""Value-domain checks: 表示格式 notation, 公民身份号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""

import pytest
from django.core.exceptions import ValidationError

from domain.standards.validators import (
    citizen_id_check_char,
    credit_code_check_char,
    is_valid_citizen_id,
    is_valid_credit_code,
    parse_format_notation,
    validate_citizen_id,
    validate_credit_code,
)


@pytest.mark.parametrize(
    ("notation", "chars", "low", "high", "decimals"),
    [
        ("an18", "an", 18, 18, None),
        ("an..50", "an", 1, 50, None),
        ("n8", "n", 8, 8, None),
        ("a..20", "a", 1, 20, None),
        ("n3..8", "n", 3, 8, None),
        ("n..12,2", "n", 1, 12, 2),
    ],
)
def test_valid_format_notations_are_understood(notation, chars, low, high, decimals):
    """a/n/an with a fixed length, an upper bound or a range, and decimals for numbers."""
    parsed = parse_format_notation(notation)
    assert (parsed.chars, parsed.min_length, parsed.max_length, parsed.decimals) == (chars, low, high, decimals)
    assert parsed.fixed == (low == high)


def test_date_pictures_are_accepted_as_formats():
    assert parse_format_notation("YYYYMMDD").picture == "YYYYMMDD"


@pytest.mark.parametrize("notation", ["an", "x18", "an0", "an..0", "n8..3", "an..50,2", "n8,8", "AN18", "an 18", "18"])
def test_invalid_format_notations_are_refused_with_a_message(notation):
    """Missing length, unknown letters, zero or reversed lengths, decimals on text or as long as the number."""
    with pytest.raises(ValidationError) as error:
        parse_format_notation(notation)
    assert notation in error.value.messages[0]


def test_citizen_id_check_digit_follows_mod_11_2():
    """The GB 11643 example 11010519491231002X is valid; changing any digit or the check character is not."""
    assert is_valid_citizen_id("11010519491231002X")
    assert is_valid_citizen_id("11010519491231002x")  # a lower-case x as typed
    assert citizen_id_check_char("11010519491231002") == "X"
    assert not is_valid_citizen_id("110105194912310021")
    assert not is_valid_citizen_id("11010519491231003X")
    assert not is_valid_citizen_id("11010519491331002X")  # month 13
    assert not is_valid_citizen_id("1101051949123100X")  # 17 characters
    with pytest.raises(ValidationError):
        validate_citizen_id("110105194912310021")


def test_citizen_id_check_digit_is_computed_for_any_seventeen_digits():
    """Every body gets exactly one valid check character."""
    body = "33010619900307123"
    valid = [char for char in "0123456789X" if is_valid_citizen_id(body + char)]
    assert valid == [citizen_id_check_char(body)]


def test_credit_code_check_character_follows_gb_32100():
    """The GB 32100 example 91350100M000100Y43 is valid; a changed character or check character is not."""
    assert is_valid_credit_code("91350100M000100Y43")
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000200Y43")
    assert not is_valid_credit_code("91350100I000100Y43")  # I is not in the code's character set
    assert not is_valid_credit_code("9135010M000100Y43")  # 17 characters
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100Y44")
