"""One permission mechanism: `roles_required` on views for who may open a
screen, and `can_<action>(user)` on models for rules about one record."""

from functools import wraps

from flask import abort
from flask_login import current_user

from wardsite.extensions import login_manager


def roles_required(*roles: str):
    """Anonymous visitors go to the login page; signed-in users without one of
    `roles` (admins pass every check) get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def require(allowed: bool) -> None:
    """Stop with a 403 unless an object rule (`record.can_x(user)`) allows it."""
    if not allowed:
        abort(403)
