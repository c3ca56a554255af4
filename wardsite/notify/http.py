"""The one place the channels talk HTTP: a POST with a bounded timeout that
answers (status, JSON body) or raises Unreachable, with the standard library
only (no client library is needed for two JSON endpoints)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request


class Unreachable(Exception):
    """No answer: refused, reset, or no reply within the timeout."""


def post_json(url: str, body: dict, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return _post(url, data, {"Content-Type": "application/json", **(headers or {})}, timeout)


def post_form(url: str, fields: dict, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = urllib.parse.urlencode(fields).encode("ascii")
    return _post(url, data, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}, timeout)


def _post(url: str, data: bytes, headers: dict, timeout: float) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _parse(error.read())
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
        raise Unreachable(str(getattr(error, "reason", error))) from error


def _parse(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
