"""Small helpers the provider channels share: phone formats and request ids."""

from __future__ import annotations

import hashlib

from wardsite.phone import normalize_phone


def phone_84(raw: str) -> str | None:
    """84xxxxxxxxx, the form Zalo documents for ZNS, or None for a number that is not Vietnamese."""
    phone = normalize_phone(raw)
    return "84" + phone[1:] if phone else None


def phone_0(raw: str) -> str | None:
    return normalize_phone(raw)


def request_id(key: str, limit: int = 48) -> str:
    """The message's key as a provider request id: itself when short enough
    (eSMS takes up to 50 characters), else a digest of it, the same every
    time, so a retry carries the same id and the provider drops the duplicate."""
    if len(key) <= limit and key.isascii():
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:limit]
