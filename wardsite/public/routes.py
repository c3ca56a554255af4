from flask import Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request, send_from_directory, url_for
from sqlalchemy import text

from wardsite.extensions import db
from wardsite.urls import safe_next

bp = Blueprint("public", __name__)

# The home page's doors (endpoint, title, text) and sections (template, order),
# added by each area for what it offers.
HOME_DOORS: list[tuple[str, str, str]] = []
HOME_SECTIONS: list[tuple[str, int]] = []


def add_home_door(endpoint: str, title, text) -> None:
    if all(existing[0] != endpoint for existing in HOME_DOORS):
        HOME_DOORS.append((endpoint, title, text))


def add_home_section(template: str, order: int) -> None:
    if all(existing[0] != template for existing in HOME_SECTIONS):
        HOME_SECTIONS.append((template, order))
        HOME_SECTIONS.sort(key=lambda section: section[1])


@bp.route("/")
def home():
    sections = [template for template, _ in HOME_SECTIONS]
    return render_template("public/home.html", sections=sections, home_doors=HOME_DOORS)


@bp.route("/ngon-ngu/<code>")
def set_language(code: str):
    """Remember the chosen language in a cookie and go back where the visitor was."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next")) or url_for("public.home"), 303))
    response.set_cookie(
        "lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
        secure=current_app.config["PREFERRED_URL_SCHEME"] == "https",
    )
    return response


@bp.route("/tep/<path:filename>")
def upload(filename: str):
    """Files uploaded by staff (logo, news images); names are random."""
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], filename, max_age=30 * 24 * 3600)
    return response


@bp.route("/healthz")
def healthz():
    """For a load balancer: 200 when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")
