"""Scale the demo database up to the size of the load benchmark (issue 8).

    WARDSITE_SQLALCHEMY_DATABASE_URI=... .venv/bin/python benchmarks/scaled_data.py

Run after `flask db upgrade` and `flask demo` on the database of the
environment; `benchmarks/load.py` does it. Adds, beside the demo records:

- 2,000 procedures in 12 sectors, with steps, papers and channels, their
  folded search text made by the model's own `refresh_search_text()`;
- 5,000 articles over five years (a few scheduled, a few drafts, three more
  pinned) with Markdown bodies, and a few hundred comments;
- 8 more residential groups and 4 more e-stations;
- 300 volunteers with weekly availability;
- a year of mobile-team shifts and two weeks ahead (six teams in each of three
  daily periods on weekdays, ten at weekends, two volunteers each, one of them
  experienced, chosen among those available), and on them 20,000 home visits:
  past ones done, nobody at home, cancelled or left confirmed, the older ones
  with personal data erased; upcoming ones requested or confirmed within the
  booking horizon. One visit per slot and team, so no seat is held twice;
- 100,000 guidance sessions over the past year at the counter and the
  e-stations, each with one or two procedures.

Rows go in with bulk INSERTs (executemany) in one transaction, so it takes
seconds on SQLite; records that others point to get the next free ids, and on
PostgreSQL the sequences are moved past them at the end. A fixed seed gives
the same records for the same day. Ends with ANALYZE, as a database that has
lived a while has planner statistics.
"""

from __future__ import annotations

import bisect
import itertools
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.accounts.models import User, UserRole  # noqa: E402
from wardsite.admin.models import ResidentialGroup  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.news.models import COMMENT_APPROVED, COMMENT_REJECTED, COMMENT_WAITING, DRAFT, PUBLISHED, Article, Comment  # noqa: E402
from wardsite.procedures.models import Channel, Document, Procedure, Sector, Step  # noqa: E402
from wardsite.stats.models import GuidanceSession, GuidanceSessionProcedure  # noqa: E402
from wardsite.text import slugify  # noqa: E402
from wardsite.timeutil import from_local, local_today, utcnow  # noqa: E402
from wardsite.visits.models import (  # noqa: E402
    CANCELLED,
    CODE_ALPHABET,
    CODE_LENGTH,
    CONFIRMED,
    DONE,
    NO_SHOW,
    REQUESTED,
    Visit,
    visit_procedure,
    visit_procedure_done,
)
from wardsite.roster.models import Assignment, Shift  # noqa: E402
from wardsite.stations.models import OpeningHours, Station  # noqa: E402
from wardsite.volunteers.models import Availability, Volunteer  # noqa: E402

SEED = 8
PROCEDURES, ARTICLES, VOLUNTEERS, VISITS, SESSIONS = 2_000, 5_000, 300, 20_000, 100_000

# Procedures ---------------------------------------------------------------------

SECTORS = ["Hộ tịch", "Chứng thực", "Cư trú", "Kinh tế", "Bảo trợ xã hội", "Đất đai", "Xây dựng", "Giáo dục và Đào tạo",
           "Y tế", "Văn hóa", "Lao động – Thương binh", "Môi trường"]
ACTIONS = ["Đăng ký", "Cấp", "Cấp lại", "Cấp đổi", "Xác nhận", "Chứng thực", "Gia hạn", "Thay đổi", "Điều chỉnh", "Công nhận",
           "Hủy bỏ", "Thông báo", "Giải quyết", "Hỗ trợ", "Đăng ký lại", "Xóa đăng ký"]
