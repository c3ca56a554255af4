"""Demo news for Phường Hòa Phong: twelve articles with generated cover images,
one scheduled for tomorrow, one draft, and comments waiting for moderation."""

from __future__ import annotations

import random
from datetime import timedelta
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from wardsite.accounts.models import User, UserRole
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, COMMENT_WAITING, DRAFT, PUBLISHED, Article, Comment
from wardsite.timeutil import utcnow
from wardsite.uploads import save_image

# (kind, title, summary, body, caption, alt, days ago (negative: scheduled), pinned, colours)
ARTICLES = [
    (
        "notice",
        "Khai trương Tổ dân phố điện tử tại nhà văn hóa Tổ dân phố 1",
        "Từ thứ Hai tuần tới, người dân được cán bộ và đoàn viên hướng dẫn làm thủ tục trực tuyến ngay tại nhà văn hóa Tổ dân phố 1.",
        "Nhà văn hóa Tổ dân phố 1 (số 12 ngõ 4 đường Hòa Phong) đã được trang bị **máy tính, máy quét và máy in**.\n\n"
        "## Giờ hướng dẫn\n\n- Thứ Hai – Thứ Sáu: 07:30–11:30 và 13:30–17:00\n- Sáng thứ Bảy: 07:30–11:30\n\n"
        "## Cần mang theo\n\n- Căn cước công dân\n- Điện thoại có cài VNeID (nếu có)\n- Giấy tờ liên quan đến thủ tục cần làm\n\n"
        "Người dân không cần ra trụ sở phường. Trong 4 tháng thí điểm, tổ dân phố đã hướng dẫn 141 lượt người và tạo 59 hồ sơ trực tuyến.",
        "Phòng máy tại nhà văn hóa Tổ dân phố 1.",
        "Bàn máy tính và máy in trong nhà văn hóa",
        1, True, ((11, 79, 156), (250, 200, 60)),
    ),
    (
        "notice",
        "Thứ Tư hằng tuần: Ngày trực tuyến – không giấy tờ",
        "Mỗi thứ Tư, bộ phận một cửa phường tiếp nhận hồ sơ hoàn toàn trực tuyến, không dùng mẫu viết tay.",
        "Từ tháng này, **thứ Tư hằng tuần** là *Ngày thứ Tư trực tuyến – không giấy tờ*.\n\n"
        "Cán bộ và đoàn viên sẽ giúp bà con nộp hồ sơ trên Cổng dịch vụ công quốc gia ngay tại quầy. "
        "Bà con chỉ cần mang theo giấy tờ gốc để cán bộ quét.\n\n"
        "Xem thêm tại [Cổng dịch vụ công quốc gia](https://dichvucong.gov.vn).",
        "Quầy một cửa của phường vào ngày thứ Tư.",
        "Quầy tiếp dân có màn hình máy tính",
        3, True, ((29, 107, 53), (240, 240, 240)),
    ),
    (
        "notice",
        "Thứ Năm: Ngày không viết, ngày không hẹn",
        "Mỗi thứ Năm, cán bộ điền giúp tờ khai và giải quyết thủ tục cấp phường ngay trong ngày.",
        "Vào **thứ Năm**, bà con không phải tự viết tờ khai: cán bộ sẽ điền giúp.\n\n"
        "Các thủ tục cấp phường như chứng thực bản sao, đăng ký khai sinh, đăng ký khai tử được giải quyết trong ngày "
        "(hồ sơ nộp sau 15:00 được trả vào sáng hôm sau).",
        "Cán bộ điền tờ khai giúp người dân.",
        "Hai người ngồi bên bàn làm việc",
        5, False, ((155, 28, 28), (255, 230, 200)),
    ),
    (
        "news",
        "Đoàn viên ra quân hướng dẫn dịch vụ công trực tuyến lưu động",
        "Các đội tình nguyện viên của Đoàn phường đến từng hộ gia đình, hộ kinh doanh để hướng dẫn nộp hồ sơ trực tuyến.",
        "Sáng Chủ nhật, hơn 30 đoàn viên của Đoàn phường đã chia thành 4 đội đến các tổ dân phố.\n\n"
        "Các đội hướng dẫn bà con cài đặt ứng dụng, tạo tài khoản và nộp hồ sơ. "
        "Người dân có thể đặt lịch để tình nguyện viên đến tận nhà.\n\n"
        "> Lưu ý: tình nguyện viên thật luôn đeo thẻ và **không bao giờ hỏi mật khẩu hay mã OTP** của bà con.",
        "Đoàn viên đến hướng dẫn tại nhà dân.",
        "Nhóm đoàn viên áo xanh trước một ngôi nhà",
        6, False, ((20, 110, 180), (120, 200, 90)),
    ),
    (
        "guide",
        "Hướng dẫn kích hoạt tài khoản định danh điện tử VNeID mức độ 2",
        "Các bước kích hoạt tài khoản VNeID mức 2 và nơi được hỗ trợ miễn phí trong phường.",
        "Tài khoản VNeID mức độ 2 giúp bà con làm nhiều thủ tục trực tuyến mà không cần mang giấy tờ.\n\n"
        "## Các bước\n\n1. Đăng ký tại công an phường, mang theo căn cước công dân gắn chip.\n"
        "2. Cán bộ chụp ảnh chân dung và lấy vân tay.\n3. Khi nhận tin nhắn kích hoạt, mở ứng dụng VNeID trên điện thoại.\n"
        "4. Nhập số định danh, số điện thoại và mã kích hoạt.\n5. Đặt mật khẩu và mã PIN: **chỉ mình bạn biết**.\n\n"
        "## Cần giúp?\n\nĐến Tổ dân phố điện tử hoặc đặt lịch hướng dẫn tại nhà. Không đưa mật khẩu cho bất kỳ ai.",
        "Màn hình ứng dụng VNeID trên điện thoại.",
        "Điện thoại hiển thị một ứng dụng",
        8, False, ((180, 30, 40), (250, 210, 80)),
    ),
    (
        "news",
        "Chiến dịch tình nguyện hè: 100 buổi hướng dẫn người cao tuổi dùng điện thoại thông minh",
        "Đoàn phường phát động chiến dịch giúp người cao tuổi sử dụng điện thoại và dịch vụ công trực tuyến.",
        "Chiến dịch kéo dài 8 tuần, mỗi tuần có buổi hướng dẫn tại nhà văn hóa của 4 tổ dân phố.\n\n"
        "Nội dung: gọi video, nhận tin nhắn, nhận biết cuộc gọi lừa đảo, và nộp hồ sơ trực tuyến đơn giản.",
        "Buổi hướng dẫn cho người cao tuổi.",
        "Người cao tuổi và đoàn viên cùng xem điện thoại",
        10, False, ((90, 60, 150), (255, 190, 120)),
    ),
    (
        "news",
        "Phường đạt hơn 2.600 hồ sơ trực tuyến từ đầu năm",
        "Số hồ sơ nộp trực tuyến tăng mạnh nhờ các Tổ dân phố điện tử và đội hướng dẫn lưu động.",
        "Tính đến cuối quý, phường đã tiếp nhận hơn **2.600 hồ sơ trực tuyến**.\n\n"
        "| Nơi hướng dẫn | Lượt người | Hồ sơ |\n|---|---|---|\n| Tổ dân phố 1 | 141 | 59 |\n| Tổ dân phố 2 | 48 | 21 |\n| Tổ dân phố 3 | 35 | 17 |",
        "Biểu đồ số hồ sơ trực tuyến theo tháng.",
        "Biểu đồ cột tăng dần",
        14, False, ((11, 79, 156), (200, 220, 245)),
    ),
    (
        "guide",
        "Chứng thực bản sao từ bản chính: cần mang gì, mất bao lâu",
        "Thủ tục được làm ngay trong ngày tại bộ phận một cửa của phường.",
        "Mang theo **bản chính** và bản sao cần chứng thực.\n\n"
        "Lệ phí: 2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang, tối đa 200.000 đồng/bản.\n\n"
        "Hãy kiểm tra lại thông tin trên Cổng dịch vụ công quốc gia trước khi đi.",
        "Giấy tờ được chứng thực tại phường.",
        "Chồng giấy tờ có con dấu đỏ",
        17, False, ((120, 80, 40), (245, 235, 210)),
    ),
    (
        "notice",
        "Tổ dân phố điện tử mở cửa sáng thứ Bảy theo đề nghị của người dân",
        "Từ tháng sau, điểm hướng dẫn mở thêm buổi sáng thứ Bảy và luân phiên giữa các tổ dân phố.",
        "Nhiều bà con đi làm trong tuần đề nghị mở cửa vào cuối tuần. Phường đã đồng ý:\n\n"
        "- Sáng thứ Bảy: 07:30–11:30\n- Điểm hướng dẫn luân phiên giữa Tổ dân phố 1, 2, 3 và 4 theo lịch trên trang web.",
        "Lịch mở cửa cuối tuần.",
        "Tờ lịch treo tường",
        20, False, ((29, 107, 53), (255, 220, 120)),
    ),
    (
        "guide",
        "Đăng ký khai sinh trực tuyến cho con trong 5 bước",
        "Cha mẹ có thể đăng ký khai sinh cho con ngay trên điện thoại, không cần ra phường.",
        "1. Đăng nhập Cổng dịch vụ công bằng tài khoản VNeID.\n2. Chọn thủ tục *Đăng ký khai sinh*.\n"
        "3. Điền tờ khai và tải ảnh giấy chứng sinh.\n4. Nộp hồ sơ và ghi lại mã hồ sơ.\n5. Nhận kết quả qua bưu điện hoặc tại phường.",
        "Đăng ký khai sinh trên điện thoại.",
        "Điện thoại bên cạnh giấy chứng sinh",
        24, False, ((200, 90, 140), (255, 240, 245)),
    ),
    (
        "notice",
        "Lịch hướng dẫn lưu động tháng tới (sẽ đăng)",
        "Lịch các buổi hướng dẫn lưu động tại từng tổ dân phố trong tháng tới.",
        "Lịch chi tiết theo từng tổ dân phố sẽ được cập nhật tại đây.",
        "",
        "",
        -1, False, ((60, 60, 60), (200, 200, 200)),
    ),
    (
        "news",
        "Tổng kết quý: ý kiến của bà con về điểm hướng dẫn (bản nháp)",
        "Bản nháp tổng hợp ý kiến của người dân.",
        "Đang tổng hợp.",
        "",
        "",
        None, False, ((60, 60, 60), (200, 200, 200)),
    ),
]

