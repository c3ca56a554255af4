import pytest

from wardsite.text import fold, slugify


@pytest.mark.parametrize(
    "typed",
    ["Đăng ký khai sinh", "dang ky khai sinh", "DANG KY KHAI SINH", "  Đăng   ký KHAI sinh "],
)
def test_every_way_of_typing_folds_to_the_same_words(typed):
    assert fold(typed) == "dang ky khai sinh"


def test_fold_keeps_digits_and_dots_of_codes():
    assert fold("Mã 1.001193") == "ma 1.001193"


def test_slug_is_ascii_words_joined_by_dashes():
    assert slugify("Chứng thực bản sao từ bản chính!") == "chung-thuc-ban-sao-tu-ban-chinh"
    assert slugify("???") == "muc"
