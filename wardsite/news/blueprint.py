"""The news area's blueprint, in a module of its own: the residents' pages
(`routes`) and the editors' screens (`editor_routes`) both add their routes to
it, so their endpoints are `news.*`, and neither imports the other's views."""

from flask import Blueprint

bp = Blueprint("news", __name__)
