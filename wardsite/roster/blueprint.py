"""The roster area's blueprint, in a module of its own: the volunteers' and
leaders' pages (`routes`) and the leader's planning screens
(`planning_routes`) both add their routes to it, so their endpoints are
`roster.*`, and neither imports the other's views."""

from __future__ import annotations

from datetime import date

from flask import Blueprint

from wardsite.roster import cli

# cli_group=None: `flask roster fill` and `flask remind` sit at the top level.
bp = Blueprint("roster", __name__, cli_group=None)
bp.cli.add_command(cli.roster_cli)
bp.cli.add_command(cli.remind_command)


def parse_day(value: str | None, default: date) -> date:
    """A YYYY-MM-DD value from a request; anything else (or a year far off) is ignored."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if 2000 <= day.year <= 2100 else default
