"""The editors' screens of the news area: the articles' list, the editor with
its live preview and cover image, the one-click publish, take down and pin
(/quan-tri/tin-tuc/), the comments waiting for moderation
(/quan-tri/binh-luan/) and the ward's official replies under approved ones
(/quan-tri/binh-luan/da-duyet). They are routes of the news blueprint (`blueprint.bp`),
so their endpoints are `news.*` like the residents' pages."""

from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from wardsite.accounts.permissions import require, roles_required
from wardsite.extensions import db
from wardsite.news import services
from wardsite.forms import EmptyForm
from wardsite.news.forms import COVER_MAX_BYTES, ArticleForm, CommentReplyForm
from wardsite.news.models import COMMENT_APPROVED, COMMENT_WAITING, DRAFT, KINDS, PUBLISHED, STATUSES, Article, Comment
from wardsite.news.blueprint import bp
from wardsite.pages import add_dashboard_section, add_staff_link
from wardsite.publishing import RecordAction, add_record_actions, editable_or_404, get_record
from wardsite.timeutil import from_local, to_local, utcnow
from wardsite.uploads import ImageRejected, save_image
from wardsite.urls import page_number

EDITOR_PAGE_SIZE = 25
COVER_MAX_SIDE = 1200  # also what Facebook and Zalo like for sharing
THUMB_MAX_SIDE = 480


class _CommentsLink:
    """The staff menu label "Comments (3)": the waiting count is read when shown."""

    def __str__(self) -> str:
        waiting = services.waiting_comment_count()
        return _("Comments (%(count)s waiting)", count=waiting) if waiting else _("Comments")

    def __html__(self) -> str:
        return str(escape(str(self)))


add_staff_link("news.admin_articles", _l("Articles"), "editor")
add_staff_link("news.comment_queue", _CommentsLink(), "editor")


def _dashboard_context():
    """Comments waiting and articles scheduled, for editors only."""
    if not current_user.has_role("editor"):
        return None
    scheduled = db.session.scalar(select(func.count()).select_from(Article).where(Article.with_status("scheduled")))
    return {"news_figures": {"waiting": services.waiting_comment_count(), "scheduled": scheduled or 0}}


add_dashboard_section("news/_dashboard.html", _dashboard_context)


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
    page = db.paginate(query, page=page_number(), per_page=EDITOR_PAGE_SIZE, error_out=False)
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
        services.create(article)
        db.session.commit()
        flash(_("The article «%(title)s» has been saved: %(status)s.", title=article.title, status=article.status_label), "success")
        return redirect(url_for("news.article_edit", article_id=article.id), 303)
    return _editor_page(form, None)


@bp.route("/quan-tri/tin-tuc/<int:article_id>", methods=["GET", "POST"])
@roles_required("editor")
def article_edit(article_id: int):
    article = editable_or_404(Article, article_id)
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
        services.record_edit(article, was)
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
        article = get_record(Article, article_id)
    form = ArticleForm()
    response = make_response(render_template("news/_preview.html", preview=_preview_article(form, article)))
    response.vary.add("HX-Request")
    return response


def _pin_message(article: Article) -> str:
    if article.pinned:
        return _("«%(title)s» is pinned to the home page.", title=article.title)
    return _("«%(title)s» is no longer pinned.", title=article.title)


add_record_actions(
    bp,
    model=Article,
    prefix="/quan-tri/tin-tuc/",
    id_name="article_id",
    list_endpoint="news.admin_articles",
    actions=[
        RecordAction(
            "dang-ngay", "article_publish", services.publish,
            lambda article: _("«%(title)s» is now published.", title=article.title),
        ),
        RecordAction(
            "go-xuong", "article_unpublish", services.unpublish,
            lambda article: _("«%(title)s» is no longer shown to residents.", title=article.title),
        ),
        RecordAction("ghim", "article_pin", lambda article: services.set_pinned(article, not article.pinned), _pin_message),
    ],
)


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
    comment = get_record(Comment, comment_id) or abort(404)
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


# Editors: the ward's replies to approved comments ----------------------------


def _reply_form(comment: Comment, formdata=None) -> CommentReplyForm:
    """One form per comment on the page, each with its own field ids."""
    if formdata is None:
        return CommentReplyForm(formdata=None, prefix=f"reply-{comment.id}", data={"body": comment.reply_body or ""})
    return CommentReplyForm(prefix=f"reply-{comment.id}")


def _replies_page(failed: CommentReplyForm | None = None, failed_id: int | None = None):
    comments = services.approved_for_reply()
    forms = {comment.id: _reply_form(comment) for comment in comments}
    if failed is not None:
        forms[failed_id] = failed
    return render_template("news/admin_replies.html", comments=comments, reply_forms=forms, reply_form=failed,
                           waiting_count=services.waiting_comment_count())


@bp.route("/quan-tri/binh-luan/da-duyet")
@roles_required("editor")
def comment_replies():
    return _replies_page()


def _repliable(comment_id: int) -> Comment:
    comment = get_record(Comment, comment_id) or abort(404)
    if comment.status != COMMENT_APPROVED:
        abort(404)  # only comments residents can see are answered
    require(comment.can_reply(current_user))
    return comment


@bp.route("/quan-tri/binh-luan/<int:comment_id>/tra-loi", methods=["POST"])
@roles_required("editor")
def comment_reply(comment_id: int):
    comment = _repliable(comment_id)
    form = _reply_form(comment, formdata=request.form)
    if not form.validate_on_submit():
        return _replies_page(form, comment.id)
    had_reply = comment.has_reply
    services.save_reply(comment, form.body.data, current_user)
    db.session.commit()
    if had_reply:
        flash(_("The ward's reply to %(name)s has been changed.", name=comment.author_name), "success")
    else:
        flash(_("The ward's reply to %(name)s is now shown under the article.", name=comment.author_name), "success")
    return redirect(url_for("news.comment_replies", _anchor=f"comment-{comment.id}"), 303)


@bp.route("/quan-tri/binh-luan/<int:comment_id>/tra-loi/xoa", methods=["POST"])
@roles_required("editor")
def comment_reply_remove(comment_id: int):
    comment = _repliable(comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if comment.has_reply:
        services.remove_reply(comment)
        db.session.commit()
        flash(_("The ward's reply to %(name)s has been removed.", name=comment.author_name), "success")
    return redirect(url_for("news.comment_replies", _anchor=f"comment-{comment.id}"), 303)
