"""News pages for residents (/tin-tuc/): the list, the article with its
rating and comments, the Atom feed. The editors' screens
(/quan-tri/tin-tuc/, /quan-tri/binh-luan/) are in `editor_routes`, on the same
blueprint (`blueprint.bp`)."""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from wardsite import page_cache
from wardsite.extensions import db
from wardsite.htmx import is_htmx, render
from wardsite.news import editor_routes  # noqa: F401 (the editors' screens add their routes to bp)
from wardsite.news import services, views
from wardsite.news.blueprint import bp
from wardsite.news.forms import CommentForm, RatingForm
from wardsite.news.models import KINDS, Article, news_clock
from wardsite.pages import add_home_door, add_home_section, add_public_link, add_sitemap_endpoint, add_sitemap_source
from wardsite.publishing import get_record
from wardsite.timeutil import utcnow
from wardsite.urls import absolute_url_for, page_number

PAGE_SIZE = 10
FEED_SIZE = 20
RATINGS_COOKIE = "news_ratings"
RATINGS_KEPT = 200  # a browser remembers its ratings of the last 200 articles


add_public_link("news.index", _l("News"))
add_home_door("news.index", _l("News and notices"), _l("Service days, schedule changes and step-by-step guides from the ward."))
add_home_section("news/_home_section.html", 20)
add_sitemap_endpoint("news.index")
# Kept pages end when a scheduled article appears; a kept article page counts each view.
page_cache.add_schedule(services.next_publication, news_clock)
page_cache.add_live_value("news.views", views.count)
bp.record_once(lambda state: views.init_app(state.app))


def _article_urls():
    query = select(Article.id, Article.slug, Article.updated_at).where(Article.visible())
    for article_id, slug, updated_at in db.session.execute(query.order_by(Article.published_at.desc())):
        yield absolute_url_for("news.article", article_id=article_id, slug=slug), updated_at


add_sitemap_source(_article_urls)


@bp.app_template_global()
def news_home():
    """What the home page shows: pinned notices for the ticker and the latest news."""
    return {"pinned": services.pinned_notices(), "latest": services.latest_articles(4)}


@bp.app_template_filter("markdown")
def markdown_filter(source: str | None):
    return services.render_markdown(source or "")


@bp.app_template_filter("stars")
def stars_filter(value: float) -> str:
    return format_decimal(round(value, 1), format="0.0")


# Public pages ------------------------------------------------------------------


@bp.route("/tin-tuc/")
def index():
    kind = request.args.get("loai")
    if kind not in KINDS:
        kind = None
    page = db.paginate(services.visible_articles(kind), page=page_number(), per_page=PAGE_SIZE, error_out=False)
    if page.page > 1 and not page.items:
        abort(404)
    return render("news/index.html", "news/_list_items.html", target="load-more", articles=page, kind=kind, kinds=KINDS)


def _rated_articles() -> dict[str, int]:
    """{article id: stars} from this browser's signed cookie; tampered cookies count as empty."""
    raw = request.cookies.get(RATINGS_COOKIE)
    if not raw:
        return {}
    try:
        value = URLSafeSerializer(current_app.secret_key, salt="news-ratings").loads(raw)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def _article_or_404(article_id: int) -> Article:
    article = get_record(Article, article_id)
    if article is None or not article.can_view(current_user):
        abort(404)
    return article


# What became of a rating, as `?danh-gia=<outcome>` after the redirect: the
# message is then shown beside the stars, where the page scrolls to, not at the top.
RATING_OUTCOMES = {
    "cam-on": (_l("Thank you for rating this article."), "success"),
    "roi": (_l("You have already rated this article. Thank you."), "info"),
    "gioi-han": (_l("Many ratings have come from your connection in the last hour. Please try again later."), "warning"),
}
COMMENT_SENT = "da-gui"
COMMENT_SENT_MASKED = "da-gui-an"  # sent, with a phone number or the like hidden


