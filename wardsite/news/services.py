"""What the news area does, reachable without HTTP: rendering safe article
bodies, finding what residents may see, ratings, comments (views: `views`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import nh3
from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select, update

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.limits import attempt_allowed, count_attempt
from wardsite.news.privacy import mask_personal_data
from wardsite.news.models import (
    COMMENT_APPROVED,
    COMMENT_REJECTED,
    COMMENT_WAITING,
    DRAFT,
    PUBLISHED,
    SCHEDULED,
    Article,
    Comment,
)
from wardsite.timeutil import utcnow

# Markdown with raw HTML off: "<b>" typed by an editor is shown as text. The
# sanitizer then removes anything else that could run, as a second wall.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "blockquote", "ul", "ol", "li",
    "a", "img", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _demote_headings(html: str) -> str:
    # The article title is the page's only h1; "# Heading" in the body becomes h2.
    return html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")


@lru_cache(maxsize=512)
def render_markdown(source: str) -> Markup:
    """Markdown to HTML that is safe to put on the page."""
    html = _demote_headings(_markdown.render(source or ""))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)


# Reading ---------------------------------------------------------------------


def visible_articles(kind: str | None = None):
    query = select(Article).where(Article.visible())
    if kind:
        query = query.where(Article.kind == kind)
    return query.order_by(Article.published_at.desc(), Article.id.desc())


def latest_articles(limit: int = 4) -> list[Article]:
    return list(db.session.scalars(visible_articles().limit(limit)))


def pinned_notices(limit: int = 5) -> list[Article]:
    query = visible_articles().where(Article.pinned.is_(True)).limit(limit)
    return list(db.session.scalars(query))


def next_publication():
    """When the next scheduled article appears, or None: the page cache keeps no page past it."""
    return db.session.scalar(select(func.min(Article.published_at)).where(Article.with_status(SCHEDULED)))


# Editing ---------------------------------------------------------------------


def create(article: Article) -> None:
    """A new article from the editor, with its audit entries."""
    db.session.add(article)
    db.session.flush()
    record_audit("article.created", article, article.title)
    _record_status_change(article, None)


def record_edit(article: Article, was: str) -> None:
    """The audit entries of a saved article; `was` is its status before the change."""
    record_audit("article.updated", article, article.title)
    _record_status_change(article, was)


def _record_status_change(article: Article, was: str | None) -> None:
    now = article.current_status
    if now != was and now != DRAFT:
        record_audit(f"article.{now}", article, f"{article.title} ({article.published_at.isoformat()})")
    elif was not in (None, DRAFT) and now == DRAFT:
        record_audit("article.unpublished", article, article.title)


def publish(article: Article, when=None) -> None:
    """Publish now, or at `when` (then the article is scheduled until that time)."""
    article.status = PUBLISHED
    article.published_at = when or utcnow()
    action = "article.scheduled" if article.published_at > utcnow() else "article.published"
    record_audit(action, article, article.title)


def unpublish(article: Article) -> None:
    article.status = "draft"
    record_audit("article.unpublished", article, article.title)


def set_pinned(article: Article, pinned: bool) -> None:
    article.pinned = pinned
    record_audit("article.pinned" if pinned else "article.unpinned", article, article.title)


def delete_uploads(names) -> None:
    """Remove cover images an article no longer uses (after the change is committed)."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    for name in names:
        path = (folder / name).resolve()
        if path.parent == folder:  # never outside the uploads folder
            path.unlink(missing_ok=True)


# Ratings ---------------------------------------------------------------------


def _rating_limit() -> str:
    # The cookie stops honest repeat ratings; this stops a script that throws its cookies away.
    return current_app.config.get("NEWS_RATING_LIMIT", "30 per hour")


def rating_allowed(address: str) -> bool:
    return attempt_allowed(_rating_limit(), "news-rating", address)


def add_rating(article_id: int, stars: int, address: str = "") -> None:
    if not 1 <= stars <= 5:
        raise ValueError("stars must be 1 to 5")
    count_attempt(_rating_limit(), "news-rating", address)
    db.session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(rating_count=Article.rating_count + 1, rating_total=Article.rating_total + stars),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


# Comments --------------------------------------------------------------------


def _comment_limit() -> str:
    return current_app.config.get("NEWS_COMMENT_LIMIT", "5 per 10 minutes")


def comment_allowed(address: str) -> bool:
    return attempt_allowed(_comment_limit(), "news-comment", address)


def add_comment(article: Article, author_name: str, body: str, address: str) -> tuple[Comment, set[str]]:
    """The comment, stored with phone numbers, e-mail addresses and ID numbers
    masked (in the name too), and what was masked."""
    count_attempt(_comment_limit(), "news-comment", address)
    author_name, in_name = mask_personal_data(author_name.strip())
    body, in_body = mask_personal_data(body.strip())
    comment = Comment(article=article, author_name=author_name, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment, in_name | in_body


def approved_comments(article: Article) -> list[Comment]:
    query = (
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == COMMENT_APPROVED)
        .order_by(Comment.created_at)
    )
    return list(db.session.scalars(query))


def waiting_comment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status == COMMENT_WAITING)) or 0


def moderate(comment: Comment, approve: bool, user) -> None:
    comment.status = COMMENT_APPROVED if approve else COMMENT_REJECTED
    comment.moderated_at = utcnow()
    comment.moderated_by_id = user.id
    record_audit("comment.approved" if approve else "comment.rejected", comment, _about(comment))


# The ward's official reply to a comment ----------------------------------------


def _about(comment: Comment) -> str:
    return f"{comment.author_name} on «{comment.article.title}»"


def save_reply(comment: Comment, body: str, user) -> None:
    """Write or change the ward's reply; shown at once (the page cache sees the write)."""
    body = body.strip()
    if comment.reply_body:
        if body == comment.reply_body:
            return
        comment.reply_edited_at = utcnow()
        action = "comment.reply_changed"
    else:
        comment.replied_at = utcnow()
        comment.reply_edited_at = None
        action = "comment.replied"
    comment.reply_body = body
    comment.replied_by_id = user.id
    record_audit(action, comment, _about(comment))


def remove_reply(comment: Comment) -> None:
    """Take the reply down; its text stays in the audit log's details."""
    if not comment.reply_body:
        return
    record_audit("comment.reply_removed", comment, f"{_about(comment)}: {comment.reply_body}")
    comment.reply_body = None
    comment.replied_at = comment.reply_edited_at = None
    comment.replied_by_id = None


def approved_for_reply(limit: int = 200) -> list[Comment]:
    """Approved comments, newest first, for the editors' reply screen."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(Comment)
        .options(joinedload(Comment.article), joinedload(Comment.replied_by))
        .where(Comment.status == COMMENT_APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    ))
