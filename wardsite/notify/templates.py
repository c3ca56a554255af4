"""What goes out: every kind of message, its Vietnamese text and its parameters.

One text per kind serves every channel. E-mail sends it with its accents; SMS
brandname sends it unaccented (GSM 7-bit: 160 characters in one message, where
accented Vietnamese needs UCS-2 and fits only 70), which is how Vietnamese
customer-care SMS are usually sent; Zalo ZNS sends only the parameters, into a
template the ward registered with Zalo under the same parameter names.

The texts are not in the translation catalogues on purpose: a customer-care
SMS (eSMS SmsType 2) and a ZNS template are registered with the provider and
must match what goes out character for character, so they are fixed here.

Each parameter has a longest length. Values are cut to it (links never are), and with a link of
at most LINK_MAX characters every kind fits in one SMS (tests/test_notify_*
checks it). Messages carry only what the recipient already has: a resident's
own booking code and time, never a volunteer's phone or a resident's address.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from wardsite.urls import absolute_url_for

LINK_MAX = 60
SMS_GSM_LIMIT = 160
SMS_UCS2_LIMIT = 70

# GSM 03.38 basic character set; the extension set costs two septets each.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€")
_PLAIN = {"đ": "d", "Đ": "D", "–": "-", "—": "-", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "}


@dataclass(frozen=True)
class Param:
    """A value a message takes; `limit` is its longest length (ZNS caps each
    parameter too: 30 characters for a code or a label)."""

    name: str
    limit: int
    cut: bool = True  # a link is never cut: a cut link leads nowhere


@dataclass(frozen=True)
class Kind:
    """A message kind: who receives it, its subject (e-mail) and its text."""

    name: str
    audience: str  # resident, volunteer or leader
    subject: str
    text: str
    params: tuple[Param, ...]

    def values(self, params: dict) -> dict[str, str]:
        """The kind's parameters from `params`, each cut to its longest length;
        a missing one is an error, an extra one is ignored."""
        missing = [p.name for p in self.params if p.name not in params]
        if missing:
            raise KeyError(f"{self.name}: missing {', '.join(missing)}")
        return {p.name: _cut(str(params[p.name]), p.limit) if p.cut else str(params[p.name]) for p in self.params}


CODE = Param("code", 10)
DATE = Param("date", 10)  # dd/mm/yyyy
TIME = Param("time", 5)  # HH:MM
LINK = Param("link", LINK_MAX, cut=False)
WHEN = Param("when", 24)  # a shift: "07:30-11:30 14/03/2026"
PLACE = Param("place", 30)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        # Residents, about their own booking.
        Kind("visit_received", "resident", "Phường đã nhận lịch hẹn {code}",
             "Phường đã nhận lịch hẹn {code}, {time} ngày {date}. Phường sẽ gọi xác nhận. Xem: {link}",
             (CODE, TIME, DATE, LINK)),
        Kind("visit_confirmed", "resident", "Lịch hẹn {code} đã được xác nhận",
             "Lịch hẹn {code} đã xác nhận: đội hướng dẫn đến nhà {time} ngày {date}. Xem, đổi: {link}",
             (CODE, TIME, DATE, LINK)),
        Kind("visit_reminder", "resident", "Nhắc lịch hẹn {code} ngày mai",
             "Nhắc lịch: mai {date}, {time} đội hướng dẫn của phường đến nhà (mã {code}). Đổi, hủy: {link}",
             (DATE, TIME, CODE, LINK)),
        Kind("visit_changed", "resident", "Lịch hẹn {code} đã thay đổi",
             "Lịch hẹn {code} đã đổi giờ hoặc đội: {time} ngày {date}. Xem chi tiết: {link}",
             (CODE, TIME, DATE, LINK)),
        Kind("visit_cancelled", "resident", "Phường đã hủy lịch hẹn {code}",
             "Phường rất tiếc phải hủy lịch hẹn {code} ngày {date}. Mời đặt lịch khác: {link}",
             (CODE, DATE, LINK)),
        Kind("waitlist_offer", "resident", "Có chỗ trống {time} ngày {date}",
             "Có chỗ trống {time} ngày {date} cho lịch hẹn {code}. Giữ chỗ trước {until}: {link}",
             (TIME, DATE, CODE, Param("until", 11), LINK)),
        Kind("phone_code", "resident", "Mã xác nhận đặt lịch: {code}",
             "Mã xác nhận đặt lịch hẹn của phường: {code}, dùng trong {minutes} phút. Chỉ nhập mã trên trang "
             "đặt lịch, không đọc mã cho ai.",
             (CODE, Param("minutes", 3))),
        Kind("visit_rate", "resident", "Mời đánh giá buổi hướng dẫn {code}",
             "Cảm ơn đã đón đội hướng dẫn ngày {date}. Mời đánh giá buổi {code}: {link}",
             (DATE, CODE, LINK)),
        # Volunteers, about their own shifts.
        Kind("shift_published", "volunteer", "Lịch trực mới: {count} ca",
             "Đã có lịch trực: bạn có {count} ca từ {start} đến {end}. Xem: {link}",
             (Param("count", 3), Param("start", 10), Param("end", 10), LINK)),
        Kind("shift_changed", "volunteer", "Ca trực {when} đã thay đổi",
             "Ca trực {when} tại {place} đã thay đổi. Xem: {link}",
             (WHEN, PLACE, LINK)),
        Kind("shift_reminder", "volunteer", "Nhắc ca trực ngày mai",
             "Nhắc ca trực ngày mai: {when} tại {place}. Xem: {link}",
             (WHEN, PLACE, LINK)),
        Kind("swap_offered", "volunteer", "Nhờ trực thay ca {when}",
             "Có bạn nhờ trực thay ca {when} tại {place}. Nhận ca: {link}",
             (WHEN, PLACE, LINK)),
        # Leaders, who see every booking anyway.
        Kind("leader_new_booking", "leader", "Lịch hẹn mới {code}",
             "Lịch hẹn mới {code}: {time} ngày {date}. Xác nhận, xem đội: {link}",
             (CODE, TIME, DATE, LINK)),
        Kind("leader_cancellation", "leader", "Lịch hẹn {code} đã bị hủy",
             "Lịch hẹn {code}, {time} ngày {date} đã bị hủy. Xem: {link}",
             (CODE, TIME, DATE, LINK)),
    )
}


# Kinds whose text is a secret for the recipient alone (a one-time code): the
# outbox keeps it only until the message is sent or fails, then masks it, and
# nobody sends it again (a leader's resend, a report's fallback to SMS): the
# resident asks for a new code instead.
SECRET_KINDS = {"phone_code": ("code",)}
MASK = "******"


def masked(name: str, params: dict) -> dict:
    """`params` with the secret values of kind `name` masked."""
    return {key: MASK if key in SECRET_KINDS.get(name, ()) else value for key, value in params.items()}


def kind(name: str) -> Kind:
    return KINDS[name]


def render(name: str, params: dict) -> str:
    """The text with its accents (e-mail, the log)."""
    k = KINDS[name]
    return k.text.format(**k.values(params))


def render_subject(name: str, params: dict) -> str:
    k = KINDS[name]
    return k.subject.format(**k.values(params))


def render_sms(name: str, params: dict) -> str:
    """The unaccented text an SMS brandname sends."""
    return unaccent(render(name, params))


def zns_data(name: str, params: dict) -> dict[str, str]:
    """The ZNS template_data: the kind's parameters by name."""
    return KINDS[name].values(params)


