"""eSMS's delivery reports at /thong-bao/esms/bao-cao/<token> (issue 15):
the secret token, delivered, failed with Zalo's error, a ZNS that reached no
Zalo sent again as an SMS, repeated and unknown reports. The reports are
shaped as eSMS's "Callback Url" page shows them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from wardsite import mail
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.esms import EsmsSmsChannel
from wardsite.notify.worker import Worker
from wardsite.timeutil import utcnow

TOKEN = "s3cret-token-for-esms"
URL = f"/thong-bao/esms/bao-cao/{TOKEN}"
PARAMS = {"code": "K7M2QX", "time": "09:00", "date": "14/03/2026", "link": "http://localhost/dat-lich/tra-cuu"}
NO_ZALO_INFO = json.dumps(json.dumps({"error": -118, "message": "Zalo account not existed"}))


@pytest.fixture
def reports(app):
    app.config["ESMS_CALLBACK_TOKEN"] = TOKEN
    return app


def _sent(channel="sms", provider_id="sms-id-1", key="visit-resident:1:confirmed") -> int:
    message = mail.queue_notice("visit_confirmed", "0912345678", PARAMS, key, channel=channel)
    message.status, message.sent_at, message.provider_id, message.attempts = mail.SENT, utcnow(), provider_id, 1
    db.session.commit()
    return message.id


def _get(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_the_route_is_404_without_the_setting_or_with_another_token(app, client):
    assert client.get(URL + "?SMSID=x&SendStatus=5").status_code == 404
    app.config["ESMS_CALLBACK_TOKEN"] = TOKEN
    assert client.get("/thong-bao/esms/bao-cao/wrong?SMSID=x&SendStatus=5").status_code == 404
    assert client.get("/thong-bao/esms/bao-cao/" + TOKEN[:-1] + "?SendStatus=5").status_code == 404
    assert client.get(URL).status_code == 200


def test_an_sms_report_marks_the_message_delivered_by_get_and_is_idempotent(reports, client):
    with reports.app_context():
        message_id = _sent()
    query = "?SMSID=sms-id-1&SendFailed=0&SendStatus=5&SendSuccess=1&TotalPrice=0&TotalReceiver=1&TotalSent=1&RequestId=&TypeId=2&telcoid=1&phonenumber=0912345678"
    response = client.get(URL + query)
    assert response.status_code == 200 and response.json["result"] == "delivered"
    with reports.app_context():
        message = _get(message_id)
        assert message.status == mail.DELIVERED and message.delivered_at is not None
        first = message.delivered_at
    assert client.get(URL + query).json["result"] == "unchanged"
    # a late failure report does not undo a delivery
    assert client.get(URL + "?SMSID=sms-id-1&SendStatus=4&SendFailed=1&SendSuccess=0").json["result"] == "unchanged"
    with reports.app_context():
        assert _get(message_id).status == mail.DELIVERED and _get(message_id).delivered_at == first


def test_a_report_found_by_request_id_by_post_without_csrf(reports, client):
    with reports.app_context():
        message_id = _sent(provider_id="")
    response = client.post(URL, data={"SMSID": "other", "RequestId": "visit-resident:1:confirmed", "SendStatus": "5",
                                      "SendSuccess": "1", "SendFailed": "0"})
    assert response.status_code == 200 and response.json["result"] == "delivered"
    with reports.app_context():
        assert _get(message_id).status == mail.DELIVERED


def test_a_failed_zns_report_keeps_zalos_error(reports, client):
    with reports.app_context():
        message_id = _sent(channel="zalo", provider_id="zns-1")
    info = json.dumps(json.dumps({"error": -114, "message": "User is inactive"}))
    response = client.get(URL, query_string={"SMSID": "zns-1", "SendFailed": "1", "SendStatus": "5", "SendSuccess": "0",
                                             "TypeId": "25", "error_info": info})
    assert response.json["result"] == "failed"
    with reports.app_context():
        message = _get(message_id)
        assert message.status == mail.FAILED and "-114" in message.error and "inactive" in message.error


def test_a_zns_that_reached_no_zalo_goes_again_as_an_sms(reports, client, monkeypatch):
    reports.config.update(ESMS_API_KEY="k", ESMS_SECRET_KEY="s", ESMS_BRANDNAME="PHUONG")
    with reports.app_context():
        message_id = _sent(channel="zalo", provider_id="zns-2")
    report = {"SMSID": "zns-2", "SendFailed": "1", "SendStatus": "5", "SendSuccess": "0", "TypeId": "25",
              "error_info": NO_ZALO_INFO}
    assert client.get(URL, query_string=report).json["result"] == "by sms"
    assert client.get(URL, query_string=report).json["result"] == "unchanged"  # eSMS retried the report
    with reports.app_context():
        message = _get(message_id)
        assert (message.status, message.channel) == (mail.QUEUED, "sms") and "SMS" in message.error
        assert message.idempotency_key != message.dedupe_key  # eSMS would drop a repeated RequestId
        asked = []
        monkeypatch.setattr(EsmsSmsChannel, "send", lambda self, notice: asked.append(notice) or
                            __import__("wardsite.notify.result", fromlist=["SendResult"]).SendResult.sent("sms", "sms-9"))
        Worker(reports.config).run_once()
        assert [n.kind for n in asked] == ["visit_confirmed"] and asked[0].key == message.idempotency_key
        assert _get(message_id).status == mail.SENT


def test_no_zalo_without_an_sms_channel_is_a_failure(reports, client):
    with reports.app_context():
        message_id = _sent(channel="zalo", provider_id="zns-3")
    client.get(URL, query_string={"SMSID": "zns-3", "SendFailed": "1", "SendStatus": "5", "SendSuccess": "0",
                                  "TypeId": "25", "error_info": NO_ZALO_INFO})
    with reports.app_context():
        assert _get(message_id).status == mail.FAILED and "-118" in _get(message_id).error


def test_unknown_pending_and_garbage_reports_are_200(reports, client):
    with reports.app_context():
        message_id = _sent(provider_id="sms-id-4")
    assert client.get(URL + "?SMSID=nobody&SendStatus=5&SendSuccess=1").json["result"] == "unknown"
    assert client.get(URL + "?SMSID=sms-id-4&SendStatus=7").json["result"] == "pending"
    for query in ("?SMSID=sms-id-4&SendStatus=4&SendFailed=x&error_info=%22%7B", "?RequestId=" + "x" * 5000,
                  "?SMSID=%00&SendStatus=5"):
        assert client.get(URL + query).status_code == 200
    assert client.post(URL, data="not json", content_type="application/json").status_code == 200
    assert client.post(URL, json={"SMSID": None, "SendStatus": 5}).status_code == 200
    with reports.app_context():
        assert _get(message_id).status == mail.FAILED


def test_the_callback_url_given_to_esms_comes_from_the_token(reports):
    reports.config["CANONICAL_URL"] = "https://phuong.example.vn"
    reports.config.update(ESMS_API_KEY="k", ESMS_SECRET_KEY="s", ESMS_BRANDNAME="PHUONG", ESMS_CALLBACK_URL="")
    assert EsmsSmsChannel.from_config(reports.config).callback_url == "https://phuong.example.vn" + URL
    reports.config["ESMS_CALLBACK_URL"] = "https://elsewhere.example/cb"
    assert EsmsSmsChannel.from_config(reports.config).callback_url == "https://elsewhere.example/cb"


def test_zalos_user_received_message_event_marks_the_zns_delivered(app, client):
    zalo_url = "/thong-bao/zalo/su-kien/zalo-secret"
    event = {"event_name": "user_received_message", "app_id": "1", "sender": {"id": "oa"}, "recipient": {"id": "u"},
             "message": {"msg_id": "zalo-msg-1", "tracking_id": "visit-resident:1:confirmed"}, "timestamp": "1"}
    assert client.post(zalo_url, json=event).status_code == 404
    app.config["ZALO_WEBHOOK_TOKEN"] = "zalo-secret"
    with app.app_context():
        message_id = _sent(channel="zalo", provider_id="zalo-msg-1")
    assert client.post(zalo_url, json={"event_name": "follow"}).json["result"] == "ignored"
    assert client.post(zalo_url, data="garbage", content_type="application/json").status_code == 200
    assert client.post(zalo_url, json=event).json["result"] == "delivered"
    assert client.post(zalo_url, json=event).json["result"] == "unchanged"
    with app.app_context():
        assert _get(message_id).status == mail.DELIVERED
    event["message"] = {"msg_ids": ["nobody"], "tracking_id": "nobody"}
    assert client.post(zalo_url, json=event).json["result"] == "unknown"


def test_zalo_events_must_carry_zalos_signature_once_the_oa_secret_key_is_set(app, client):
    import hashlib

    from wardsite.notify.routes import zalo_signature

    zalo_url = "/thong-bao/zalo/su-kien/zalo-secret"
    app.config.update(ZALO_WEBHOOK_TOKEN="zalo-secret", ZALO_APP_ID="4321", ZALO_OA_SECRET_KEY="oa-secret-key")
    with app.app_context():
        message_id = _sent(channel="zalo", provider_id="zalo-msg-9")
    body = json.dumps({"event_name": "user_received_message", "app_id": "4321", "timestamp": "1733300000000",
                       "message": {"msg_id": "zalo-msg-9", "tracking_id": "k"}}).encode()
    good = "mac=" + hashlib.sha256(b"4321" + body + b"1733300000000" + b"oa-secret-key").hexdigest()
    assert zalo_signature("4321", body, "1733300000000", "oa-secret-key") == good

    def post(signature=None, data=body, token="zalo-secret"):
        headers = {"X-ZEvent-Signature": signature} if signature is not None else {}
        return client.post(f"/thong-bao/zalo/su-kien/{token}", data=data, content_type="application/json",
                           headers=headers)

    assert post().status_code == 403  # none
    assert post("mac=" + "0" * 64).status_code == 403  # wrong
    assert post(good, data=body.replace(b"zalo-msg-9", b"zalo-msg-8")).status_code == 403  # another body
    assert post(good, data=b"garbage").status_code == 403
    assert post(good, token="other").status_code == 404  # the token in the URL still counts
    with app.app_context():
        assert _get(message_id).status == mail.SENT
    response = post(good)
    assert response.status_code == 200 and response.json["result"] == "delivered"
    assert post(good.upper().replace("MAC=", "mac=")).json["result"] == "unchanged"  # hex in capitals too
    # Without the OA secret key, the token alone (as before).
    app.config["ZALO_OA_SECRET_KEY"] = ""
    assert post().status_code == 200


def test_the_callback_s_secret_stays_out_of_the_request_log(reports, client, caplog):
    import json
    import logging

    with caplog.at_level(logging.INFO, logger="wardsite.request"):
        client.get(URL + "?SMSID=unknown&SendStatus=5")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "wardsite.request"]
    assert [line["path"] for line in lines] == ["/thong-bao/esms/bao-cao/<token>"]
    assert TOKEN not in caplog.text
