"""The one module that knows about htmx_flask.

`render(page, partial, **ctx)` gives the whole page to a normal request and
only the swapped region to the htmx request that targets it; boosted
navigation and history restores get the whole page. A swapped region whose
form came back with errors carries the error summary at its top, as the page
does (templates/_error_summary.html), so the errors are in view and focused
whichever way the form was sent.

`init_app` keeps the address bar on the page a boosted form was sent from when
the answer is that page again (the form with its errors), not a redirect: the
form's action (say /tin-tuc/1/binh-luan) takes only POSTs.
"""

import re

from flask import Flask, g, make_response, render_template, request
from htmx_flask import Htmx
from htmx_flask import request as htmx_request

htmx = Htmx()

# The opening tag of a fragment's outer element (its region, e.g. <section id="danh-gia">).
_OPENING_TAG = re.compile(r"\A\s*<[a-zA-Z][^>]*>")


def init_app(app: Flask) -> None:
    @app.after_request
    def stay_on_the_form_page(response):
        hx = htmx_request.htmx
        if hx and hx.boosted and request.method == "POST" and not 300 <= response.status_code < 400:
            response.headers.setdefault("HX-Push-Url", "false")
        return response


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
    if fragment:
        html = with_error_summary(render_template(partial, **context), context)
    else:
        html = render_template(page, **context)
    response = make_response(html)
    response.vary.add("HX-Request")
    return response


def with_error_summary(html: str, context: dict) -> str:
    """The fragment with the error summary just inside its outer element, when
    its forms have errors and the fragment does not show the summary itself."""
    if g.get("error_summary_shown"):
        return html
    summary = render_template("_error_summary.html", **context)
    if not summary.strip():
        return html
    opening = _OPENING_TAG.match(html)
    cut = opening.end() if opening else 0
    return html[:cut] + summary + html[cut:]
