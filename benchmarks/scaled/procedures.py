"""2,000 procedures in 12 sectors, with steps, papers and channels."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from benchmarks.scaled.common import bulk
from wardsite.extensions import db
from wardsite.procedures.models import Channel, Document, Procedure, Sector, Step
from wardsite.text import slugify
from wardsite.timeutil import local_today

PROCEDURES = 2_000

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