def unaccent(text: str) -> str:
    """Vietnamese without accents, in GSM characters: "Nhắc lịch – đội" ->
    "Nhac lich - doi". What has no GSM form becomes "?"."""
    text = "".join(_PLAIN.get(ch, ch) for ch in text)
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return "".join(ch if ch in _GSM_BASIC or ch in _GSM_EXTENSION else "?" for ch in unicodedata.normalize("NFC", stripped))


def sms_units(text: str) -> tuple[str, int]:
    """("gsm", septets) when every character is GSM 7-bit, else ("ucs2", UTF-16
    code units): what decides whether the text fits in one SMS."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text):
        return "gsm", sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def fits_one_sms(text: str) -> bool:
    encoding, units = sms_units(text)
    return units <= (SMS_GSM_LIMIT if encoding == "gsm" else SMS_UCS2_LIMIT)


def link(endpoint: str, **values) -> str:
    """An absolute link for a message, on the ward's address (CANONICAL_URL),
    never on the Host header of the request being served."""
    return absolute_url_for(endpoint, **values)


def _cut(value: str, limit: int) -> str:
    value = " ".join(value.split())
    # "..." rather than "…": it stays three GSM characters in an SMS, inside the limit.
    return value if len(value) <= limit else value[: limit - 3].rstrip() + "..."
