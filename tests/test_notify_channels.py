"""Each channel against a stand-in provider on 127.0.0.1 that answers as the
provider's documentation says: success, its error codes, a timeout and a 5xx.

The stand-in's answers come from the documents the adapters follow: Zalo's ZNS
error table (zalo.cloud/zns/guidelines/handle-error-code) and OA token refresh,
eSMS's "Send OTP/Customer care message", "Send message via Zalo" and "Table of
error codes" (developers.esms.vn).
"""

from __future__ import annotations

import json
import smtplib
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wardsite.notify import templates
from wardsite.notify.channels import EmailChannel, LogChannel, available
from wardsite.notify.esms import EsmsSmsChannel, EsmsZnsChannel
from wardsite.notify.result import Notice
from wardsite.notify.zalo import Token, TokenStore, ZaloZnsChannel

PARAMS = {"code": "K7M2QX", "time": "09:00", "date": "14/03/2026", "link": "https://phuong.example.vn/dat-lich/tra-cuu/K7M2QX"}
CONFIRMED = Notice("visit_confirmed", "0912 345 678", PARAMS, key="visit-confirmed:41")
TIMEOUT = 1.5  # the channels' timeout here (a loaded CI machine answers loopback slowly); the slow stand-in waits 5 s


class StandIn:
    """A provider on loopback: records each request and answers from
    `self.answers` (path -> list of (status, body) or "slow"), in order."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: dict[str, list] = {}
        self.release = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
                kind = self.headers.get("Content-Type", "")
                body = json.loads(raw) if "json" in kind else dict(urllib.parse.parse_qsl(raw))
                stand_in.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                queue = stand_in.answers.get(self.path) or [(404, {})]
                answer = queue.pop(0) if len(queue) > 1 else queue[0]
                if answer == "slow":
                    stand_in.release.wait(5)
                    answer = (200, {})
                status, reply = answer
                data = json.dumps(reply).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def answer(self, path: str, *answers) -> None:
        self.answers[path] = list(answers)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def provider():
    stand_in = StandIn()
    yield stand_in
    stand_in.close()


# --- Zalo ZNS ---------------------------------------------------------------

ZNS = "/message/template"
OAUTH = "/v4/oa/access_token"


def zalo(provider, tmp_path, access="token-1", refresh="refresh-1", app_id="app-9", secret="app-secret", expires_at=0.0):
    store = TokenStore(tmp_path / "zalo_token.json", Token(access, refresh, expires_at))
    return ZaloZnsChannel({"visit_confirmed": "312345"}, store, app_id, secret, url=provider.url + ZNS,
                          oauth_url=provider.url + OAUTH, timeout=TIMEOUT)


def zns_success(msg_id="3367db02643ff967a028"):
    return (200, {"error": 0, "message": "Success", "data": {"msg_id": msg_id, "sent_time": "1759983921893",
                                                             "quota": {"remainingQuota": "499", "dailyQuota": "500"}}})


def test_zns_sends_the_template_parameters_with_the_access_token(provider, tmp_path):
    provider.answer(ZNS, zns_success())
    result = zalo(provider, tmp_path).send(CONFIRMED)
    assert result.ok and result.provider_id == "3367db02643ff967a028"
    [request] = provider.requests
    assert request["headers"]["access_token"] == "token-1"
    assert request["body"] == {
        "phone": "84912345678",
        "template_id": "312345",
        "template_data": {"code": "K7M2QX", "time": "09:00", "date": "14/03/2026", "link": PARAMS["link"]},
        "tracking_id": "visit-confirmed:41",
    }


def test_zns_number_without_zalo_is_told_apart_for_the_fallback_to_sms(provider, tmp_path):
    provider.answer(ZNS, (200, {"error": -118, "message": "Zalo account not existed"}))
    result = zalo(provider, tmp_path).send(CONFIRMED)
    assert result.permanent and result.no_zalo
    assert (result.code, result.error) == ("-118", "Zalo account not existed")


@pytest.mark.parametrize("code, text", [(-131, "ZNS template not approved"), (-109, "Template ID invalid"), (-108, "Phone number invalid")])
def test_zns_errors_that_a_retry_cannot_fix_fail_for_good(provider, tmp_path, code, text):
    provider.answer(ZNS, (200, {"error": code, "message": text}))
    result = zalo(provider, tmp_path).send(CONFIRMED)
    assert result.permanent and not result.no_zalo
    assert (result.code, result.error) == (str(code), text)


@pytest.mark.parametrize("code, text", [(-115, "Out of quota"), (-100, "Unknown error")])
def test_zns_quota_and_unknown_errors_are_worth_a_retry(provider, tmp_path, code, text):
    provider.answer(ZNS, (200, {"error": code, "message": text}))
    result = zalo(provider, tmp_path).send(CONFIRMED)
    assert result.temporary and result.code == str(code)


def test_zns_timeout_and_server_error_are_worth_a_retry(provider, tmp_path):
    provider.answer(ZNS, "slow")
    started = time.monotonic()
    slow = zalo(provider, tmp_path).send(CONFIRMED)
    assert slow.temporary and slow.code == "timeout"
    assert time.monotonic() - started < 4  # bounded by the channel's timeout, not the provider
    provider.answer(ZNS, (502, {}))
    broken = zalo(provider, tmp_path).send(CONFIRMED)
    assert broken.temporary and broken.code == "502"


def test_zns_refused_token_is_refreshed_once_and_the_new_pair_kept(provider, tmp_path):
    provider.answer(ZNS, (200, {"error": -124, "message": "Access token invalid"}), zns_success("m-2"), zns_success("m-3"))
    provider.answer(OAUTH, (200, {"access_token": "token-2", "refresh_token": "refresh-2", "expires_in": "90000"}))
    channel = zalo(provider, tmp_path)
    assert channel.send(CONFIRMED).provider_id == "m-2"
    refused, refresh, resent = provider.requests
    assert refused["headers"]["access_token"] == "token-1"
    assert refresh["path"] == OAUTH and refresh["headers"]["secret_key"] == "app-secret"
    assert refresh["body"] == {"refresh_token": "refresh-1", "app_id": "app-9", "grant_type": "refresh_token"}
    assert resent["headers"]["access_token"] == "token-2"
    saved = json.loads((tmp_path / "zalo_token.json").read_text())
    assert (saved["access_token"], saved["refresh_token"]) == ("token-2", "refresh-2")
    # A new channel (a restart, another worker) starts from the kept pair.
    assert zalo(provider, tmp_path).send(CONFIRMED).ok
    assert provider.requests[-1]["headers"]["access_token"] == "token-2"
    assert [r["path"] for r in provider.requests].count(OAUTH) == 1


def test_zns_token_about_to_expire_is_refreshed_before_sending(provider, tmp_path):
    provider.answer(ZNS, zns_success())
    provider.answer(OAUTH, (200, {"access_token": "token-2", "refresh_token": "refresh-2", "expires_in": "90000"}))
    assert zalo(provider, tmp_path, expires_at=time.time() + 60).send(CONFIRMED).ok
    assert [r["path"] for r in provider.requests] == [OAUTH, ZNS]
    assert provider.requests[1]["headers"]["access_token"] == "token-2"


def test_zns_second_worker_uses_the_first_workers_refresh_instead_of_spending_the_refresh_token(provider, tmp_path):
    provider.answer(OAUTH, (200, {"access_token": "token-2", "refresh_token": "refresh-2", "expires_in": "90000"}))
    stale = Token("token-1", "refresh-1")
    first = TokenStore(tmp_path / "zalo_token.json", stale)
    second = TokenStore(tmp_path / "zalo_token.json", stale)
    channel = zalo(provider, tmp_path)
    assert first.refresh(stale, channel._obtain).access_token == "token-2"
    assert second.refresh(stale, channel._obtain).access_token == "token-2"
    assert len(provider.requests) == 1


def test_zns_refresh_refused_fails_for_good_with_zalos_reason(provider, tmp_path):
    provider.answer(ZNS, (200, {"error": -124, "message": "Access token invalid"}))
    provider.answer(OAUTH, (200, {"error": -14014, "error_name": "Invalid refresh token",
                                  "error_description": "Refresh token is invalid or expired"}))
    result = zalo(provider, tmp_path).send(CONFIRMED)
    assert result.permanent and result.code == "-14014" and "Refresh token is invalid" in result.error


def test_zns_refused_token_without_app_credentials_fails_for_good(provider, tmp_path):
    provider.answer(ZNS, (200, {"error": -124, "message": "Access token invalid"}))
    result = zalo(provider, tmp_path, app_id="", secret="").send(CONFIRMED)
    assert result.permanent and (result.code, result.error) == ("-124", "Access token invalid")
    assert [r["path"] for r in provider.requests] == [ZNS]


def test_zns_needs_a_template_id_and_a_vietnamese_number_before_any_request(provider, tmp_path):
    channel = zalo(provider, tmp_path)
    assert channel.send(Notice("visit_rate", "0912345678", {**PARAMS}, "k")).code == "template"
    assert channel.send(Notice("visit_confirmed", "12345", PARAMS, "k")).code == "phone"
    assert provider.requests == []


# --- eSMS -------------------------------------------------------------------

SMS = "/SendMultipleMessage_V4_post_json/"
ESMS_ZNS = "/SendZaloMessage_V5_post/"


def sms(provider):
    return EsmsSmsChannel("api-key", "secret", "PHUONG-NH", url=provider.url, timeout=TIMEOUT)


def test_sms_sends_the_unaccented_text_under_the_brandname(provider):
    provider.answer(SMS, (200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": "d533459ee42b2b9525ba9eabf6a8156"}))
    result = sms(provider).send(CONFIRMED)
    assert result.ok and result.provider_id == "d533459ee42b2b9525ba9eabf6a8156"
    body = provider.requests[0]["body"]
    assert body["Content"] == (
        "Lich hen K7M2QX da xac nhan: doi huong dan den nha 09:00 ngay 14/03/2026. "
        "Xem, doi: https://phuong.example.vn/dat-lich/tra-cuu/K7M2QX"
    )
    assert {k: body[k] for k in ("ApiKey", "SecretKey", "Phone", "Brandname", "SmsType", "IsUnicode", "Sandbox", "RequestId")} == {
        "ApiKey": "api-key", "SecretKey": "secret", "Phone": "0912345678", "Brandname": "PHUONG-NH",
        "SmsType": "2", "IsUnicode": "0", "Sandbox": "0", "RequestId": "visit-confirmed:41"}


@pytest.mark.parametrize("code, text", [("101", "Authorize Failed"), ("146", "Sai template Brandname CSKH"),
                                        ("104", "Brand name code is not exist"), ("108", "Phone number is not in correct format")])
def test_sms_errors_that_a_retry_cannot_fix_fail_for_good(provider, code, text):
    provider.answer(SMS, (200, {"CodeResult": code, "CountRegenerate": 0, "ErrorMessage": text}))
    result = sms(provider).send(CONFIRMED)
    assert result.permanent and (result.code, result.error) == (code, text)


def test_sms_balance_run_out_is_worth_a_retry(provider):
    provider.answer(SMS, (200, {"CodeResult": "103", "ErrorMessage": "Not enough balance"}))
    assert sms(provider).send(CONFIRMED).temporary


def test_sms_duplicate_request_id_means_an_earlier_attempt_went_through(provider):
    provider.answer(SMS, (200, {"CodeResult": "124", "CountRegenerate": 0, "ErrorMessage": "Request exist 1", "SendStatus": "5"}))
    assert sms(provider).send(CONFIRMED).ok


def test_sms_timeout_and_server_error_are_worth_a_retry(provider):
    provider.answer(SMS, "slow")
    assert sms(provider).send(CONFIRMED).code == "timeout"
    provider.answer(SMS, (503, {}))
    result = sms(provider).send(CONFIRMED)
    assert result.temporary and result.code == "503"


def test_sms_long_keys_become_a_stable_request_id_within_esms_limit(provider):
    provider.answer(SMS, (200, {"CodeResult": "100", "SMSID": "x"}))
    notice = Notice("visit_confirmed", "0912345678", PARAMS, key="roster-published:7:" + ",".join(map(str, range(40))))
    sms(provider).send(notice)
    sms(provider).send(notice)
    first, second = (r["body"]["RequestId"] for r in provider.requests)
    assert first == second and len(first) <= 50


def test_esms_zns_relay_sends_the_parameters_as_key_value_pairs(provider):
    provider.answer(ESMS_ZNS, (200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": "d8e0f1f0702544b2acb456ca9ccfd111250"}))
    channel = EsmsZnsChannel("api-key", "secret", "4097311281936189049", {"visit_confirmed": "256983"}, url=provider.url, timeout=TIMEOUT)
    assert channel.send(CONFIRMED).provider_id == "d8e0f1f0702544b2acb456ca9ccfd111250"
    body = provider.requests[0]["body"]
    assert (body["OAID"], body["TempID"], body["Phone"]) == ("4097311281936189049", "256983", "0912345678")
    assert body["TempData"] == [{"key": "code", "value": "K7M2QX"}, {"key": "time", "value": "09:00"},
                                {"key": "date", "value": "14/03/2026"}, {"key": "link", "value": PARAMS["link"]}]


def test_esms_zns_template_not_configured_fails_for_good(provider):
    provider.answer(ESMS_ZNS, (200, {"CodeResult": "789", "CountRegenerate": 0, "ErrorMessage": "TemplateId is not config"}))
    channel = EsmsZnsChannel("api-key", "secret", "oa", {"visit_confirmed": "1"}, url=provider.url, timeout=TIMEOUT)
    result = channel.send(CONFIRMED)
    assert result.permanent and result.code == "789"


# --- e-mail, the log, and what is configured ---------------------------------

class FakeSMTP:
    fail_with: Exception | None = None
    sent: list = []

    def __init__(self, host, port, timeout):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def send_message(self, message):
        if FakeSMTP.fail_with:
            raise FakeSMTP.fail_with
        FakeSMTP.sent.append(message)


@pytest.mark.parametrize("error, outcome", [
    (None, "sent"),
    (smtplib.SMTPDataError(554, b"rejected"), "failed"),
    (smtplib.SMTPDataError(421, b"try later"), "retry"),
    (ConnectionRefusedError("refused"), "retry"),
])
def test_email_channel_says_sent_failed_or_retry(monkeypatch, error, outcome):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "fail_with", error)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    result = EmailChannel("mail.example.org", sender="phuong@example.vn").send(
        Notice("leader_new_booking", "leader@example.vn", PARAMS, "k"))
    assert result.outcome == outcome
    if outcome == "sent":
        assert FakeSMTP.sent[0]["Subject"] == "Lịch hẹn mới K7M2QX"
        assert "Xác nhận, xem đội" in FakeSMTP.sent[0].get_content()


def test_log_channel_writes_the_message_with_its_accents(caplog):
    channel = LogChannel()
    with caplog.at_level("INFO", logger="wardsite.notify"):
        assert channel.send(CONFIRMED).ok
    assert "Lịch hẹn K7M2QX đã xác nhận" in caplog.text


def test_with_nothing_configured_only_the_log_channel_is_there(app):
    assert list(available(app.config)) == ["log"]


def test_each_channel_is_on_once_its_settings_are_filled_in(app, tmp_path):
    app.config.update(
        MAIL_SERVER="mail.example.org",
        ZALO_OA_ACCESS_TOKEN="t", ZALO_ZNS_TEMPLATES={"visit_confirmed": "1"}, ZALO_TOKEN_FILE=str(tmp_path / "t.json"),
        ESMS_API_KEY="k", ESMS_SECRET_KEY="s", ESMS_BRANDNAME="PHUONG", ESMS_ZALO_OA_ID="oa", ESMS_ZNS_TEMPLATES={"visit_confirmed": "2"},
    )
    assert sorted(available(app.config)) == ["email", "esms_zalo", "log", "sms", "zalo"]


def test_templates_module_is_what_the_channels_render():
    assert templates.render_sms("visit_cancelled", {**PARAMS, "link": "https://p.vn/dat-lich/"}) == (
        "Phuong rat tiec phai huy lich hen K7M2QX ngay 14/03/2026. Moi dat lich khac: https://p.vn/dat-lich/")
