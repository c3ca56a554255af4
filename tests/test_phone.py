import pytest

from wardsite.phone import normalize_phone


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("028-3829-5555", "02838295555"),
    ],
)
def test_vietnamese_numbers_are_normalised(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "0112345678", "09123456789", "0912a45678", "+1 212 555 0100", "0212345678"])
def test_other_input_is_not_a_phone_number(typed):
    assert normalize_phone(typed) is None