SUBJECTS = [
    "khai sinh", "kết hôn", "khai tử", "giám hộ", "thường trú", "tạm trú", "lưu trú", "hộ kinh doanh", "giấy xác nhận khuyết tật",
    "hộ nghèo, hộ cận nghèo", "bản sao từ bản chính", "chữ ký", "hợp đồng, giao dịch", "di chúc", "tình trạng hôn nhân",
    "trích lục hộ tịch", "giấy phép xây dựng nhà ở riêng lẻ", "quyền sử dụng đất", "trợ cấp xã hội hằng tháng",
    "hỗ trợ chi phí mai táng", "thẻ bảo hiểm y tế", "lễ hội truyền thống", "câu lạc bộ thể thao cơ sở", "nhận cha, mẹ, con",
    "thông tin hộ tịch", "nơi cư trú", "biển hiệu quảng cáo", "cơ sở kinh doanh thực phẩm", "nuôi con nuôi",
    "gia đình văn hóa", "hỗ trợ học tập", "miễn giảm học phí", "người có công", "trợ cấp thất nghiệp", "hòa giải ở cơ sở",
    "tổ chức việc cưới", "phân loại rác tại nguồn", "san lấp mặt bằng", "sửa chữa nhà ở", "cây xanh đô thị",
]
QUALIFIERS = ["", "", "", "cho người nước ngoài", "có yếu tố nước ngoài", "lưu động", "trực tuyến", "cho trẻ em dưới 6 tuổi",
              "cho người cao tuổi", "kết hợp", "đúng hạn", "quá hạn", "theo bản án, quyết định của Tòa án"]
STEP_WORDS = (
    "người dân chuẩn bị tờ khai nộp hồ sơ tại bộ phận một cửa hoặc trên cổng dịch vụ công quốc gia cán bộ tiếp nhận kiểm tra "
    "đối chiếu giấy tờ hướng dẫn bổ sung trong ngày ký phê duyệt trả kết quả qua bưu điện tài khoản định danh điện tử mức 2 "
    "thanh toán lệ phí trực tuyến biên nhận hẹn ngày trình lãnh đạo ủy ban nhân dân phường xác minh thực tế niêm yết công khai"
).split()
PAPERS = ["Tờ khai theo mẫu", "Căn cước công dân", "Giấy chứng sinh", "Giấy tờ chứng minh chỗ ở hợp pháp", "Giấy ủy quyền",
          "Giấy xác nhận của tổ dân phố", "Bản sao giấy khai sinh", "Hợp đồng thuê nhà có công chứng", "Đơn đề nghị",
          "Sơ đồ vị trí thửa đất", "Ảnh 4x6 chụp không quá 6 tháng", "Giấy chứng nhận kết hôn", "Trích lục khai tử",
          "Quyết định của cơ quan có thẩm quyền", "Biên bản hòa giải"]
TIMES = ["Trong ngày", "1 ngày làm việc", "3 ngày làm việc", "5 ngày làm việc", "10 ngày làm việc", "15 ngày làm việc"]
FEES = ["Miễn phí", "5.000 đồng", "8.000 đồng/bản", "10.000 đồng", "15.000 đồng", "20.000 đồng", "50.000 đồng"]
# What residents come for most, by demo code: these get most guidance sessions and visits.
POPULAR = {"1.001193": 40, "2.000815": 35, "1.004194": 30, "1.002755": 18, "1.004873": 18, "2.000635": 15, "1.004222": 15,
           "1.000656": 9, "2.000884": 12, "1.000894": 6, "1.001612": 6, "1.011607": 6}

# Articles -----------------------------------------------------------------------

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

# People -------------------------------------------------------------------------

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hoài", "Gia", "Bảo", "Khánh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hiền", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga",
         "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến", "Khôi", "Nhi"]
BRANCHES = [f"Chi đoàn khu phố {n}" for n in range(1, 7)] + ["Chi đoàn Trường THPT Hòa Phong", "Chi đoàn cơ quan phường",
                                                              "Chi đoàn Công an phường", "Chi đoàn Quân sự phường"]
SKILLS = ["vneid", "ho_tich", "chung_thuc", "dat_dai", "cu_tru"]
STREETS = ["đường Hòa Phong", "đường Trần Phú", "đường Lê Lợi", "đường Nguyễn Du", "đường Phan Chu Trinh", "đường Hai Bà Trưng"]
HELP = ["Kích hoạt tài khoản VNeID mức 2.", "Đăng ký khai sinh cho cháu.", "Gia hạn tạm trú cho người thuê nhà.",
        "Xin bản sao trích lục hộ tịch.", "Ông bà đi lại khó khăn, cần chứng thực giấy tờ.", ""]

