"""eSMS (ViHAT): customer-care SMS brandname, and ZNS relayed through eSMS
for a ward whose Official Account is registered there rather than with Zalo.

Written from eSMS's developer documentation (developers.esms.vn):
- SMS: POST {ESMS_URL}/SendMultipleMessage_V4_post_json/ with a JSON body
  {ApiKey, SecretKey, Phone, Content, Brandname, SmsType "2" (customer care),
  IsUnicode "0", Sandbox, RequestId, CallbackUrl};
- ZNS: POST {ESMS_URL}/SendZaloMessage_V5_post/ with {ApiKey, SecretKey,
  OAID, Phone, TempID, TempData [{key, value}], RequestId, Sandbox, SendingMode "1"};
- both answer {"CodeResult": "100", "SMSID": …} when accepted, or another
  CodeResult with an ErrorMessage ("Table of error codes").

CodeResult 100 means eSMS accepted the request, not that the phone got it;
delivery (and, for ZNS, a number without Zalo) is reported later to the
CallbackUrl. A duplicate RequestId (124) means an earlier attempt of the same
message was accepted, so a retry after a timeout counts it as sent.
"""

from __future__ import annotations

from wardsite.notify import templates
from wardsite.notify.channels import Channel
from wardsite.notify.http import Unreachable, post_json
from wardsite.notify.keys import phone_0, request_id
from wardsite.notify.result import Notice, SendResult


def callback_url(config) -> str:
    from wardsite.notify.routes import callback_url as url

    return url(config)

ESMS_URL = "https://rest.esms.vn/MainService.svc/json"
ACCEPTED = "100"
DUPLICATE = "124"
TEMPORARY = {"103"}  # not enough balance: a top-up ends it


class _Esms(Channel):
    def __init__(self, api_key: str, secret_key: str, url: str = ESMS_URL, sandbox: bool = False,
                 callback_url: str = "", timeout: float = 10):
        self.api_key, self.secret_key, self.url = api_key, secret_key, url.rstrip("/")
        self.sandbox, self.callback_url, self.timeout = sandbox, callback_url, timeout

    @staticmethod
    def _common(config) -> dict | None:
        if not (config.get("ESMS_API_KEY") and config.get("ESMS_SECRET_KEY")):
            return None
        return {"api_key": config["ESMS_API_KEY"], "secret_key": config["ESMS_SECRET_KEY"],
                "url": config.get("ESMS_URL") or ESMS_URL, "sandbox": bool(config.get("ESMS_SANDBOX")),
                "callback_url": callback_url(config), "timeout": config.get("NOTIFY_TIMEOUT_SECONDS", 10)}

    def _call(self, endpoint: str, notice: Notice, fields: dict) -> SendResult:
        phone = phone_0(notice.to)
        if phone is None:
            return SendResult.failed(self.name, "phone", "not a Vietnamese phone number")
        body = {"ApiKey": self.api_key, "SecretKey": self.secret_key, "Phone": phone,
                "Sandbox": "1" if self.sandbox else "0", "RequestId": request_id(notice.key, 50), **fields}
        if self.callback_url:
            body["CallbackUrl"] = self.callback_url
        try:
            status, answer = post_json(f"{self.url}/{endpoint}/", body, timeout=self.timeout)
        except Unreachable as error:
            return SendResult.retry(self.name, "timeout", str(error))
        if status >= 500 or status == 429:
            return SendResult.retry(self.name, status, f"HTTP {status}")
        code = str(answer.get("CodeResult", ""))
        if code == ACCEPTED:
            return SendResult.sent(self.name, str(answer.get("SMSID", "")))
        if code == DUPLICATE:
            return SendResult.sent(self.name, str(answer.get("SMSID", "")))
        text = str(answer.get("ErrorMessage") or answer.get("error") or f"HTTP {status}")
        if not code:
            return SendResult.retry(self.name, status, f"no CodeResult: {text}")
        if code in TEMPORARY:
            return SendResult.retry(self.name, code, text)
        return SendResult.failed(self.name, code, text)


class EsmsSmsChannel(_Esms):
    """A customer-care SMS under the ward's registered brandname. eSMS checks
    the text against the templates registered for it (error 146 otherwise):
    register each kind's unaccented text, templates.render_sms()."""

    name = "sms"

    def __init__(self, api_key: str, secret_key: str, brandname: str, sms_type: str = "2", **options):
        super().__init__(api_key, secret_key, **options)
        self.brandname, self.sms_type = brandname, str(sms_type)

    @classmethod
    def from_config(cls, config) -> EsmsSmsChannel | None:
        common = cls._common(config)
        if common is None or not config.get("ESMS_BRANDNAME"):
            return None
        return cls(brandname=config["ESMS_BRANDNAME"], sms_type=config.get("ESMS_SMS_TYPE") or "2", **common)

    def send(self, notice: Notice) -> SendResult:
        content = templates.render_sms(notice.kind, notice.params)
        return self._call("SendMultipleMessage_V4_post_json", notice, {
            "Content": content, "Brandname": self.brandname, "SmsType": self.sms_type, "IsUnicode": "0"})


class EsmsZnsChannel(_Esms):
    """ZNS through eSMS: the template registered by eSMS for the ward's OA,
    with the same parameter names as Zalo's own."""

    name = "esms_zalo"

    def __init__(self, api_key: str, secret_key: str, oa_id: str, template_ids: dict, **options):
        super().__init__(api_key, secret_key, **options)
        self.oa_id, self.template_ids = oa_id, dict(template_ids)

    @classmethod
    def from_config(cls, config) -> EsmsZnsChannel | None:
        common = cls._common(config)
        if common is None or not (config.get("ESMS_ZALO_OA_ID") and config.get("ESMS_ZNS_TEMPLATES")):
            return None
        return cls(oa_id=config["ESMS_ZALO_OA_ID"], template_ids=config["ESMS_ZNS_TEMPLATES"], **common)

    def send(self, notice: Notice) -> SendResult:
        template_id = self.template_ids.get(notice.kind)
        if not template_id:
            return SendResult.failed(self.name, "template", f"no ZNS template id set for {notice.kind}")
        data = [{"key": k, "value": v} for k, v in templates.zns_data(notice.kind, notice.params).items()]
        return self._call("SendZaloMessage_V5_post", notice, {
            "OAID": self.oa_id, "TempID": str(template_id), "TempData": data, "SendingMode": "1"})
