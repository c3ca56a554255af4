"""Articles (news, notices, guides) and readers' comments."""

from __future__ import annotations

from datetime import datetime

# Lazy, but named pgettext so that the catalogue tools extract the context:
# "Published" or "Draft" mean other things in other areas' catalogues.
from flask_babel import lazy_pgettext as pgettext
from sqlalchemy import ForeignKey, Index, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.accounts.models import User
from wardsite.extensions import db
from wardsite.text import slugify
from wardsite.timeutil import UTCDateTime, utcnow

KINDS = {
    "news": pgettext("article kind", "News"),
    "notice": pgettext("article kind", "Notice"),
    "guide": pgettext("article kind", "Guide"),
}

# Stored statuses. "Scheduled" is not stored: it is a published article whose
# publication time has not come yet, so it appears by itself without a cron job.
DRAFT = "draft"
PUBLISHED = "published"
SCHEDULED = "scheduled"
STATUSES = {
    DRAFT: pgettext("article status", "Draft"),
    SCHEDULED: pgettext("article status", "Scheduled"),
    PUBLISHED: pgettext("article status", "Published"),
}

COMMENT_WAITING = "waiting"
COMMENT_APPROVED = "approved"
COMMENT_REJECTED = "rejected"


def news_clock() -> datetime:
    """The moment publication times are compared with."""
    return utcnow()


class Article(db.Model):
    __tablename__ = "article"
    __table_args__ = (Index("ix_article_status_published_at", "status", "published_at"), {"info": {"page_cache": "news"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    kind: Mapped[str] = mapped_column(String(20), default="news")
    cover_filename: Mapped[str | None] = mapped_column(String(80))
    cover_thumb_filename: Mapped[str | None] = mapped_column(String(80))  # small copy for lists
    cover_alt: Mapped[str] = mapped_column(String(200), default="")
    cover_caption: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    views: Mapped[int] = mapped_column(default=0)
    pinned: Mapped[bool] = mapped_column(default=False)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Comment.created_at"
    )

    @classmethod
    def visible(cls, now: datetime | None = None):
        """The condition for what residents may see: published and its time has come."""
        return and_(cls.status == PUBLISHED, cls.published_at <= (now or utcnow()))

    @classmethod
    def with_status(cls, status: str, now: datetime | None = None):
        now = now or utcnow()
        if status == SCHEDULED:
            return and_(cls.status == PUBLISHED, cls.published_at > now)
        if status == PUBLISHED:
            return cls.visible(now)
        return cls.status == DRAFT

    @property
    def current_status(self) -> str:
        if self.status != PUBLISHED or self.published_at is None:
            return DRAFT
        return SCHEDULED if self.published_at > utcnow() else PUBLISHED

    @property
    def is_visible(self) -> bool:
        return self.current_status == PUBLISHED

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.current_status])

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def rating_average(self) -> float:
        return self.rating_total / self.rating_count if self.rating_count else 0.0

    def set_title(self, title: str, slug: str = "") -> None:
        self.title = title
        self.slug = slugify(slug or title, max_length=100)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.has_role("editor")

    def can_view(self, user) -> bool:
        """Residents see published articles; editors also preview the others."""
        return self.is_visible or self.can_edit(user)

    def __str__(self) -> str:
        return self.title


class Comment(db.Model):
    """A reader's comment: plain text, shown only once an editor approves it."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_status_created_at", "status", "created_at"), {"info": {"page_cache": "news"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=COMMENT_WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The ward's official reply, shown under the comment as the ward's (not
    # the editor's) as soon as an editor writes it. One per comment.
    reply_body: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    article: Mapped[Article] = relationship(back_populates="comments")
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    @property
    def has_reply(self) -> bool:
        return bool(self.reply_body)

    def can_moderate(self, user) -> bool:
        return user.is_authenticated and user.has_role("editor")

    def can_reply(self, user) -> bool:
        """Editors answer for the ward, under comments residents can see."""
        return self.status == COMMENT_APPROVED and user.is_authenticated and user.has_role("editor")
