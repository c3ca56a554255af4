"""The editors' one-click changes to a record, from its list or its editing
page: publish, take down, pin, mark as checked. News and procedures both have
them, so the route is made here once.

An area lists its buttons as `RecordAction`s (the URL's last part, the
endpoint, the service that makes the change and records the audit entry, the
message for the editor) and calls `add_record_actions`. Loading the record
(404 for an unknown id, 403 unless `record.can_edit(user)`), the commit, the
message and the way back to the list are the same for every button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from wardsite.accounts.permissions import require, roles_required
from wardsite.extensions import db
from wardsite.urls import safe_back

MAX_ID = 2**31 - 1  # larger numbers in a URL are simply not found (and do not overflow the database)


def get_record(model, record_id: int):
    """The record with this id from a URL, or None."""
    return db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None


def editable_or_404(model, record_id: int):
    """The record with this id, if the signed-in user may edit it (404 if unknown, 403 if not allowed)."""
    record = get_record(model, record_id)
    if record is None:
        abort(404)
    require(record.can_edit(current_user))
    return record


def back_to_list(prefix: str, list_endpoint: str):
    """Back to the editors' list the button was pressed on, with its filters and
    page (the form's `back`), if it is one of this area's screens; otherwise
    to the list itself. Read before the change is made: a target that cannot
    be a Location header (CR LF, another site) must not fail after the commit."""
    back = safe_back(request.form.get("back"), default=url_for(list_endpoint), prefix=prefix)
    return redirect(back, 303)


@dataclass(frozen=True)
class RecordAction:
    path: str  # the URL's last part, after the record's id
    endpoint: str
    change: Callable[[Any], None]  # a service: changes the record and records the audit entry
    message: Callable[[Any], str]  # flashed once the change is committed


def add_record_actions(
    bp: Blueprint, *, model, prefix: str, id_name: str, list_endpoint: str, actions: list[RecordAction], role: str = "editor"
) -> None:
    """A POST route `<prefix><id>/<path>` on `bp` for each action, for `role` only."""
    for action in actions:
        bp.add_url_rule(
            f"{prefix}<int:{id_name}>/{action.path}",
            action.endpoint,
            _action_view(action, model, prefix, id_name, list_endpoint, role),
            methods=["POST"],
        )


def _action_view(action: RecordAction, model, prefix: str, id_name: str, list_endpoint: str, role: str):
    def view(**url_values):
        record = editable_or_404(model, url_values[id_name])
        back = back_to_list(prefix, list_endpoint)
        action.change(record)
        db.session.commit()
        flash(action.message(record), "success")
        return back

    view.__name__ = view.__qualname__ = action.endpoint
    return roles_required(role)(view)
