from datetime import date

import pytest

from core.idnumber import IdNumberError, check_char, mask_id_number, parse_id_number, upgrade_15_digit


def make_id(prefix="420102", birth="19900307", seq="123"):
    first17 = prefix + birth + seq
    return first17 + check_char(first17)


def test_valid_number_gives_birth_date_and_gender():
    parsed = parse_id_number(make_id(birth="19900307", seq="123"))
    assert parsed.birth_date == date(1990, 3, 7)
    assert parsed.gender == "M"  # 17th digit 3 is odd
    assert parse_id_number(make_id(seq="124")).gender == "F"


def test_known_published_example_with_x_check_character():
    # GB 11643 example: 11010519491231002X
    parsed = parse_id_number("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.gender == "F"


@pytest.mark.parametrize(
    "raw, code",
    [
        ("", "empty"),
        ("4201021990030712", "length"),
        ("42010219900307123A", "characters"),
        ("99010219900307123" + "1", "division"),
        ("42010219900230" + "1234", "birth_date"),  # Feb 30
        ("42010221000101" + "1234", "birth_date"),  # in the future
    ],
)
def test_invalid_numbers_are_refused_with_a_code(raw, code):
    with pytest.raises(IdNumberError) as error:
        parse_id_number(raw, today=date(2026, 11, 28))
    assert error.value.code == code
    assert error.value.message  # a Chinese message for the user


def test_bad_check_digit_is_refused():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(IdNumberError) as error:
        parse_id_number(bad)
    assert error.value.code == "check_digit"
    assert "校验" in error.value.message


def test_fifteen_digit_number_is_refused_with_its_18_digit_form():
    with pytest.raises(IdNumberError) as error:
        parse_id_number("420102900307123")
    assert error.value.code == "fifteen_digits"
    assert upgrade_15_digit("420102900307123") in error.value.message
    assert upgrade_15_digit("420102900307123") == make_id(birth="19900307", seq="123")


def test_leap_day_birth_is_valid_only_in_leap_years():
    assert parse_id_number(make_id(birth="20000229")).birth_date == date(2000, 2, 29)
    with pytest.raises(IdNumberError):
        parse_id_number(make_id(birth="19000229"))  # 1900 is not a leap year


def test_mask_keeps_division_code_and_last_four():
    assert mask_id_number("420102199003071234") == "420102********1234"
