"""The worker that sends the outbox: `flask --app wardsite notify worker`.

The outbox table is the queue. A message is queued in the same transaction as
the change that causes it (wardsite.mail), so it exists exactly when the
change does; the worker then:

1. puts back the messages whose claim ran out (a worker that died mid-batch);
2. claims a batch of due messages with one conditional UPDATE (status
   queued -> sending, with its own claim token and a lease), choosing the rows
   with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so that several
   workers never claim one message; SQLite runs one writer at a time, so the
   UPDATE is the claim;
3. sends each message on its channel, passing its idempotency key (the dedupe
   key) to the provider, and commits the outcome at once, guarded by the claim
   token: sent (with the provider's id and cost), failed (the provider's
   error), or queued again after an exponential backoff. A number without
   Zalo is sent again as an SMS.

A worker killed after the provider accepted a message but before it committed
"sent" leaves the message claimed; once the lease runs out another attempt
goes out with the same idempotency key, which eSMS answers "duplicate request
id" (counted as sent). Zalo's own API is not known to drop a repeated
tracking_id and cannot be asked about one, so before asking it the worker
commits the message as in Zalo's hands (provider_id IN_FLIGHT); a claim taken
over in that state is marked "uncertain" instead of being sent again: the
message log shows it with a resend button for a leader who has checked with
the recipient, and Zalo's delivery report, if it comes, makes it "delivered". Quiet hours hold phone messages that are not about
today; a daily cost cap holds paid messages until the next day.

Other areas hand the worker tasks of their own (`add_task`): the roster's
fill jobs run between two batches, so one command runs all background work.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import signal
import time
from datetime import datetime, time as clock, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import case, func, or_, select, update

from wardsite.extensions import db
from wardsite.mail import FAILED, IN_FLIGHT, QUEUED, SENDING, SENT, UNCERTAIN, OutboxMessage
from wardsite.notify import templates
from wardsite.notify.channels import EmailChannel, available
from wardsite.notify.result import Notice, SendResult
from wardsite.timeutil import WARD_TZ, from_local, local_now, utcnow

log = logging.getLogger("wardsite.notify.worker")

PHONE_CHANNELS = ("zalo", "sms")
MAX_BACKOFF_SECONDS = 6 * 3600

# Other background work the worker does between batches: each task does one
# piece (e.g. one fill job) and says how many it did (0: nothing waiting).
TASKS: list = []


def add_task(task) -> None:
    if task not in TASKS:
        TASKS.append(task)


def parse_quiet_hours(text: str) -> tuple[clock, clock] | None:
    """"21:00-07:00" -> (21:00, 07:00); empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    start, _, end = text.partition("-")
    return clock.fromisoformat(start.strip()), clock.fromisoformat(end.strip())


def in_quiet_hours(quiet: tuple[clock, clock] | None, moment: datetime) -> bool:
    if quiet is None:
        return False
    now = moment.astimezone(WARD_TZ).time()
    start, end = quiet
    return (start <= now or now < end) if start > end else (start <= now < end)


def backoff(attempts: int, base: float) -> float:
    """Seconds before attempt `attempts + 1`: base, 2 base, 4 base... up to
    six hours, with a fifth either way so that workers do not retry in step."""
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS) * random.uniform(0.8, 1.2)


def claiming(model, chosen):
    """An UPDATE of the rows of `model` whose ids `chosen` (a SELECT of ids,
    ordered and limited) picks: one statement, so two workers never take one
    row. On PostgreSQL the rows are chosen FOR UPDATE SKIP LOCKED in a CTE (a
    CTE is run once; an IN (subquery ... LIMIT) may be run again per row)."""
    taking = update(model)
    if db.engine.dialect.name == "postgresql":
        rows = chosen.with_for_update(skip_locked=True).cte("chosen")
        return taking.where(model.id == rows.c.id)
    return taking.where(model.id.in_(chosen.scalar_subquery()))