def _article_page(article: Article, comment_form: CommentForm | None = None, rating_form: RatingForm | None = None,
                  counted: bool = False):
    """The article; `counted` counts this request's view (in memory: `views`)."""
    rating_message, rating_category = RATING_OUTCOMES.get(request.args.get("danh-gia", ""), (None, None))
    return render_template(
        "news/article.html",
        article=article,
        views=(
            page_cache.live("news.views", article.id, value=views.counter().view(article.id, article.views))
            if counted else views.counter().shown(article.id, article.views)
        ),
        comments=services.approved_comments(article),
        comment_form=comment_form or CommentForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None),
        my_rating=_rated_articles().get(str(article.id)),
        rating_message=rating_message,
        rating_category=rating_category,
        comment_sent=request.args.get("binh-luan") in (COMMENT_SENT, COMMENT_SENT_MASKED),
        comment_masked=request.args.get("binh-luan") == COMMENT_SENT_MASKED,
    )


@bp.route("/tin-tuc/<int:article_id>")
@bp.route("/tin-tuc/<int:article_id>-<slug>")
def article(article_id: int, slug: str | None = None):
    article = _article_or_404(article_id)
    if slug != article.slug:
        return redirect(url_for("news.article", article_id=article.id, slug=article.slug), 301)
    counted = article.is_visible and not is_htmx()
    if not counted:
        page_cache.skip()  # its view count would not be live
    return _article_page(article, counted=counted)


@bp.route("/tin-tuc/<int:article_id>/danh-gia", methods=["POST"])
def rate(article_id: int):
    article = _article_or_404(article_id)
    if not article.is_visible:
        abort(404)
    form = RatingForm()
    rated = _rated_articles()
    outcome, cookie = None, None
    address = request.remote_addr or ""
    if str(article.id) in rated:
        outcome = "roi"
    elif not services.rating_allowed(address):
        outcome = "gioi-han"
    elif form.validate_on_submit():
        stars = int(form.stars.data)
        services.add_rating(article.id, stars, address)
        rated[str(article.id)] = stars
        kept = dict(list(rated.items())[-RATINGS_KEPT:])
        cookie = URLSafeSerializer(current_app.secret_key, salt="news-ratings").dumps(kept)
        outcome = "cam-on"
    if is_htmx():
        message, category = RATING_OUTCOMES.get(outcome, (None, None))
        response = render(
            "news/_rating.html", "news/_rating.html", article=article, rating_form=form,
            my_rating=rated.get(str(article.id)), rating_message=message, rating_category=category,
        )
    elif outcome is None:
        return _article_page(article, rating_form=form)  # the error is shown next to the stars
    else:
        url = url_for("news.article", article_id=article.id, slug=article.slug, _anchor="danh-gia", **{"danh-gia": outcome})
        response = redirect(url, 303)
    if cookie:
        response.set_cookie(
            RATINGS_COOKIE, cookie, max_age=2 * 365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=current_app.config["PREFERRED_URL_SCHEME"] == "https",
        )
    return response


@bp.route("/tin-tuc/<int:article_id>/binh-luan", methods=["GET", "POST"])
def comment(article_id: int):
    """POST sends a comment. GET (the address a browser shows after a comment
    came back with errors, reloaded or shared) leads to the article's comments."""
    article = _article_or_404(article_id)
    if not article.is_visible:
        abort(404)
    if request.method == "GET":
        return redirect(url_for("news.article", article_id=article.id, slug=article.slug, _anchor="binh-luan"), 303)
    form = CommentForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        if not services.comment_allowed(address):
            form.body.errors.append(
                _("You have sent several comments in a short time. Please wait about ten minutes and send it again.")
            )
        else:
            _comment, masked = services.add_comment(article, form.author_name.data, form.body.data, address)
            outcome = COMMENT_SENT_MASKED if masked else COMMENT_SENT
            url = url_for(
                "news.article", article_id=article.id, slug=article.slug, _anchor="binh-luan", **{"binh-luan": outcome}
            )
            return redirect(url, 303)
    return _article_page(article, comment_form=form)


@bp.route("/tin-tuc/feed.atom")
def feed():
    articles = list(db.session.scalars(services.visible_articles().limit(FEED_SIZE)))
    updated = max((a.updated_at for a in articles), default=utcnow())
    response = make_response(render_template("news/feed.xml", articles=articles, updated=updated))
    response.mimetype = "application/atom+xml"
    return response

