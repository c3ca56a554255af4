"""What goes out: every message kind fits one SMS, unaccented, and carries no
more personal data than its recipient already has; links use the canonical
address."""

from __future__ import annotations

import pytest

from wardsite.notify import templates

KINDS = sorted(templates.KINDS)
# The kinds the issue asks for, by audience.
EXPECTED = {
    "resident": {"visit_received", "visit_confirmed", "visit_reminder", "visit_changed", "visit_cancelled",
                 "waitlist_offer", "visit_rate", "phone_code"},
    "volunteer": {"shift_published", "shift_changed", "shift_reminder", "swap_offered"},
    "leader": {"leader_new_booking", "leader_cancellation"},
}


def longest_values(kind: templates.Kind) -> dict:
    """Every parameter well over its longest length, the link exactly at LINK_MAX,
    in accented capitals (the widest case for cutting and unaccenting)."""
    values = {p.name: "Đ" * (p.limit + 20) for p in kind.params}
    values["link"] = "https://phuong-nam-ha.ha-tinh.gov.vn/dat-lich/tra-cuu/"[: templates.LINK_MAX].ljust(templates.LINK_MAX, "K")
    return values


def test_every_kind_the_issue_asks_for_is_there():
    by_audience: dict[str, set] = {}
    for kind in templates.KINDS.values():
        by_audience.setdefault(kind.audience, set()).add(kind.name)
    assert by_audience == EXPECTED


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_fits_one_unaccented_sms_at_its_longest(name):
    kind = templates.kind(name)
    text = templates.render_sms(name, longest_values(kind))
    assert templates.sms_units(text)[0] == "gsm"
    assert templates.sms_units(text)[1] <= 160, text
    assert templates.fits_one_sms(text)


@pytest.mark.parametrize("name", KINDS)
def test_accented_text_would_not_fit_which_is_why_sms_goes_unaccented(name):
    text = templates.render(name, longest_values(templates.kind(name)))
    encoding, units = templates.sms_units(text)
    assert encoding == "ucs2" and units > 70


@pytest.mark.parametrize("name", KINDS)
def test_zns_parameters_are_the_kinds_own_and_within_zalos_lengths(name):
    kind = templates.kind(name)
    data = templates.zns_data(name, {**longest_values(kind), "unrelated": "x"})
    assert list(data) == [p.name for p in kind.params]
    for param in kind.params:
        if param.name != "link":
            assert len(data[param.name]) <= min(param.limit, 30)  # ZNS caps text parameters at 30


def test_no_message_takes_a_name_phone_number_or_address():
    personal = {"name", "full_name", "phone", "address", "team", "volunteer", "resident"}
    taken = {p.name for kind in templates.KINDS.values() for p in kind.params}
    assert taken & personal == set()
    assert {"code", "date", "time", "link", "when", "place"} <= taken


def test_a_link_is_never_cut_even_when_too_long():
    link = "https://example.vn/" + "x" * 100
    text = templates.render_sms("visit_rate", {"date": "14/03/2026", "code": "K7M2QX", "link": link})
    assert text.endswith(link)
    assert not templates.fits_one_sms(text)  # two SMS then, but a working link


def test_a_missing_parameter_is_an_error_not_a_blank():
    with pytest.raises(KeyError, match="link"):
        templates.render("visit_cancelled", {"code": "K7M2QX", "date": "14/03/2026"})


def test_email_keeps_the_accents_and_has_a_subject():
    params = {"code": "K7M2QX", "date": "14/03/2026", "link": "https://p.vn/dat-lich/"}
    assert templates.render_subject("visit_cancelled", params) == "Phường đã hủy lịch hẹn K7M2QX"
    assert templates.render("visit_cancelled", params) == (
        "Phường rất tiếc phải hủy lịch hẹn K7M2QX ngày 14/03/2026. Mời đặt lịch khác: https://p.vn/dat-lich/")


@pytest.mark.parametrize("accented, plain", [
    ("Đội hướng dẫn đến nhà", "Doi huong dan den nha"),
    ("Nhắc ca trực ngày mai: 07:30–11:30", "Nhac ca truc ngay mai: 07:30-11:30"),
    ("Tổ dân phố 5, phường Nam Hà…", "To dan pho 5, phuong Nam Ha..."),
    ("ỨNG Ữ Ỵ ơ ư", "UNG U Y o u"),
])
def test_unaccented_vietnamese(accented, plain):
    assert templates.unaccent(accented) == plain
    assert templates.sms_units(templates.unaccent(accented))[0] == "gsm"


def test_gsm_extension_characters_count_twice():
    assert templates.sms_units("a[b]") == ("gsm", 6)
    assert templates.sms_units("x" * 160) == ("gsm", 160) and not templates.fits_one_sms("x" * 159 + "€")


def test_links_use_the_canonical_address_when_it_is_set(app):
    app.config["CANONICAL_URL"] = "https://phuong.example.vn/"
    with app.app_context():
        assert templates.link("visits.manage", code="K7M2QX") == "https://phuong.example.vn/dat-lich/tra-cuu/K7M2QX"
    app.config["CANONICAL_URL"] = "https://example.vn/phuong-nam-ha"
    with app.app_context():
        assert templates.link("visits.book") == "https://example.vn/phuong-nam-ha/dat-lich/"


def test_links_never_follow_the_request(app):
    app.config["CANONICAL_URL"] = "https://phuong.example.vn"
    with app.test_request_context("/", base_url="https://phish.invalid"):
        assert templates.link("visits.book") == "https://phuong.example.vn/dat-lich/"
