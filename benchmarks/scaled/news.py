"""5,000 articles over five years, with a few hundred comments."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from benchmarks.scaled.common import FAMILY, GIVEN, bulk
from benchmarks.scaled.procedures import SUBJECTS
from wardsite.accounts.models import User, UserRole
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, COMMENT_REJECTED, COMMENT_WAITING, DRAFT, PUBLISHED, Article, Comment
from wardsite.text import slugify
from wardsite.timeutil import utcnow

ARTICLES = 5_000

HEADLINES = [
    "Đoàn viên hướng dẫn người cao tuổi kích hoạt VNeID tại {place}",
    "Lịch trực bộ phận một cửa {period}",
    "{place} mở cửa thêm sáng Chủ nhật",
    "Kết quả hướng dẫn dịch vụ công trực tuyến {period}",
    "Thông báo tạm ngừng tiếp nhận hồ sơ giấy tại {place}",
    "Hướng dẫn nộp hồ sơ {subject} trên Cổng dịch vụ công",
    "Ra quân chiến dịch tình nguyện tại {place}",
    "Phường tiếp nhận hơn {number} hồ sơ trực tuyến {period}",
    "Những điều cần biết về {subject}",
    "Tập huấn kỹ năng hướng dẫn dịch vụ công cho đoàn viên {period}",
]
PLACES = [f"nhà văn hóa Tổ dân phố {n}" for n in range(1, 13)] + ["trụ sở UBND phường", "chợ Hòa Phong", "Trường THCS Hòa Phong"]
SENTENCES = [
    "Cán bộ và đoàn viên thanh niên có mặt từ 7 giờ 30 để hướng dẫn bà con.",
    "Người dân cần mang theo căn cước công dân và điện thoại có cài ứng dụng VNeID.",
    "Nhiều người cao tuổi lần đầu tự nộp hồ sơ trực tuyến với sự giúp đỡ của tình nguyện viên.",
    "Bộ phận một cửa tiếp nhận hồ sơ từ thứ Hai đến sáng thứ Bảy.",
    "Kết quả có thể nhận tại nhà qua dịch vụ bưu chính công ích.",
    "Cổng dịch vụ công có lúc chậm, đoàn viên đã hướng dẫn bà con lưu hồ sơ và nộp lại sau.",
    "Tổ dân phố điện tử được trang bị máy tính, máy quét và máy in.",
    "Mọi thắc mắc xin liên hệ bộ phận một cửa hoặc Bí thư Đoàn phường.",
    "Người dân không phải viết tay tờ khai: cán bộ nhập giúp trên máy tính.",
    "Lệ phí được miễn hoặc giảm một nửa khi nộp hồ sơ trực tuyến.",
    "Đội hình tình nguyện lưu động đến tận nhà các hộ có người già yếu, người khuyết tật.",
    "Bà con lưu ý cảnh giác với người lạ tự xưng tình nguyện viên đến cài đặt ứng dụng.",
]
COMMENT_TEXTS = ["Cảm ơn phường, thông tin rất hữu ích.", "Cho hỏi thứ Bảy có làm việc không ạ?", "Các bạn đoàn viên rất nhiệt tình.",
                 "Mong phường mở thêm điểm ở tổ dân phố của tôi.", "Tôi đã làm xong thủ tục trong 10 phút, cảm ơn các em."]


def add_articles(rng: random.Random) -> None:
    """5,000 articles over five years; a few scheduled, a few drafts, three more pinned; comments on some."""
    editor = db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == "editor").order_by(User.id))
    now = utcnow()
    rows = []
    for number in range(ARTICLES):
        kind = rng.choices(["news", "notice", "guide"], weights=[6, 3, 1])[0]
        published_at = now - timedelta(days=5 * 365 * (number + 1) / ARTICLES, minutes=rng.randint(0, 600))
        status = PUBLISHED
        if number % 125 == 7:
            published_at = now + timedelta(days=rng.randint(1, 30))  # scheduled
        elif number % 170 == 11:
            status, published_at = DRAFT, None
        period = f"tháng {rng.randint(1, 12)}/{rng.randint(2021, 2026)}"
        title = rng.choice(HEADLINES).format(place=rng.choice(PLACES), period=period, subject=rng.choice(SUBJECTS),
                                             number=rng.randint(2, 40) * 50)
        title = f"{title} ({number + 1})" if rng.random() < 0.3 else title
        paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(3, 6))) for _ in range(rng.randint(3, 6))]
        body = "\n\n".join([paragraphs[0], "## Thông tin cần biết", *(f"- {s}" for s in rng.sample(SENTENCES, 3)), *paragraphs[1:]])
        ratings = rng.randint(0, 40)
        created = (published_at or now) - timedelta(hours=rng.randint(1, 72))
        rows.append(dict(
            title=title[:200], slug=slugify(title, max_length=100), summary=paragraphs[0][:300], body=body, kind=kind,
            status=status, published_at=published_at, author_id=editor, views=rng.randint(0, 3000),
            pinned=status == PUBLISHED and number in (3, 40, 90), rating_count=ratings,
            rating_total=sum(rng.choice([3, 4, 4, 5, 5]) for _ in range(ratings)), cover_alt="", cover_caption="",
            created_at=created, updated_at=created,
        ))
    ids = bulk(Article, rows, ids=True)
    comments = []
    for article_id, row in zip(ids[:400:2], rows[:400:2]):
        if row["status"] != PUBLISHED or row["published_at"] > now:
            continue
        for _ in range(rng.randint(1, 3)):
            written = row["published_at"] + timedelta(hours=rng.randint(1, 200))
            status = rng.choices([COMMENT_APPROVED, COMMENT_WAITING, COMMENT_REJECTED], weights=[8, 1, 1])[0]
            comments.append(dict(article_id=article_id, author_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                                 body=rng.choice(COMMENT_TEXTS), status=status, created_at=min(written, now),
                                 moderated_at=None if status == COMMENT_WAITING else min(written + timedelta(hours=5), now),
                                 moderated_by_id=None if status == COMMENT_WAITING else editor))
    bulk(Comment, comments)
