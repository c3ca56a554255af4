"""The roster's commands: `flask roster fill --from --to` and `flask remind`
(top level, as the blueprint registers them with cli_group=None)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from wardsite.extensions import db
from wardsite.roster import services
from wardsite.roster.filling import REASONS
from wardsite.roster.models import Shift


@click.group("roster", cls=AppGroup)
def roster_cli() -> None:
    """Volunteer rosters."""


@roster_cli.command("fill")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
def roster_fill_command(start: datetime, end: datetime) -> None:
    """Fill the roster automatically from --from to --to."""
    if end < start:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    report = services.fill_roster(start.date(), end.date())
    db.session.commit()
    click.echo(f"Filled {report.filled} of {report.seats} seats ({report.added} added, {report.removed} removed).")
    with force_locale("en"):
        for shift_id, (count, reason) in sorted(report.empty.items()):
            shift = db.session.get(Shift, shift_id)
            click.echo(f"  {services.describe(shift)}: {count} empty ({REASONS[reason]})")


@click.command("remind")
@with_appcontext
def remind_command() -> None:
    """E-mail a reminder the day before each published shift (once)."""
    sent = services.send_reminders()
    db.session.commit()
    click.echo(f"{sent} reminders queued.")