# Home visits: mobile teams per daily period, weekdays and weekends.
PERIODS = [((8, 0), (11, 0), "morning"), ((14, 0), (17, 0), "afternoon"), ((18, 0), (21, 0), "evening")]
TEAMS = {"weekday": 6, "weekend": 10}
CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# Tables given explicit ids: PostgreSQL's sequences are moved past them at the end.
EXPLICIT_IDS: set[str] = set()


def bulk(model, rows: list[dict], ids: bool = False) -> list[int]:
    """INSERT the rows with one executemany; with `ids`, give them the next
    free ids and return those. Core, not the ORM's bulk insert: that leaves
    out None values and so splits rows of different shapes into many
    statements; and RETURNING with the rows' order kept makes SQLite insert
    one row per statement."""
    if not rows:
        return []
    new_ids = []
    if ids:
        first = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        new_ids = list(range(first, first + len(rows)))
        for row, new_id in zip(rows, new_ids):
            row["id"] = new_id
        EXPLICIT_IDS.add(model.__tablename__)
    table = getattr(model, "__table__", model)
    db.session.execute(insert(table), rows)
    return new_ids


def reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in sorted(EXPLICIT_IDS):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"))


def unique_code(rng: random.Random, alphabet: str, length: int, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choices(alphabet, k=length))
        if code not in taken:
            taken.add(code)
            return code


class Day:
    """Ward-local midnight of each date, as UTC, computed once per date."""

    def __init__(self):
        self._cache: dict[date, datetime] = {}

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        midnight = self._cache.get(day)
        if midnight is None:
            midnight = self._cache[day] = from_local(datetime.combine(day, clock(0)))
        return midnight + timedelta(hours=hour, minutes=minute)


# The steps ---------------------------------------------------------------------------


def add_places(rng: random.Random) -> tuple[list[ResidentialGroup], list[Station]]:
    """Eight more residential groups (12 in all) and an e-station in four of them."""
    groups = list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)))
    names = {group.name for group in groups}
    position = max((group.position for group in groups), default=0)
    for number in range(1, 13):
        name = f"Tổ dân phố {number}"
        if name in names:
            continue
        position += 1
        group = ResidentialGroup(name=name, position=position,
                                 cultural_house_address=f"Nhà văn hóa TDP {number}, số {rng.randint(2, 90)} {rng.choice(STREETS)}")
        db.session.add(group)
        groups.append(group)
    db.session.flush()
    stations = list(db.session.scalars(select(Station).where(Station.active.is_(True)).order_by(Station.position)))
    position = max((station.position for station in stations), default=0)
    estations = sum(station.kind == "estation" for station in stations)
    for group in groups[-4:]:
        estations += 1
        position += 1
        station = Station(name=f"Tổ dân phố điện tử số {estations}", kind="estation", residential_group=group,
                          address=group.cultural_house_address, equipment="Máy tính, máy quét, máy in, wifi", position=position)
        station.hours = [OpeningHours(weekday=d, opens=clock(8), closes=clock(11)) for d in (5, 6)] + [
            OpeningHours(weekday=d, opens=clock(19), closes=clock(21)) for d in (2, 5, 6)
        ]
        db.session.add(station)
        stations.append(station)
    db.session.flush()
    return groups, stations


