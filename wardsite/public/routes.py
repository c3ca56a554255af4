"""The core public pages: home, language choice, uploaded files, sitemap.xml,
robots.txt and the health check."""

from flask import Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request, send_from_directory, url_for
from sqlalchemy import text

from wardsite import pages
from wardsite.extensions import db
from wardsite.urls import absolute_url_for, safe_next

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    return render_template("public/home.html", sections=pages.home_sections(), home_doors=pages.HOME_DOORS)


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


@bp.route("/sitemap.xml")
def sitemap():
    urls = [(absolute_url_for(endpoint), None) for endpoint in pages.SITEMAP_ENDPOINTS]
    for source in pages.SITEMAP_SOURCES:
        urls.extend(source())
    response = make_response(render_template("public/sitemap.xml", urls=urls))
    response.mimetype = "application/xml"
    return response


@bp.route("/robots.txt")
def robots():
    response = make_response(render_template("public/robots.txt", sitemap_url=absolute_url_for("public.sitemap")))
    response.mimetype = "text/plain"
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
