"""Delivery reports from the providers: /thong-bao/esms/bao-cao/<token>
(eSMS, SMS and ZNS) and /thong-bao/zalo/su-kien/<token> (Zalo's own webhook).

eSMS calls the CallbackUrl given with each message (notify/esms.py) once the
telco or Zalo has answered. Written from eSMS's "Callback Url" page
(developers.esms.vn/esms-api/callback-url): an HTTP GET with the query
parameters SMSID, RequestId, SendStatus (1 waiting for approval, 2 waiting to
send, 4 rejected, 5 sent, 7 with the telco, waiting for its report),
SendSuccess and SendFailed (how many recipients got it, or not), TypeId (2 a
customer-care SMS, 24 and 25 a ZNS) and, for a ZNS, error_info: Zalo's
answer as JSON text, {"error": -118, "message": ...} for a number without Zalo.
eSMS retries five times on a timeout. The same parameters are read from a
POST (form or JSON) too.

The URL carries a secret token (ESMS_CALLBACK_TOKEN): without the setting,
or with another token, the route is a 404. A report finds its message by the
SMSID eSMS answered when it accepted it (provider_id), else by RequestId (the
message's idempotency key); an unknown one is ignored with a 200, so that
eSMS stops retrying. Reports are idempotent: only a message marked "sent"
changes, to "delivered" or "failed"; a report for a ZNS that reached no Zalo
queues the message again as an SMS when the SMS channel is configured.

Zalo's Official Account webhook posts JSON events; for ZNS the event
"user_received_message" says a message reached the phone, with its msg_id
(what the send answered, provider_id) and the tracking_id we gave (the
idempotency key). It is authenticated the same way, by a token in the URL
(ZALO_WEBHOOK_TOKEN), and, when ZALO_OA_SECRET_KEY is set, by the
X-ZEvent-Signature header: "mac=" + sha256(app id + raw body + the body's
timestamp + OA secret key), as Zalo's OA webhook documentation has it
(a wrong or missing one is a 403); every other event is answered 200 and
ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, abort, current_app, request
from sqlalchemy import select

from wardsite import mail
from wardsite.extensions import csrf, db
from wardsite.forms import strip_control
from wardsite.mail import DELIVERED, FAILED, QUEUED, SENT, UNCERTAIN, OutboxMessage
from wardsite.notify.channels import available
from wardsite.notify.zalo import NO_ZALO
from wardsite.timeutil import utcnow

log = logging.getLogger("wardsite.notify")

bp = Blueprint("notify", __name__)

CALLBACK_PATH = "/thong-bao/esms/bao-cao/"
DONE = "5"
REJECTED = "4"
ZNS_TYPES = {"24", "25"}


def callback_url(config) -> str:
    """The CallbackUrl to give eSMS: ESMS_CALLBACK_URL, else this route on
    the canonical address when ESMS_CALLBACK_TOKEN is set; "" otherwise."""
    if config.get("ESMS_CALLBACK_URL"):
        return config["ESMS_CALLBACK_URL"]
    token, base = config.get("ESMS_CALLBACK_TOKEN") or "", (config.get("CANONICAL_URL") or "").rstrip("/")
    return f"{base}{CALLBACK_PATH}{token}" if token and base else ""


def _report() -> dict[str, str]:
    """The report's fields, whether eSMS sent them by GET or by POST."""
    fields = {key: value for key, value in request.args.items()}
    if request.method == "POST":
        fields.update(request.form.items())
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            fields.update({str(key): "" if value is None else str(value) for key, value in body.items()})
    return {key.lower(): value.strip()[:2000] for key, value in fields.items() if isinstance(value, str)}


def _number(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def zalo_error(text: str) -> tuple[int | None, str]:
    """Zalo's error code and message from error_info, which eSMS sends as
    JSON, sometimes JSON inside a JSON string."""
    value = text
    for _ in range(3):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            break
    if isinstance(value, dict):
        try:
            code = int(value.get("error"))
        except (TypeError, ValueError):
            code = None
        return code, str(value.get("message") or "")
    return None, text if isinstance(text, str) else ""


def zalo_signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The X-ZEvent-Signature Zalo sends with an OA webhook event:
    "mac=" and the SHA-256 (hex) of the app id, the raw JSON body, the
    body's "timestamp" and the OA secret key, in that order."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()
    return f"mac={digest}"


def zalo_signature_ok(body: bytes, event) -> bool:
    """The event's signature is Zalo's, with ZALO_OA_SECRET_KEY (the Official
    Account's secret key, not the app's) and ZALO_APP_ID (or the event's
    app_id when that is not set)."""
    config = current_app.config
    if not isinstance(event, dict):
        return False
    app_id = str(config.get("ZALO_APP_ID") or event.get("app_id") or "")
    timestamp = event.get("timestamp")
    if not app_id or timestamp is None or isinstance(timestamp, (dict, list)):
        return False
    expected = zalo_signature(app_id, body, str(timestamp), str(config["ZALO_OA_SECRET_KEY"]))
    given = request.headers.get("X-ZEvent-Signature", "").strip()
    return hmac.compare_digest(given.lower().encode("utf-8", "replace"), expected.encode())


def _token_ok(setting: str, token: str) -> bool:
    expected = current_app.config.get(setting) or ""
    return bool(expected) and hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode("utf-8"))