COMMENTS = [
    (0, "Bác Hoàng", "Cảm ơn phường, có điểm hướng dẫn gần nhà đỡ phải đi xa.", COMMENT_APPROVED),
    (4, "Cô Hạnh", "Nhà tôi ở xa nhà văn hóa, các cháu có đến tận nhà hướng dẫn không?", COMMENT_APPROVED),
    (0, "Chị Lan", "Cho hỏi thứ Bảy có mở cửa không ạ?", COMMENT_WAITING),
    (4, "Ông Tư", "Tôi đã kích hoạt được VNeID nhờ các cháu đoàn viên. Rất cảm ơn!", COMMENT_WAITING),
    (1, "Anh Minh", "Thứ Tư tôi nộp hồ sơ mất 10 phút, nhanh quá.", COMMENT_WAITING),
]


def _demo_reply(author_name: str, now, editor) -> dict:
    """The ward's official reply under one demo comment, as an editor writes it."""
    if author_name != "Cô Hạnh":
        return {}
    return {
        "reply_body": "Thưa cô, có ạ. Cô đặt lịch ở mục «Đặt lịch hướng dẫn tại nhà» hoặc gọi bộ phận một cửa, "
                      "tổ hướng dẫn lưu động sẽ đến tận nhà.",
        "replied_at": now,
        "replied_by_id": editor.id if editor else None,
    }


