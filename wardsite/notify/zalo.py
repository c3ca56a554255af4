"""Zalo Notification Service: a template message to a phone number, sent with
the Official Account's access token (Zalo's own API, not a reseller's).

Written from Zalo's documentation:
- send: POST https://business.openapi.zalo.me/message/template with the header
  `access_token` and a JSON body {phone (84…), template_id, template_data,
  tracking_id}; the answer is {"error": 0, "data": {"msg_id": …}} or a
  negative error code with a message (zalo.cloud/zns/guidelines/handle-error-code);
- token: an OA access token lives about 25 hours; POST
  https://oauth.zaloapp.com/v4/oa/access_token with the header `secret_key` and
  the form fields refresh_token, app_id, grant_type=refresh_token gives a new
  access token and a new refresh token. A refresh token works once, so the
  new pair is written to a file (under a lock, for several workers) before use.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from wardsite.notify import templates
from wardsite.notify.channels import Channel
from wardsite.notify.http import Unreachable, post_form, post_json
from wardsite.notify.keys import phone_84, request_id
from wardsite.notify.result import Notice, SendResult

INVALID_TOKEN = -124
NO_ZALO = -118  # "Zalo account not existed": the number has no Zalo, send an SMS
# Worth trying again later: an unknown error ("try again later"), and the
# ZNS balance or quota running out, which a top-up or the next day ends.
TEMPORARY = {-100, -115, -144}
TEMPLATE = {-109, -117, -131}  # template id invalid, not allowed for this OA, not approved
REFRESH_MARGIN = 300
ZNS_URL = "https://business.openapi.zalo.me/message/template"
OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"  # refresh this many seconds before the token runs out


@dataclass
class Token:
    access_token: str
    refresh_token: str = ""
    expires_at: float = 0  # 0: unknown, used until Zalo refuses it


class TokenStore:
    """The current token pair: from the file when there is one, else from the
    settings. `refresh` swaps it for a new pair once, however many workers ask."""

    def __init__(self, path: Path | None, seed: Token):
        self.path = Path(path) if path else None
        self.seed = seed
        self._memory: Token | None = None

    def current(self) -> Token:
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                return Token(data["access_token"], data.get("refresh_token", ""), float(data.get("expires_at", 0)))
            except (OSError, ValueError, KeyError):
                pass
        return self._memory or self.seed

    def refresh(self, stale: Token, obtain) -> Token:
        """The token after `stale`: another worker's, if it refreshed first,
        else a new one from `obtain(refresh_token)`, saved before it is returned."""
        if not self.path:
            token = self.current()
            if token.access_token != stale.access_token:
                return token
            self._memory = obtain(stale.refresh_token)
            return self._memory
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            token = self.current()
            if token.access_token != stale.access_token:
                return token
            new = obtain(token.refresh_token)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(new.__dict__), encoding="utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
            return new


class RefreshFailed(Exception):
    def __init__(self, result: SendResult):
        super().__init__(result.error)
        self.result = result


class ZaloZnsChannel(Channel):
    name = "zalo"
    repeats_safely = False  # no documented dedupe of tracking_id, no lookup by it

    def __init__(self, template_ids: dict, store: TokenStore, app_id: str = "", secret_key: str = "",
                 url: str = ZNS_URL, oauth_url: str = OAUTH_URL,
                 timeout: float = 10, development: bool = False):
        self.template_ids, self.store = dict(template_ids), store
        self.app_id, self.secret_key = app_id, secret_key
        self.url, self.oauth_url, self.timeout, self.development = url, oauth_url, timeout, development

    @classmethod
    def from_config(cls, config) -> ZaloZnsChannel | None:
        seed = Token(config.get("ZALO_OA_ACCESS_TOKEN", ""), config.get("ZALO_OA_REFRESH_TOKEN", ""))
        can_refresh = bool(seed.refresh_token and config.get("ZALO_APP_ID") and config.get("ZALO_APP_SECRET_KEY"))
        if not config.get("ZALO_ZNS_TEMPLATES") or not (seed.access_token or can_refresh):
            return None
        path = config.get("ZALO_TOKEN_FILE") or (
            os.path.join(current_app.instance_path, "zalo_token.json") if has_app_context() else None)
        return cls(config["ZALO_ZNS_TEMPLATES"], TokenStore(path, seed), config.get("ZALO_APP_ID", ""),
                   config.get("ZALO_APP_SECRET_KEY", ""), config.get("ZALO_ZNS_URL") or ZNS_URL,
                   config.get("ZALO_OAUTH_URL") or OAUTH_URL,
                   config.get("NOTIFY_TIMEOUT_SECONDS", 10), bool(config.get("ZALO_ZNS_DEVELOPMENT")))

    @property
    def can_refresh(self) -> bool:
        return bool(self.app_id and self.secret_key)

    def send(self, notice: Notice) -> SendResult:
        phone = phone_84(notice.to)
        if phone is None:
            return SendResult.failed(self.name, "phone", "not a Vietnamese phone number")
        template_id = self.template_ids.get(notice.kind)
        if not template_id:
            return SendResult.failed(self.name, "template", f"no ZNS template id set for {notice.kind}")
        body = {"phone": phone, "template_id": str(template_id),
                "template_data": templates.zns_data(notice.kind, notice.params),
                "tracking_id": request_id(notice.key)}
        if self.development:
            body["mode"] = "development"
        try:
            token = self.store.current()
            if token.expires_at and time.time() >= token.expires_at - REFRESH_MARGIN and self.can_refresh:
                token = self.store.refresh(token, self._obtain)
            answer = self._post(body, token)
            if answer.get("error") == INVALID_TOKEN and self.can_refresh:
                answer = self._post(body, self.store.refresh(token, self._obtain))
        except RefreshFailed as failure:
            return failure.result
        except _Temporary as problem:
            return SendResult.retry(self.name, problem.code, problem.text)
        return self._result(answer)

    def _post(self, body: dict, token: Token) -> dict:
        try:
            status, answer = post_json(self.url, body, {"access_token": token.access_token}, self.timeout)
        except Unreachable as error:
            raise _Temporary("timeout", error) from error
        if status >= 500 or status == 429:
            raise _Temporary(status, f"HTTP {status}")
        if "error" not in answer:
            raise _Temporary(status, f"HTTP {status} without a ZNS answer")
        return answer

    def _result(self, answer: dict) -> SendResult:
        code, text = answer.get("error"), str(answer.get("message", ""))
        if code == 0:
            return SendResult.sent(self.name, str((answer.get("data") or {}).get("msg_id", "")))
        if code in TEMPORARY or "quota" in text.lower():
            return SendResult.retry(self.name, code, text)
        return SendResult.failed(self.name, code, text, no_zalo=code == NO_ZALO)

    def _obtain(self, refresh_token: str) -> Token:
        if not refresh_token:
            raise RefreshFailed(SendResult.failed(self.name, INVALID_TOKEN, "access token refused and no refresh token set"))
        fields = {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        try:
            status, answer = post_form(self.oauth_url, fields, {"secret_key": self.secret_key}, self.timeout)
        except Unreachable as error:
            raise RefreshFailed(SendResult.retry(self.name, "timeout", f"token refresh: {error}")) from error
        if status >= 500:
            raise RefreshFailed(SendResult.retry(self.name, status, f"token refresh: HTTP {status}"))
        if not answer.get("access_token"):
            text = answer.get("error_description") or answer.get("error_name") or answer.get("message") or f"HTTP {status}"
            raise RefreshFailed(SendResult.failed(self.name, answer.get("error", INVALID_TOKEN), f"token refresh: {text}"))
        lifetime = float(answer.get("expires_in") or 0)
        return Token(answer["access_token"], answer.get("refresh_token", refresh_token),
                     time.time() + lifetime if lifetime else 0)


class _Temporary(Exception):
    def __init__(self, code, text):
        super().__init__(str(text))
        self.code, self.text = code, str(text)