class Worker:
    def __init__(self, config, channels: dict | None = None):
        self.config = config
        self.channels = channels if channels is not None else available(config)
        self.log_only = bool(config.get("NOTIFY_LOG_ONLY"))
        self.batch = int(config.get("NOTIFY_WORKER_BATCH", 20))
        self.lease = timedelta(seconds=float(config.get("NOTIFY_CLAIM_SECONDS", 120)))
        self.max_attempts = int(config.get("NOTIFY_MAX_ATTEMPTS", 8))
        self.retry_base = float(config.get("NOTIFY_RETRY_SECONDS", 30))
        self.quiet = parse_quiet_hours(config.get("NOTIFY_QUIET_HOURS", ""))
        self.cost_cap = int(config.get("NOTIFY_DAILY_COST_CAP", 0) or 0)
        self.costs = dict(config.get("NOTIFY_COSTS") or {})
        self.stopping = False

    # Which channel sends what --------------------------------------------------

    def _channel_for(self, name: str):
        """The channel that sends a message queued for `name`: Zalo through
        Zalo's API, else through eSMS, else an SMS; None: not configured (it waits)."""
        if self.log_only:
            return self.channels["log"]
        if name == "zalo":
            return self.channels.get("zalo") or self.channels.get("esms_zalo") or self.channels.get("sms")
        return self.channels.get(name)

    def sendable(self) -> list[str]:
        names = ["email", "zalo", "sms", "log"]
        return [name for name in names if self._channel_for(name) is not None]

    def price(self, channel_name: str) -> int:
        return 0 if self.log_only else int(self.costs.get(channel_name, 0))

    # Claiming ------------------------------------------------------------------

    def requeue_stale(self, now: datetime | None = None) -> int:
        """Take over the claims that ran out: queued again, except a message
        that was in the hands of a provider that does not drop a repeated
        request (marked IN_FLIGHT): that one may have gone, so it becomes
        "uncertain" for a leader to check and resend, never sent twice by itself."""
        now = now or utcnow()
        uncertain = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now,
                   OutboxMessage.provider_id == IN_FLIGHT)
            .values(status=UNCERTAIN, claim_token=None, claimed_until=None, provider_id="",
                    error="the worker stopped while Zalo was sending it: it may have gone; "
                          "check with the recipient before sending again")
            .execution_options(synchronize_session=False)
        ).rowcount or 0
        if uncertain:
            log.warning("%s message(s) may have been sent by a worker that stopped: marked uncertain", uncertain)
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now)
            .values(status=QUEUED, claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount:
            log.warning("%s message(s) claimed by a worker that stopped are queued again", result.rowcount)
        return result.rowcount or 0

    def claim(self, now: datetime | None = None) -> list[OutboxMessage]:
        now = now or utcnow()
        names = self.sendable()
        if not names:
            return []
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now, OutboxMessage.channel.in_(names))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.batch)
        )
        if in_quiet_hours(self.quiet, now):
            due = due.where(or_(OutboxMessage.channel.not_in(PHONE_CHANNELS), OutboxMessage.same_day.is_(True)))
        claim = claiming(OutboxMessage, due).where(OutboxMessage.status == QUEUED)
        token = secrets.token_hex(16)
        db.session.execute(
            claim.values(status=SENDING, claim_token=token, claimed_until=now + self.lease,
                         attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return list(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)))

    # Sending -------------------------------------------------------------------

    def _spent_today(self) -> int:
        midnight = from_local(datetime.combine(local_now().date(), clock()))
        return db.session.scalar(select(func.coalesce(func.sum(OutboxMessage.cost), 0))
                                 .where(OutboxMessage.sent_at >= midnight)) or 0

    def _finish(self, message: OutboxMessage, **values) -> None:
        values.setdefault("claim_token", None)
        values.setdefault("claimed_until", None)
        # The provider answered: no longer in its hands, whatever the answer.
        values.setdefault("provider_id", case((OutboxMessage.provider_id == IN_FLIGHT, ""),
                                              else_=OutboxMessage.provider_id))
        if message.kind in templates.SECRET_KINDS and values.get("status") in (SENT, FAILED):
            # A one-time code stays readable only until it has gone (or never will).
            hidden = templates.masked(message.kind, message.parameters)
            values.update(params=json.dumps(hidden, ensure_ascii=False), body=templates.render(message.kind, hidden))
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(**values).execution_options(synchronize_session=False)
        )
        db.session.commit()

    def send_one(self, message: OutboxMessage) -> SendResult:
        channel = self._channel_for(message.channel)
        now = utcnow()
        if channel is None:  # its settings were removed since the claim
            self._finish(message, status=QUEUED, attempts=message.attempts - 1, next_attempt_at=now)
            return SendResult.retry(message.channel, "channel", "not configured")
        if message.kind in templates.SECRET_KINDS and message.created_at is not None and \
                message.created_at < now - timedelta(minutes=float(self.config.get("VISIT_PHONE_CODE_MINUTES", 10))):
            self._finish(message, status=FAILED, error="expired before it could be sent")
            return SendResult.failed(channel.name, "expired", "a one-time code past its time")
        price = self.price(channel.name)
        if price and self.cost_cap and self._spent_today() + price > self.cost_cap:
            tomorrow = from_local(datetime.combine(local_now().date() + timedelta(days=1), clock()))
            self._finish(message, status=QUEUED, attempts=message.attempts - 1, next_attempt_at=tomorrow,
                         error="daily cost cap reached")
            return SendResult.retry(channel.name, "cap", "daily cost cap reached")
        if not getattr(channel, "repeats_safely", True):
            # Said before asking: if this worker dies before the answer is
            # committed, whoever takes the claim over knows it may have gone.
            db.session.execute(update(OutboxMessage)
                               .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
                               .values(provider_id=IN_FLIGHT).execution_options(synchronize_session=False))
            db.session.commit()
        result = self._send(channel, message)
        now = utcnow()
        if result.ok:
            self._finish(message, status=SENT, sent_at=now, provider_id=result.provider_id[:100], error="",
                         cost=price)
        elif result.no_zalo and message.channel == "zalo" and not self.log_only and "sms" in self.channels:
            self._finish(message, status=QUEUED, channel="sms", next_attempt_at=now,
                         error=f"{result.describe()[:440]}; by SMS instead")
        elif result.permanent or message.attempts >= self.max_attempts:
            self._finish(message, status=FAILED, error=result.describe()[:500])
        else:
            self._finish(message, status=QUEUED, error=result.describe()[:500],
                         next_attempt_at=now + timedelta(seconds=backoff(message.attempts, self.retry_base)))
        return result

    def _send(self, channel, message: OutboxMessage) -> SendResult:
        try:
            if message.kind:
                return channel.send(Notice(message.kind, message.recipient, message.parameters, message.idempotency_key))
            if isinstance(channel, EmailChannel):
                return channel.send_email(message.recipient, message.subject, message.body)
            if channel.name == "log":
                channel.logger.info("message to %s: %s\n%s", message.recipient, message.subject, message.body)
                return SendResult.sent("log", "log")
            return SendResult.failed(channel.name, "kind", "an e-mail without a template kind cannot go by phone")
        except Exception as error:  # noqa: BLE001 - a bug in one message must not stop the others
            log.exception("message %s could not be sent", message.id)
            return SendResult.retry(channel.name, "error", repr(error))

    # The loop ------------------------------------------------------------------

    def run_once(self) -> int:
        """Put back stale claims, claim a batch and send it; how many were tried."""
        self.requeue_stale()
        batch = self.claim()
        for message in batch:
            if self.stopping:
                self._finish(message, status=QUEUED, attempts=message.attempts - 1, next_attempt_at=utcnow())
                continue
            self.send_one(message)
        return len(batch) + self.run_tasks()

    def run_tasks(self) -> int:
        done = 0
        for task in TASKS:
            if self.stopping:
                break
            try:
                done += task()
            except Exception:  # noqa: BLE001 - one area's bug must not stop the messages
                db.session.rollback()
                log.exception("background task %s failed", getattr(task, "__name__", task))
        return done

    def run(self, poll: float, until_idle: bool = False) -> None:
        while not self.stopping:
            try:
                tried = self.run_once()
            except Exception:  # noqa: BLE001 - a lost database connection: wait and try again
                db.session.rollback()
                log.exception("worker round failed")
                tried = 0
            if not tried:
                if until_idle:
                    return
                time.sleep(poll)


def deliver_due() -> int:
    """Send whatever is due now, in this process (tests, `notify worker --once`)."""
    worker = Worker(current_app.config)
    total = 0
    while tried := worker.run_once():
        total += tried
    return total


notify_cli = AppGroup("notify", help="Send the outbox: Zalo, SMS, e-mail, the log.")


@notify_cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due, then stop.")
@click.option("--log-only", is_flag=True, help="Send every message to the log (development).")
def worker_command(once: bool, log_only: bool) -> None:
    """Send queued messages with retries until stopped (SIGTERM finishes the message in hand)."""
    if log_only:
        current_app.config["NOTIFY_LOG_ONLY"] = True
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("wardsite.notify").setLevel(logging.INFO)
    worker = Worker(current_app.config)

    def stop(signum, frame):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"notify worker: channels {', '.join(worker.sendable())}"
               + (" (everything to the log)" if worker.log_only else ""))
    worker.run(float(current_app.config.get("NOTIFY_WORKER_POLL_SECONDS", 1)), until_idle=once)


@notify_cli.command("status")
def status_command() -> None:
    """How many messages are in each status."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    for status, count in sorted(rows):
        click.echo(f"{status}: {count}")
