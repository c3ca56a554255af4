"""The visits area's blueprint, in a module of its own: the resident's pages
(`routes`) and the leader's screens (`leader_routes`) both add their routes to
it, so their endpoints are `visits.*`, and neither imports the other's views."""

from flask import Blueprint

bp = Blueprint("visits", __name__, cli_group=None)