def add_procedures(rng: random.Random) -> tuple[list[int], list[float]]:
    """2,000 published-or-draft procedures; returns every published id with its popularity."""
    sectors = {sector.name: sector for sector in db.session.scalars(select(Sector))}
    taken_slugs = {sector.slug for sector in sectors.values()}
    for name in SECTORS:
        if name not in sectors:
            sector = Sector(name=name, slug=slugify(name))
            if sector.slug in taken_slugs:
                sector.slug += "-2"
            taken_slugs.add(sector.slug)
            db.session.add(sector)
            sectors[name] = sector
    db.session.flush()
    sector_list = [sectors[name] for name in SECTORS]

    codes = set(db.session.scalars(select(Procedure.code)))
    names = set(db.session.scalars(select(Procedure.name)))
    today = local_today()
    rows, children = [], []
    for number in range(PROCEDURES):
        name = " ".join(part for part in (rng.choice(ACTIONS), rng.choice(SUBJECTS), rng.choice(QUALIFIERS)) if part)
        if name in names:
            name = f"{name} (trường hợp {number})"
        names.add(name)
        code = f"{rng.choice('12')}.{100_000 + number:06d}"
        if rng.random() < 0.1:
            code += ".000.00.00.H17"  # a province's own suffix
        if code in codes:
            continue
        codes.add(code)
        online = rng.choices(["full", "partial", "none"], weights=[3, 4, 3])[0]
        sector = rng.choice(sector_list)
        steps = [f"Bước {n}: " + " ".join(rng.choices(STEP_WORDS, k=rng.randint(12, 30))) + "."
                 for n in range(1, rng.randint(4, 8) + 1)]
        papers = [(paper, rng.choice([0, 1, 1]), rng.choice([0, 0, 1, 2])) for paper in rng.sample(PAPERS, rng.randint(3, 6))]
        channels = [("in_person", rng.choice(TIMES), rng.choice(FEES))]
        if online != "none":
            channels.append(("online", rng.choice(TIMES), "Giảm 50% lệ phí khi nộp trực tuyến"))
        postal = rng.random() < 0.4
        if postal:
            channels.append(("post", rng.choice(TIMES[2:]), "Cước bưu chính theo bảng giá"))
        values = dict(
            code=code, decision_number=f"Quyết định số {rng.randint(100, 3999)}/QĐ-UBND ngày {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2021, 2025)}",
            name=name[:300], level=rng.choices(["ward", "province"], weights=[4, 1])[0], online=online,
            postal_send=postal, postal_receive=postal, same_day=rng.random() < 0.3,
            applicants="Công dân Việt Nam cư trú tại phường; người được ủy quyền theo quy định.",
            authority=rng.choice(["Ủy ban nhân dân phường", "Công an phường", "Trung tâm phục vụ hành chính công phường"]),
            result=rng.choice(["Giấy chứng nhận theo mẫu.", "Bản sao có chứng thực.", "Văn bản trả lời của cơ quan có thẩm quyền."]),
            legal_basis=f"Nghị định số {rng.randint(10, 199)}/20{rng.randint(15, 25)}/NĐ-CP.",
            requirements=rng.choice(["", "Người yêu cầu phải có mặt khi nhận kết quả.", "Không có."]),
            published=rng.random() < 0.95, last_checked_on=today - timedelta(days=rng.randint(0, 400)),
            check_note="",
        )
        # The model folds the text itself, as an editor's save would.
        record = Procedure(**values, sector=Sector(name=sector.name))
        record.steps = [Step(text=step) for step in steps]
        record.documents = [Document(name=paper) for paper, _, _ in papers]
        record.refresh_search_text()
        values.update(sector_id=sector.id, name_folded=record.name_folded, body_folded=record.body_folded)
        rows.append(values)
        children.append((steps, papers, channels))

    ids = bulk(Procedure, rows, ids=True)
    step_rows, document_rows, channel_rows = [], [], []
    for procedure_id, (steps, papers, channels) in zip(ids, children):
        step_rows += [{"procedure_id": procedure_id, "position": n, "text": step} for n, step in enumerate(steps)]
        document_rows += [{"procedure_id": procedure_id, "position": n, "name": paper, "originals": originals, "copies": copies,
                           "template_url": "https://dichvucong.gov.vn/mau-to-khai.docx" if n == 0 else ""}
                          for n, (paper, originals, copies) in enumerate(papers)]
        channel_rows += [{"procedure_id": procedure_id, "position": n, "kind": kind, "processing_time": when, "fee": fee, "note": ""}
                         for n, (kind, when, fee) in enumerate(channels)]
    bulk(Step, step_rows)
    bulk(Document, document_rows)
    bulk(Channel, channel_rows)

    published = list(db.session.execute(select(Procedure.id, Procedure.code).where(Procedure.published.is_(True)).order_by(Procedure.id)))
    return [row.id for row in published], [POPULAR.get(row.code, 1.0) for row in published]


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


