"""The one module that knows about htmx_flask.

`render(page, partial, **ctx)` gives the whole page to a normal request and
only the swapped region to the htmx request that targets it; boosted
navigation and history restores get the whole page.
"""

from flask import make_response, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request

htmx = Htmx()


def is_htmx() -> bool:
    """A request made by htmx for a fragment, not a boosted navigation."""
    hx = htmx_request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def htmx_target() -> str | None:
    return htmx_request.htmx.target if is_htmx() else None


def render(page: str, partial: str | None = None, target: str | None = None, **context):
    """Render `page`, or `partial` alone for an htmx request.

    With `target`, the partial is returned only when htmx targets that element
    id; any other htmx request gets the page.
    """
    fragment = partial is not None and is_htmx() and (target is None or htmx_target() == target)
    response = make_response(render_template(partial if fragment else page, **context))
    response.vary.add("HX-Request")
    return response
