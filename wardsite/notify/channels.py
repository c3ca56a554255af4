"""Channels behind one interface: each takes a Notice and answers a SendResult.

- LogChannel writes the message to the application log (development, and the
  site with nothing configured);
- EmailChannel sends it over SMTP (MAIL_SERVER);
- ZaloZnsChannel (notify/zalo.py) sends a ZNS template message with the
  Official Account's access token, refreshing it when it runs out;
- EsmsSmsChannel and EsmsZnsChannel (notify/esms.py) send a customer-care SMS
  brandname, or a ZNS relayed by eSMS, through eSMS's HTTP API.

`available(config)` gives the channels whose settings are filled in; the log
channel is always there, so the site starts and works with none configured.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from wardsite.notify import templates
from wardsite.notify.result import Notice, SendResult

log = logging.getLogger("wardsite.notify")


class Channel:
    """One way of reaching a person. `send` never raises for a provider's
    answer or a network fault: it says what happened in the SendResult."""

    name = "channel"
    # Whether asking again with the same idempotency key is safe: the provider
    # drops a repeated request id (eSMS), or a repeat costs nothing (the log).
    # False (Zalo's own API, which is not known to drop a repeated tracking_id):
    # a message a dead worker may have sent is marked uncertain, not resent.
    repeats_safely = True

    def send(self, notice: Notice) -> SendResult:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config) -> Channel | None:
        """The channel set up from the app's settings, or None when they are missing."""
        raise NotImplementedError


class LogChannel(Channel):
    """Writes what would go out to the log, so development needs no provider."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None):
        self.logger = logger or log
        self.sent: list[tuple[Notice, str]] = []

    @classmethod
    def from_config(cls, config) -> LogChannel:
        return cls()

    def send(self, notice: Notice) -> SendResult:
        text = templates.render(notice.kind, notice.params)
        self.logger.info("message %s to %s: %s", notice.kind, notice.to, text)
        self.sent.append((notice, text))
        return SendResult.sent(self.name, notice.key)


class EmailChannel(Channel):
    """SMTP, as the outbox has always sent: STARTTLS and a login when set."""

    name = "email"

    def __init__(self, server: str, port: int = 587, sender: str = "no-reply@localhost", use_tls: bool = True,
                 username: str = "", password: str = "", timeout: float = 20):
        self.server, self.port, self.sender = server, port, sender
        self.use_tls, self.username, self.password, self.timeout = use_tls, username, password, timeout

    @classmethod
    def from_config(cls, config) -> EmailChannel | None:
        if not config.get("MAIL_SERVER"):
            return None
        return cls(config["MAIL_SERVER"], config.get("MAIL_PORT", 587), config.get("MAIL_SENDER", "no-reply@localhost"),
                   bool(config.get("MAIL_USE_TLS")), config.get("MAIL_USERNAME", ""), config.get("MAIL_PASSWORD", ""))

    def send(self, notice: Notice) -> SendResult:
        subject = templates.render_subject(notice.kind, notice.params)
        return self.send_email(notice.to, subject, templates.render(notice.kind, notice.params))

    def send_email(self, recipient: str, subject: str, body: str) -> SendResult:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = recipient
        email["Subject"] = subject
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        email.set_content(body)
        try:
            with smtplib.SMTP(self.server, self.port, timeout=self.timeout) as smtp:
                if self.use_tls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult.failed(self.name, "recipient", str(error))
        except smtplib.SMTPResponseException as error:
            # 5xx is the server's final word; 4xx means try later.
            error_text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
            if 500 <= error.smtp_code < 600:
                return SendResult.failed(self.name, error.smtp_code, error_text)
            return SendResult.retry(self.name, error.smtp_code, error_text)
        except (OSError, smtplib.SMTPException) as error:
            return SendResult.retry(self.name, "smtp", str(error))
        return SendResult.sent(self.name, email.get("Message-ID", ""))


def available(config) -> dict[str, Channel]:
    """Every channel whose settings are filled in, by name; "log" always."""
    from wardsite.notify.esms import EsmsSmsChannel, EsmsZnsChannel
    from wardsite.notify.zalo import ZaloZnsChannel

    found: dict[str, Channel] = {"log": LogChannel.from_config(config)}
    for cls in (EmailChannel, ZaloZnsChannel, EsmsSmsChannel, EsmsZnsChannel):
        channel = cls.from_config(config)
        if channel is not None:
            found[channel.name] = channel
    return found