def add_volunteers(rng: random.Random, groups: list[ResidentialGroup]) -> list[dict]:
    """300 volunteers, about a third experienced, each free in 4–9 cells of the week."""
    cards = set(db.session.scalars(select(Volunteer.card_code)))
    now = utcnow()
    rows, cells = [], []
    for number in range(VOLUNTEERS):
        experienced = rng.random() < 0.35
        rows.append(dict(
            name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}", phone=f"0{rng.choice('3789')}{rng.randrange(10**8):08d}",
            email=f"tnv.{number + 1}@hoaphong.example", branch=rng.choice(BRANCHES), residential_group_id=rng.choice(groups).id,
            skills_text=",".join(sorted(rng.sample(SKILLS, rng.randint(1, 3)), key=SKILLS.index)), experienced=experienced,
            active=rng.random() > 0.03, max_shifts_per_week=rng.choice([2, 3]) if experienced else rng.choice([1, 2, 2, 3]),
            card_code=unique_code(rng, CARD_ALPHABET, 10, cards), calendar_token=f"scaled-{number}-{rng.getrandbits(96):024x}",
            created_at=now - timedelta(days=rng.randint(400, 1500)),
        ))
        cells.append({(rng.randrange(7), rng.choice(PERIODS)[2]) for _ in range(rng.randint(4, 9))})
    ids = bulk(Volunteer, rows, ids=True)
    bulk(Availability, [{"volunteer_id": volunteer_id, "weekday": weekday, "part": part}
                        for volunteer_id, mine in zip(ids, cells) for weekday, part in sorted(mine)])
    return [dict(row, id=volunteer_id, cells=mine) for volunteer_id, row, mine in zip(ids, rows, cells)]


def add_mobile_shifts(rng: random.Random, volunteers: list[dict], first: date, last: date, day: Day) -> list[dict]:
    """Published mobile-team shifts from `first` to `last`, two volunteers each,
    one experienced, taken among those available that period and within their
    weekly limit; nobody twice on the same day."""
    active = [v for v in volunteers if v["active"]]
    by_cell = defaultdict(list)
    for volunteer in active:
        for cell in volunteer["cells"]:
            by_cell[cell].append(volunteer)
    now = utcnow()
    plans, teams = [], []
    week_load: dict[tuple[date, int], int] = defaultdict(int)
    current = first
    while current <= last:
        monday = current - timedelta(days=current.weekday())
        busy: set[int] = set()
        count = TEAMS["weekend" if current.weekday() >= 5 else "weekday"]
        for (h1, m1), (h2, m2), part in PERIODS:
            # Those available in this period first, in a random order; then anyone.
            willing = rng.sample(by_cell[current.weekday(), part], len(by_cell[current.weekday(), part]))
            candidates = willing + rng.sample(active, len(active))
            for _ in range(count):
                team = []
                for experienced in (True, False):
                    chosen = next((v for v in candidates if v["id"] not in busy and (v["experienced"] or not experienced)
                                   and week_load[monday, v["id"]] < v["max_shifts_per_week"]), None)
                    if chosen is not None:
                        busy.add(chosen["id"])
                        week_load[monday, chosen["id"]] += 1
                        team.append(chosen)
                if not team:
                    continue
                starts = day.at(current, h1, m1)
                plans.append(dict(kind="mobile", station_id=None, starts_at=starts, ends_at=day.at(current, h2, m2), seats=2,
                                  cancelled=False, published_at=starts - timedelta(days=10), note=""))
                teams.append(team)
        current += timedelta(days=1)
    ids = bulk(Shift, plans, ids=True)
    assignments = []
    for shift_id, plan, team in zip(ids, plans, teams):
        for member in team:
            past = plan["ends_at"] < now
            assignments.append(dict(shift_id=shift_id, volunteer_id=member["id"], pinned=False,
                                    attendance=("present" if rng.random() < 0.92 else "absent") if past else None,
                                    created_at=plan["published_at"]))
    bulk(Assignment, assignments)
    return [dict(plan, id=shift_id) for shift_id, plan in zip(ids, plans)]