def _message(report: dict[str, str]) -> OutboxMessage | None:
    sms_id, request_id = report.get("smsid", ""), report.get("requestid", "")
    if sms_id:
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == sms_id[:100]))
        if message is not None:
            return message
    if request_id:
        key, _, resend = request_id.rpartition(":r")
        candidates = [request_id] + ([key] if key and resend.isdigit() else [])
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(candidates))):
            if message.idempotency_key == request_id:
                return message
    return None


def apply_report(report: dict[str, str]) -> str:
    """Mark the message the report is about; says what was done (for the log)."""
    # NUL and other control characters cannot be looked up (PostgreSQL refuses NUL).
    report = {key: strip_control(value) for key, value in report.items()}
    message = _message(report)
    if message is None:
        return "unknown"
    if message.status not in (SENT, UNCERTAIN):  # a report settles an uncertain one: it went
        return "unchanged"  # a repeated report, or about a message queued again
    status = report.get("sendstatus", "")
    success, failed = _number(report.get("sendsuccess", "0")), _number(report.get("sendfailed", "0"))
    if status == DONE and (success > 0 or failed == 0):
        message.status, message.delivered_at, message.error = DELIVERED, utcnow(), ""
        db.session.commit()
        return "delivered"
    if status == REJECTED or (status == DONE and failed > 0):
        code, text = zalo_error(report.get("error_info", ""))
        is_zns = report.get("typeid", "") in ZNS_TYPES or message.channel == "zalo"
        error = f"eSMS: {code}: {text}" if code is not None else f"eSMS: SendStatus {status}" + (f": {text}" if text else "")
        if is_zns and code == NO_ZALO and message.channel == "zalo" and "sms" in available(current_app.config) \
                and mail.can_resend(message):  # a one-time code, masked once sent, is never sent again
            # A new idempotency key: eSMS would drop the SMS as a duplicate RequestId of the ZNS.
            message.resends += 1
            message.status, message.channel, message.next_attempt_at = QUEUED, "sms", utcnow()
            message.claim_token = message.claimed_until = None
            message.error = f"{error[:440]}; by SMS instead"
            db.session.commit()
            return "by sms"
        message.status, message.error = FAILED, error[:500]
        db.session.commit()
        return "failed"
    return "pending"  # waiting for approval, to send, or for the telco's report


@bp.route(f"{CALLBACK_PATH}<token>", methods=["GET", "POST"])
@csrf.exempt
def esms_report(token: str):
    if not _token_ok("ESMS_CALLBACK_TOKEN", token):
        abort(404)
    report = _report()
    outcome = apply_report(report)
    log.info("eSMS report %s (SendStatus %s): %s", report.get("smsid", "")[:60], report.get("sendstatus", ""), outcome)
    return {"ok": True, "result": outcome}, 200, {"Cache-Control": "no-store"}


@bp.route("/thong-bao/zalo/su-kien/<token>", methods=["POST"])
@csrf.exempt
def zalo_event(token: str):
    if not _token_ok("ZALO_WEBHOOK_TOKEN", token):
        abort(404)
    raw = request.get_data(cache=True)
    try:
        event = json.loads(raw)
    except ValueError:
        event = None
    if current_app.config.get("ZALO_OA_SECRET_KEY") and not zalo_signature_ok(raw, event):
        log.warning("Zalo event refused: its X-ZEvent-Signature does not match")
        abort(403)
    outcome = "ignored"
    if isinstance(event, dict) and event.get("event_name") == "user_received_message":
        body = event.get("message") if isinstance(event.get("message"), dict) else {}
        ids = body.get("msg_ids") if isinstance(body.get("msg_ids"), list) else [body.get("msg_id")]
        report = {"sendstatus": DONE, "sendsuccess": "1", "requestid": str(body.get("tracking_id") or "")[:200]}
        outcome = "unknown"
        for msg_id in [str(i)[:100] for i in ids if i][:20] or [""]:
            outcome = apply_report({**report, "smsid": msg_id})
            if outcome != "unknown":
                break
    return {"ok": True, "result": outcome}, 200, {"Cache-Control": "no-store"}