def _illustration(seed: int, colours) -> FileStorage:
    """A simple coloured picture: sky, ground, a house and a few shapes."""
    rng = random.Random(seed)
    main, accent = colours
    image = Image.new("RGB", (1200, 675), main)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 450, 1200, 675], fill=tuple(max(0, c - 40) for c in main))
    draw.ellipse([950, 60, 1100, 210], fill=accent)
    draw.rectangle([380, 280, 820, 520], fill=(250, 250, 245))
    draw.polygon([(350, 290), (600, 130), (850, 290)], fill=accent)
    draw.rectangle([560, 400, 640, 520], fill=main)
    for _ in range(6):
        x, y, r = rng.randint(20, 1180), rng.randint(480, 660), rng.randint(15, 45)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=accent)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"demo-{seed}.png", content_type="image/png")


def load(logins: list, make_password) -> None:
    editor = db.session.scalar(select(User).join(UserRole).where(UserRole.role == "editor").limit(1))
    now = utcnow()
    articles = []
    for seed, (kind, title, summary, body, caption, alt, days_ago, pinned, colours) in enumerate(ARTICLES):
        article = Article(
            kind=kind, summary=summary, body=body, cover_caption=caption, cover_alt=alt, pinned=pinned,
            author_id=editor.id if editor else None,
        )
        article.set_title(title)
        if days_ago is None:
            article.status, article.views = DRAFT, 0
        else:
            article.status = PUBLISHED
            article.published_at = now - timedelta(days=days_ago, hours=seed)
            article.views = random.Random(seed).randint(20, 400) if days_ago > 0 else 0
        if caption:
            picture = _illustration(seed, colours)
            article.cover_filename = save_image(picture, max_bytes=5 * 1024 * 1024, max_side=1200, prefix="news")
            picture.stream.seek(0)
            article.cover_thumb_filename = save_image(picture, max_bytes=5 * 1024 * 1024, max_side=480, prefix="news-thumb")
        db.session.add(article)
        articles.append(article)
    for index, name, text, status in COMMENTS:
        db.session.add(Comment(article=articles[index], author_name=name, body=text, status=status,
                               **_demo_reply(name, now, editor)))
    articles[0].rating_count, articles[0].rating_total = 9, 41
    articles[4].rating_count, articles[4].rating_total = 15, 70