def add_visits(rng: random.Random, shifts: list[dict], groups, procedures: tuple[list[int], list[float]], day: Day) -> None:
    """20,000 visits, at most one holding each team's slot; some upcoming within the booking horizon."""
    from flask import current_app

    config = current_app.config
    length = timedelta(minutes=int(config["VISIT_SLOT_MINUTES"]))
    retention = timedelta(days=int(config["VISIT_RETENTION_DAYS"]))
    today, now = local_today(), utcnow()
    bookable_from = day.at(today + timedelta(days=int(config["VISIT_LEAD_DAYS"])), 0)
    bookable_to = day.at(today + timedelta(days=int(config["VISIT_HORIZON_DAYS"]) + 1), 0)
    past, upcoming = [], []
    for shift in shifts:
        moment = shift["starts_at"]
        while moment + length <= shift["ends_at"]:
            if moment + length <= now:
                past.append((shift["id"], moment))
            elif bookable_from <= moment < bookable_to:
                upcoming.append((shift["id"], moment))
            moment += length
    upcoming = rng.sample(upcoming, len(upcoming) // 2)
    wanted = VISITS - len(upcoming)
    if wanted > len(past):
        raise SystemExit(f"only {len(past)} past slots for {wanted} visits")
    chosen = sorted(rng.sample(past, wanted) + upcoming, key=lambda slot: (slot[1], slot[0]))

    ids, cumulative = procedures[0], list(itertools.accumulate(procedures[1]))
    codes = set(db.session.scalars(select(Visit.code)))
    rows, asked, done = [], [], []
    for shift_id, start in chosen:
        ahead = start > now
        status = rng.choices([REQUESTED, CONFIRMED], weights=[1, 1])[0] if ahead else \
            rng.choices([DONE, NO_SHOW, CANCELLED, CONFIRMED], weights=[78, 8, 10, 4])[0]
        created = start - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 12))
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        row = dict(
            code=unique_code(rng, CODE_ALPHABET, CODE_LENGTH, codes), status=status, shift_id=shift_id, slot_start=start,
            slot_end=start + length, seat=None if status == CANCELLED else 1, full_name=name,
            phone=f"09{rng.randrange(10**8):08d}", address=f"Số {rng.randint(1, 120)}, ngõ {rng.randint(1, 30)}, {rng.choice(STREETS)}",
            help_needed=rng.choice(HELP), residential_group_id=rng.choice(groups).id, consent_at=created, form_token=None,
            booked_by_id=None, created_at=created, confirmed_at=None, closed_at=None, cancelled_by_resident=False,
            people_guided=None, dossiers_filed=None, dossier_codes="", outcome_note="", rating=None, rating_comment="",
            rated_at=None, purged_at=None,
        )
        if status in (CONFIRMED, DONE, NO_SHOW):
            row["confirmed_at"] = created + timedelta(hours=rng.randint(1, 20))
        if status == DONE:
            people = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
            row.update(closed_at=start + length, people_guided=people, dossiers_filed=sum(rng.random() < 0.55 for _ in range(people)))
            if rng.random() < 0.6:
                row.update(rating=rng.choices([3, 4, 5], weights=[10, 35, 55])[0], rated_at=start + timedelta(days=1),
                           rating_comment=rng.choice(["", "", "Các em nhiệt tình, dễ hiểu."]))
        elif status == NO_SHOW:
            row["closed_at"] = start + length
        elif status == CANCELLED:
            row.update(closed_at=start - timedelta(hours=rng.randint(2, 30)), cancelled_by_resident=rng.random() < 0.8)
        if start + length + retention < now:  # what `flask purge` would have erased
            row.update(full_name="", phone=None, address="", help_needed="", rating_comment="", purged_at=start + length + retention)
        rows.append(row)
        wanted_procedures = {ids[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])] for _ in range(rng.choice([0, 1, 1, 2]))}
        asked.append(sorted(wanted_procedures))
        done.append(sorted(wanted_procedures)[: rng.randint(1, 2)] if status == DONE else [])
    visit_ids = bulk(Visit, rows, ids=True)
    bulk(visit_procedure, [{"visit_id": v, "procedure_id": p} for v, mine in zip(visit_ids, asked) for p in mine])
    bulk(visit_procedure_done, [{"visit_id": v, "procedure_id": p} for v, mine in zip(visit_ids, done) for p in mine])


