"""The one decimal parser (teams.numbers): what it reads, what it refuses and why. No database."""

from decimal import Decimal

import pytest

from teams.numbers import NumberError, parse_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", Decimal("12")),
        ("-1.5", Decimal("-1.5")),
        ("+0.25", Decimal("0.25")),
        (".5", Decimal("0.5")),
        ("1e3", Decimal("1000")),
        ("1.2E-4", Decimal("0.00012")),
        ("  7 ", Decimal("7")),
        (7, Decimal("7")),
        (Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_it_reads_plain_decimals(raw, expected):
    assert parse_decimal(raw, field="value") == expected


def test_it_stores_an_exponent_as_a_plain_number():
    assert str(parse_decimal("1e3", field="value")) == "1000"


@pytest.mark.parametrize("raw", ["1,5", "1,2,3", "1 000", "1\u00a0000", "1'000", "1_000", ",5"])
def test_it_refuses_decimal_commas_and_thousands_separators_instead_of_guessing(raw):
    with pytest.raises(NumberError) as refused:
        parse_decimal(raw, field="value")
    assert refused.value.message == (
        f"value {raw!r} is not a number: "
        "use a dot for decimals and no thousands separators (1234.5)"
    )


@pytest.mark.parametrize("raw", ["NaN", "nan", "-Infinity", "inf", Decimal("NaN")])
def test_it_refuses_numbers_that_are_not_finite(raw):
    with pytest.raises(NumberError, match="is not a finite number"):
        parse_decimal(raw, field="value")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "is empty: a number is needed"),
        ("   ", "is empty: a number is needed"),
        ("abc", "'abc' is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("\u0661\u0662", "'\u0661\u0662' is not a number"),
        (True, "True is not a number"),
        (None, "None is not a number"),
        ([1], "[1] is not a number"),
        (0.1, '0.1 is a float; send numbers as decimal strings such as "0.1"'),
        ("9" * 80, f"{'9' * 20!r}… is too long to be a number"),
    ],
)
def test_it_says_why_a_value_is_not_a_number(raw, reason):
    with pytest.raises(NumberError) as refused:
        parse_decimal(raw, field="fte")
    assert str(refused.value) == reason
    assert refused.value.message == f"fte {reason}"
    assert refused.value.field == "fte"


def test_it_checks_places_digits_and_bounds_when_asked():
    assert parse_decimal("1.50", field="fte", places=1) == Decimal("1.50")
    with pytest.raises(NumberError, match="1.234 has more than 2 decimal places"):
        parse_decimal("1.234", field="fte", places=2)
    with pytest.raises(NumberError, match=r"at most 14 digits before the point"):
        parse_decimal("1e14", field="value", integer_digits=14)
    with pytest.raises(NumberError, match="1.5 is out of range: it must be between 0 and 1"):
        parse_decimal("1.5", field="fte", minimum=0, maximum=1)
    with pytest.raises(NumberError, match="-1 is out of range: it must be at least 0"):
        parse_decimal("-1", field="base_pay", minimum=0)
