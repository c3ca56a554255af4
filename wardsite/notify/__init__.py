"""Messages to residents, volunteers and leaders over several channels.

`templates` says what goes out (every message kind, its Vietnamese text and its
parameters); `channels` sends it: e-mail, Zalo ZNS, eSMS's SMS brandname and
ZNS relay, or the log. Every channel answers a `result.SendResult`: sent,
failed for good, or failed for now (worth a retry).
"""

from wardsite.notify.channels import Channel, EmailChannel, LogChannel, available  # noqa: F401
from wardsite.notify.result import Notice, SendResult  # noqa: F401