def add_guidance_sessions(rng: random.Random, stations: list[Station], volunteers: list[dict],
                          procedures: tuple[list[int], list[float]], day: Day) -> None:
    """100,000 sessions over the past year: busy Wednesdays and Thursdays at the
    counter, weekends at the e-stations, a slow rise over the year."""
    leader = db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == "leader").order_by(User.id))
    today, now = local_today(), utcnow()
    first = today - timedelta(days=364)
    counter_weights, estation_weights = [3, 2, 6, 5, 3, 1, 0.2], [0.3, 0.3, 0.5, 0.5, 0.3, 3, 3]
    days = [first + timedelta(days=n) for n in range(365)]
    cells, weights = [], []
    for current in days:
        growth = 0.75 + 0.6 * (current - first).days / 365
        for station in stations:
            pattern = counter_weights if station.kind == "counter" else estation_weights
            cells.append((current, station))
            weights.append(pattern[current.weekday()] * growth * (2.5 if station.kind == "counter" else 1))
    cumulative = list(itertools.accumulate(weights))
    hosts: dict[tuple[int, date], int | None] = {}
    procedure_ids, procedure_cumulative = procedures[0], list(itertools.accumulate(procedures[1]))
    volunteer_ids = [v["id"] for v in volunteers]
    rows, links = [], []
    while len(rows) < SESSIONS:
        current, station = cells[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
        hour, minute = rng.choice([(7, 30), (8, 0), (9, 15), (10, 30), (13, 0), (14, 30), (15, 45), (19, 0), (20, 0)])
        logged_at = day.at(current, hour, minute) + timedelta(minutes=rng.randrange(40))
        if logged_at > now:
            continue
        key = (station.id, current - timedelta(days=current.weekday()))
        if key not in hosts:
            host = station.host_on(current)
            hosts[key] = host.id if host else None
        people = rng.choices([1, 2, 3, 4], weights=[62, 25, 9, 4])[0]
        filed = sum(rng.random() < 0.45 for _ in range(people))
        rows.append(dict(station_id=station.id, residential_group_id=hosts[key], volunteer_id=rng.choice(volunteer_ids),
                         logged_by_id=leader, logged_at=logged_at, day=current, people_guided=people, dossiers_filed=filed,
                         note="Kích hoạt tài khoản VNeID mức 2" if rng.random() < 0.05 else ""))
        mine = {procedure_ids[bisect.bisect_left(procedure_cumulative, rng.random() * procedure_cumulative[-1])]
                for _ in range(rng.choice([1, 1, 1, 2]))}
        links.append(sorted(mine))
    session_ids = bulk(GuidanceSession, rows, ids=True)
    bulk(GuidanceSessionProcedure, [
        {"session_id": session_id, "procedure_id": procedure_id, "day": row["day"], "people_guided": row["people_guided"],
         "dossiers_filed": row["dossiers_filed"]}
        for session_id, row, mine in zip(session_ids, rows, links) for procedure_id in mine
    ])


def main() -> None:
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        rng = random.Random(SEED)
        day = Day()
        today = local_today()
        groups, stations = add_places(rng)
        procedures = add_procedures(rng)
        add_articles(rng)
        volunteers = add_volunteers(rng, groups)
        shifts = add_mobile_shifts(rng, volunteers, today - timedelta(days=365),
                                   today + timedelta(days=int(app.config["VISIT_HORIZON_DAYS"])), day)
        add_visits(rng, shifts, groups, procedures, day)
        add_guidance_sessions(rng, stations, volunteers, procedures, day)
        reset_sequences()
        db.session.commit()
        # Planner statistics, as a database that has lived a while has them (autovacuum on PostgreSQL).
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Procedure, Article, Volunteer, Visit, GuidanceSession)}
        print("scaled data:", ", ".join(f"{count:,} {name}" for name, count in counts.items()),
              f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
        db.engine.dispose()


if __name__ == "__main__":
    main()
