"""Search the way residents ask (issue 12), over a subset of the portal's real
ward records (../shared/data/tthc/records/) imported as `flask procedures
import --publish` does. Runs on SQLite and, with WARDSITE_TEST_DATABASE_URI,
on PostgreSQL: the ranking is the same on both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import titles
from wardsite.procedures import open_data, portal
from wardsite.procedures import search as procedure_search

RECORDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tthc" / "records"
pytestmark = pytest.mark.skipif(not RECORDS.is_dir(), reason="the portal's records are not beside the tree")

# Hộ tịch, cư trú, chứng thực, đất đai: the procedures the examples answer, and their near neighbours.
CODES = [
    "1.001193", "1.004884", "1.003583", "1.004772", "1.000689", "2.000528", "2.000635",  # khai sinh
    "1.000894", "1.000593", "1.004746", "1.004873",  # kết hôn, tình trạng hôn nhân
    "1.000656", "1.005461",  # khai tử
    "1.004222", "1.004194", "1.003197", "1.010038", "1.010041",  # cư trú
    "2.000815", "2.000884", "2.001019",  # chứng thực
    "1.012753", "1.013978",  # đất đai
]


@pytest.fixture
def real_catalogue(app, make_procedure):
    files = [path for code in CODES for path in RECORDS.glob(f"*/{code}.json")]
    assert len(files) == len(CODES)
    with app.app_context():
        records = [record for path in files for record in portal.read_path(path)]
        report = open_data.import_records(records, publish=True)
        assert not report.rejected
    # A name with "hơn" where the query says "hôn": folds the same, must come after.
    make_procedure("9.000001", "Kết hơn thua trong hòa giải (bản thử)", sector="Hộ tịch")


def first(client, query: str) -> list[str]:
    return titles(client.get("/thu-tuc/", query_string={"q": query}))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("làm giấy khai sinh cho con", "Thủ tục đăng ký khai sinh"),
        ("lam giay khai sinh cho con", "Thủ tục đăng ký khai sinh"),
        ("khai sinh", "Thủ tục đăng ký khai sinh"),
        ("nhập hộ khẩu", "Đăng ký thường trú"),
        ("nhap ho khau", "Đăng ký thường trú"),
        ("giấy xác nhận độc thân", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân"),
        ("làm giấy chứng tử", "Thủ tục đăng ký khai tử"),
        ("báo tử", "Thủ tục đăng ký khai tử"),
        ("đăng kí tạm chú", "Đăng ký tạm trú"),
        ("khia sinh", "Thủ tục đăng ký khai sinh"),  # a one-letter typo
    ],
)
def test_residents_words_find_the_procedure_first(client, real_catalogue, query, expected):
    assert first(client, query)[0] == expected


def test_notarise_a_copy_finds_certification_of_copies(client, real_catalogue):
    assert first(client, "công chứng bản sao")[0].startswith("Chứng thực bản sao từ bản chính")


def test_red_book_finds_the_land_use_certificate(client, real_catalogue):
    found = first(client, "sổ đỏ")
    assert found[0].startswith("Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất")


def test_marriage_puts_hon_before_hon_and_the_procedure_first(client, real_catalogue):
    found = first(client, "kết hôn")
    assert found[0] == "Thủ tục đăng ký kết hôn"
    assert found.index("Kết hơn thua trong hòa giải (bản thử)") > found.index("Thủ tục đăng ký lại kết hôn")
    # Without accents the two read the same: both are found, at the top.
    assert "Thủ tục đăng ký kết hôn" in first(client, "ket hon")[:2]


def test_thu_tuc_prefix_is_ignored_and_ties_are_not_alphabetical(client, real_catalogue):
    found = first(client, "khai sinh")
    # "Thủ tục đăng ký khai sinh" first, before the longer names that hold the same words.
    assert found[0] == "Thủ tục đăng ký khai sinh"
    assert found.index("Thủ tục đăng ký khai sinh lưu động") > 0
    assert found != sorted(found)


@pytest.mark.parametrize("query", ["1001193", "1.001193", "1.001193 "])
def test_a_code_with_or_without_dots(client, real_catalogue, query):
    assert first(client, query) == ["Thủ tục đăng ký khai sinh"]


def test_body_matches_come_after_name_matches_and_are_kept(client, real_catalogue, app):
    with app.app_context():
        ranked = procedure_search.rank("khai sinh")
        index = procedure_search.current_index()
    by_id = {entry.id: entry for entry in index.entries}
    in_name = ["khai" in by_id[i].name_folded and "sinh" in by_id[i].name_folded for i in ranked]
    assert in_name[0] and False in in_name  # some records hold "khai sinh" only in their text
    assert in_name == sorted(in_name, reverse=True)  # and they all come after the name matches


def test_filler_is_dropped_from_what_was_typed_not_from_official_words():
    reading = procedure_search.Reading(["làm", "giấy", "khai", "sinh", "cho", "con"], [False] * 6)
    assert reading.content() == ["khai", "sinh"]
    assert procedure_search.Reading(["chứng", "thực", "giấy", "tờ"], [False] * 4).content() == ["chứng", "thực", "giấy", "tờ"]
    official = procedure_search.readings(procedure_search.words_of("sổ đỏ"))
    assert any(r.content() == ["giấy", "chứng", "nhận", "quyền", "sử", "dụng", "đất"] for r in official)
    # "bản" (a copy) is not "bạn" (you): only the accents typed are dropped.
    assert procedure_search.Reading(["xin", "bản", "sao"], [False] * 3).content() == ["bản", "sao"]


def test_synonyms_list_names_its_sources():
    text = procedure_search.SYNONYMS_FILE.read_text(encoding="utf-8")
    assert "# Sources:" in text
    for resident, official in [("hộ khẩu", "thường trú"), ("độc thân", "tình trạng hôn nhân"), ("chứng tử", "khai tử"),
                               ("công chứng", "chứng thực"), ("căn cước công dân", "thẻ căn cước"), ("kí", "ký"),
                               ("tạm chú", "tạm trú")]:
        readings = procedure_search.readings(procedure_search.words_of(resident))
        assert any(" ".join(r.words).startswith(official) or official in " ".join(r.words) for r in readings[1:]), resident


def test_an_edit_is_found_at_once(client, real_catalogue, make_procedure):
    assert first(client, "karaoke") == []
    make_procedure("9.000002", "Cấp giấy phép kinh doanh karaoke", sector="Văn hóa")
    assert first(client, "karaoke") == ["Cấp giấy phép kinh doanh karaoke"]


def test_home_page_has_a_search_box_that_works_without_javascript(client, real_catalogue):
    page = client.get("/").get_data(as_text=True)
    assert '<form method="get" action="/thu-tuc/" class="home-search" role="search"' in page
    assert '<label for="home-q" id="home-q-label">Tìm thủ tục</label>' in page
    assert 'id="home-q" name="q" aria-describedby="home-q-hint"' in page
    # What the form sends without JavaScript: the catalogue's page with the results.
    response = client.get("/thu-tuc/?q=nhập hộ khẩu")
    assert response.status_code == 200 and titles(response)[0] == "Đăng ký thường trú"
    client.get("/ngon-ngu/en?next=/")
    english = client.get("/").get_data(as_text=True)
    assert "Find a procedure" in english
