"""What a channel is asked to send (a Notice) and what it answers (a SendResult).

A result is one of three outcomes, so that a worker knows what to do next:
sent (with the provider's message id), failed for good (the provider's error
code and text: a wrong token, a template not approved, a number without Zalo),
or failed for now (a timeout, a 5xx, a quota) and worth trying again later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SENT = "sent"
FAILED = "failed"
RETRY = "retry"


@dataclass(frozen=True)
class Notice:
    """One message to one person: its kind (see templates.KINDS), the address
    (a phone number for ZNS and SMS, an e-mail address for e-mail), the
    kind's parameters, and a key unique to this message, passed to the provider
    as its tracking or request id so that a retry is never sent twice."""

    kind: str
    to: str
    params: dict = field(default_factory=dict)
    key: str = ""


@dataclass(frozen=True)
class SendResult:
    """What came of one attempt. `no_zalo` is set when the provider said the
    number has no Zalo account, the case where the sender falls back to SMS."""

    outcome: str
    channel: str
    provider_id: str = ""
    code: str = ""
    error: str = ""
    no_zalo: bool = False

    @classmethod
    def sent(cls, channel: str, provider_id: str = "") -> SendResult:
        return cls(SENT, channel, provider_id=provider_id)

    @classmethod
    def failed(cls, channel: str, code, error: str, no_zalo: bool = False) -> SendResult:
        return cls(FAILED, channel, code=str(code), error=error, no_zalo=no_zalo)

    @classmethod
    def retry(cls, channel: str, code, error: str) -> SendResult:
        return cls(RETRY, channel, code=str(code), error=error)

    @property
    def ok(self) -> bool:
        return self.outcome == SENT

    @property
    def permanent(self) -> bool:
        return self.outcome == FAILED

    @property
    def temporary(self) -> bool:
        return self.outcome == RETRY

    def describe(self) -> str:
        """One line for the outbox and the log."""
        if self.ok:
            return f"{self.channel}: sent {self.provider_id}".rstrip()
        return f"{self.channel}: {self.code} {self.error}".strip()
