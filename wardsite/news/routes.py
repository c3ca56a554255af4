"""News pages for residents (/tin-tuc/), the editors' screens (/quan-tri/tin-tuc/,
/quan-tri/binh-luan/) and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from wardsite import page_cache
from wardsite.accounts.permissions import require, roles_required
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.htmx import is_htmx, render
from wardsite.news import services
from wardsite.news.forms import COVER_MAX_BYTES, ArticleForm, CommentForm, RatingForm
from wardsite.news.models import (
    COMMENT_WAITING,
    DRAFT,
    KINDS,
    PUBLISHED,
    STATUSES,
    Article,
    Comment,
    news_clock,
)
from wardsite.pages import (
    add_dashboard_section,
    add_home_door,
    add_home_section,
    add_public_link,
    add_sitemap_endpoint,
    add_sitemap_source,
    add_staff_link,
)
from wardsite.timeutil import from_local, to_local, utcnow
from wardsite.uploads import ImageRejected, save_image

bp = Blueprint("news", __name__)

PAGE_SIZE = 10
EDITOR_PAGE_SIZE = 25
FEED_SIZE = 20
COVER_MAX_SIDE = 1200  # also what Facebook and Zalo like for sharing
THUMB_MAX_SIDE = 480
RATINGS_COOKIE = "news_ratings"
RATINGS_KEPT = 200  # a browser remembers its ratings of the last 200 articles


class _CommentsLink:
    """The staff menu label "Comments (3)": the waiting count is read when shown."""

    def __str__(self) -> str:
        waiting = services.waiting_comment_count()
        return _("Comments (%(count)s waiting)", count=waiting) if waiting else _("Comments")

    def __html__(self) -> str:
        return str(escape(str(self)))


add_public_link("news.index", _l("News"))
add_home_door("news.index", _l("News and notices"), _l("Service days, schedule changes and step-by-step guides from the ward."))
add_home_section("news/_home_section.html", 20)
add_staff_link("news.admin_articles", _l("Articles"), "editor")
add_staff_link("news.comment_queue", _CommentsLink(), "editor")
add_sitemap_endpoint("news.index")
# Kept pages end when a scheduled article appears; a kept article page counts each view.
page_cache.add_schedule(services.next_publication, news_clock)
page_cache.add_live_value("news.views", services.count_view)


def _article_urls():
    query = select(Article.id, Article.slug, Article.updated_at).where(Article.visible())
    for article_id, slug, updated_at in db.session.execute(query.order_by(Article.published_at.desc())):
        yield url_for("news.article", article_id=article_id, slug=slug, _external=True), updated_at


add_sitemap_source(_article_urls)


@bp.app_template_global()
def news_home():
    """What the home page shows: pinned notices for the ticker and the latest news."""
    return {"pinned": services.pinned_notices(), "latest": services.latest_articles(4)}


def _dashboard_context():
    """Comments waiting and articles scheduled, for editors only."""
    if not current_user.has_role("editor"):
        return None
    scheduled = db.session.scalar(select(func.count()).select_from(Article).where(Article.with_status("scheduled")))
    return {"news_figures": {"waiting": services.waiting_comment_count(), "scheduled": scheduled or 0}}


add_dashboard_section("news/_dashboard.html", _dashboard_context)


@bp.app_template_filter("markdown")
def markdown_filter(source: str | None):
    return services.render_markdown(source or "")


@bp.app_template_filter("stars")
def stars_filter(value: float) -> str:
    return format_decimal(round(value, 1), format="0.0")


def _page_number() -> int:
    return max(1, min(request.args.get("trang", 1, type=int), 100_000))


# Public pages ------------------------------------------------------------------


@bp.route("/tin-tuc/")
def index():
    kind = request.args.get("loai")
    if kind not in KINDS:
        kind = None
    page = db.paginate(services.visible_articles(kind), page=_page_number(), per_page=PAGE_SIZE, error_out=False)
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


MAX_ID = 2**31 - 1  # larger numbers in a URL are simply not found (and do not overflow the database)


def _get(model, record_id: int):
    return db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None


def _article_or_404(article_id: int) -> Article:
    article = _get(Article, article_id)
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


def _article_page(article: Article, comment_form: CommentForm | None = None, rating_form: RatingForm | None = None,
                  counted: bool = False):
    rating_message, rating_category = RATING_OUTCOMES.get(request.args.get("danh-gia", ""), (None, None))
    return render_template(
        "news/article.html",
        article=article,
        views=page_cache.live("news.views", article.id, value=article.views + 1) if counted else article.views,
        comments=services.approved_comments(article),
        comment_form=comment_form or CommentForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None),
        my_rating=_rated_articles().get(str(article.id)),
        rating_message=rating_message,
        rating_category=rating_category,
        comment_sent=request.args.get("binh-luan") == COMMENT_SENT,
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
    page = _article_page(article, counted=counted)
    if counted:
        services.count_view(article.id)
    return page


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
        response = make_response(
            render_template(
                "news/_rating.html", article=article, rating_form=form, my_rating=rated.get(str(article.id)),
                rating_message=message, rating_category=category,
            )
        )
        response.vary.add("HX-Request")
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


@bp.route("/tin-tuc/<int:article_id>/binh-luan", methods=["POST"])
def comment(article_id: int):
    article = _article_or_404(article_id)
    if not article.is_visible:
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        if not services.comment_allowed(address):
            form.body.errors.append(
                _("You have sent several comments in a short time. Please wait about ten minutes and send it again.")
            )
        else:
            services.add_comment(article, form.author_name.data, form.body.data, address)
            url = url_for(
                "news.article", article_id=article.id, slug=article.slug, _anchor="binh-luan", **{"binh-luan": COMMENT_SENT}
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


# Editors: articles -------------------------------------------------------------


@bp.route("/quan-tri/tin-tuc/")
@roles_required("editor")
def admin_articles():
    status = request.args.get("trang-thai")
    if status not in STATUSES:
        status = None
    query = select(Article)
    if status:
        query = query.where(Article.with_status(status))
    query = query.order_by(Article.updated_at.desc(), Article.id.desc())
    page = db.paginate(query, page=_page_number(), per_page=EDITOR_PAGE_SIZE, error_out=False)
    return render_template("news/admin_articles.html", page=page, status=status, statuses=STATUSES, kinds=KINDS)


def _fill_article(form: ArticleForm, article: Article) -> bool:
    """Copy the form into `article`; False (with the message on the field) if refused."""
    replaced = [name for name in (article.cover_filename, article.cover_thumb_filename) if name]
    upload = form.cover.data
    if upload and getattr(upload, "filename", ""):
        try:
            article.cover_filename = save_image(upload, max_bytes=COVER_MAX_BYTES, max_side=COVER_MAX_SIDE, prefix="news")
        except ImageRejected as refusal:
            form.cover.errors.append(str(refusal))
            return False
        upload.seek(0)
        article.cover_thumb_filename = save_image(upload, max_bytes=COVER_MAX_BYTES, max_side=THUMB_MAX_SIDE, prefix="news-thumb")
    elif form.remove_cover.data:
        article.cover_filename = article.cover_thumb_filename = None
    else:
        replaced = []
    g.news_replaced_files = replaced  # deleted once the change is committed
    article.set_title(form.title.data.strip(), (form.slug.data or "").strip())
    article.kind = form.kind.data
    article.summary = form.summary.data.strip()
    article.body = form.body.data
    article.cover_alt = (form.cover_alt.data or "").strip()
    article.cover_caption = (form.cover_caption.data or "").strip()
    article.pinned = form.pinned.data
    chosen_time = from_local(form.published_at.data) if form.published_at.data else None
    if form.status.data == PUBLISHED:
        article.status = PUBLISHED
        article.published_at = chosen_time or utcnow()
    else:
        article.status = DRAFT
        article.published_at = chosen_time
    return True


def _audit_status_change(article: Article, was: str | None) -> None:
    now = article.current_status
    if now != was and now != DRAFT:
        record_audit(f"article.{now}", article, f"{article.title} ({article.published_at.isoformat()})")
    elif was not in (None, DRAFT) and now == DRAFT:
        record_audit("article.unpublished", article, article.title)


def _editor_page(form: ArticleForm, article: Article | None, preview: Article | None = None):
    return render_template("news/admin_article_form.html", form=form, article=article, preview=preview)


@bp.route("/quan-tri/tin-tuc/moi", methods=["GET", "POST"])
@roles_required("editor")
def article_new():
    form = ArticleForm()
    if request.method == "GET":
        form.kind.data = "news"
        form.status.data = DRAFT
    if "preview" in request.form:
        return _editor_page(form, None, preview=_preview_article(form, None))
    article = Article(author_id=current_user.id)
    if form.validate_on_submit() and _fill_article(form, article):
        db.session.add(article)
        db.session.flush()
        record_audit("article.created", article, article.title)
        _audit_status_change(article, None)
        db.session.commit()
        flash(_("The article «%(title)s» has been saved: %(status)s.", title=article.title, status=article.status_label), "success")
        return redirect(url_for("news.article_edit", article_id=article.id), 303)
    return _editor_page(form, None)


@bp.route("/quan-tri/tin-tuc/<int:article_id>", methods=["GET", "POST"])
@roles_required("editor")
def article_edit(article_id: int):
    article = _get(Article, article_id) or abort(404)
    require(article.can_edit(current_user))
    form = ArticleForm(obj=article)
    if request.method == "GET":
        form.published_at.data = (
            to_local(article.published_at).replace(tzinfo=None, second=0, microsecond=0) if article.published_at else None
        )
        return _editor_page(form, article, preview=article)
    if "preview" in request.form:
        return _editor_page(form, article, preview=_preview_article(form, article))
    was = article.current_status
    if form.validate_on_submit() and _fill_article(form, article):
        record_audit("article.updated", article, article.title)
        _audit_status_change(article, was)
        db.session.commit()
        services.delete_uploads(g.pop("news_replaced_files", []))
        flash(_("The article «%(title)s» has been saved: %(status)s.", title=article.title, status=article.status_label), "success")
        return redirect(url_for("news.article_edit", article_id=article.id), 303)
    return _editor_page(form, article)


def _preview_article(form: ArticleForm, article: Article | None) -> Article:
    """An unsaved copy of the article as the form describes it, for the preview."""
    preview = Article(
        title=(form.title.data or "").strip() or _("(No title yet)"),
        summary=(form.summary.data or "").strip(),
        body=form.body.data or "",
        kind=form.kind.data if form.kind.data in KINDS else "news",
        cover_alt=(form.cover_alt.data or "").strip(),
        cover_caption=(form.cover_caption.data or "").strip(),
        cover_filename=None if (article is None or form.remove_cover.data) else article.cover_filename,
        published_at=(from_local(form.published_at.data) if form.published_at.data else utcnow()),
    )
    preview.preview_author = article.author.name if article and article.author else current_user.name
    return preview


@bp.route("/quan-tri/tin-tuc/xem-truoc", methods=["POST"])
@roles_required("editor")
def article_preview():
    """The live preview: the same partial as the public page, from the form as typed."""
    article = None
    article_id = request.args.get("bai", type=int)
    if article_id:
        article = _get(Article, article_id)
    form = ArticleForm()
    response = make_response(render_template("news/_preview.html", preview=_preview_article(form, article)))
    response.vary.add("HX-Request")
    return response


def _article_action(article_id: int) -> Article:
    article = _get(Article, article_id) or abort(404)
    require(article.can_edit(current_user))
    return article


def _back_to_editor_list():
    return redirect(request.form.get("back") if request.form.get("back", "").startswith("/quan-tri/tin-tuc/") else url_for("news.admin_articles"), 303)


@bp.route("/quan-tri/tin-tuc/<int:article_id>/dang-ngay", methods=["POST"])
@roles_required("editor")
def article_publish(article_id: int):
    article = _article_action(article_id)
    services.publish(article)
    db.session.commit()
    flash(_("«%(title)s» is now published.", title=article.title), "success")
    return _back_to_editor_list()


@bp.route("/quan-tri/tin-tuc/<int:article_id>/go-xuong", methods=["POST"])
@roles_required("editor")
def article_unpublish(article_id: int):
    article = _article_action(article_id)
    services.unpublish(article)
    db.session.commit()
    flash(_("«%(title)s» is no longer shown to residents.", title=article.title), "success")
    return _back_to_editor_list()


@bp.route("/quan-tri/tin-tuc/<int:article_id>/ghim", methods=["POST"])
@roles_required("editor")
def article_pin(article_id: int):
    article = _article_action(article_id)
    services.set_pinned(article, not article.pinned)
    db.session.commit()
    if article.pinned:
        flash(_("«%(title)s» is pinned to the home page.", title=article.title), "success")
    else:
        flash(_("«%(title)s» is no longer pinned.", title=article.title), "success")
    return _back_to_editor_list()


# Editors: comments -------------------------------------------------------------


@bp.route("/quan-tri/binh-luan/")
@roles_required("editor")
def comment_queue():
    waiting = db.session.scalars(
        select(Comment)
        .options(joinedload(Comment.article))  # one query, not one per comment
        .where(Comment.status == COMMENT_WAITING)
        .order_by(Comment.created_at, Comment.id)
        .limit(200)
    ).all()
    return render_template("news/admin_comments.html", comments=waiting, waiting_count=services.waiting_comment_count())


def _moderate(comment_id: int, approve: bool):
    comment = _get(Comment, comment_id) or abort(404)
    require(comment.can_moderate(current_user))
    if comment.status == COMMENT_WAITING:
        services.moderate(comment, approve, current_user)
        db.session.commit()
        if approve:
            flash(_("The comment by %(name)s is now shown under the article.", name=comment.author_name), "success")
        else:
            flash(_("The comment by %(name)s has been rejected.", name=comment.author_name), "success")
    return redirect(url_for("news.comment_queue"), 303)


@bp.route("/quan-tri/binh-luan/<int:comment_id>/duyet", methods=["POST"])
@roles_required("editor")
def comment_approve(comment_id: int):
    return _moderate(comment_id, approve=True)


@bp.route("/quan-tri/binh-luan/<int:comment_id>/tu-choi", methods=["POST"])
@roles_required("editor")
def comment_reject(comment_id: int):
    return _moderate(comment_id, approve=False)
