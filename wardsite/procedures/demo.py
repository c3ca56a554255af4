"""Demo catalogue: the common ward-level procedures of DOMAIN.md, with plausible
steps and papers. Every record carries a warning that its code, time and fee
must be checked against the national portal before real use."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.procedures.services import ChannelData, DocumentData, ProcedureData, save

# The day these facts were gathered from public portals (not a real check).
GATHERED_ON = date(2025, 7, 1)
CHECK_NOTE = (
    "Dữ liệu mẫu để minh họa: mã thủ tục, thời hạn giải quyết và lệ phí cần được đối chiếu "
    "với Cổng dịch vụ công quốc gia trước khi sử dụng."
)
UBND = "Ủy ban nhân dân phường"
POLICE = "Công an phường"
CCCD = "Căn cước công dân hoặc giấy tờ tùy thân có ảnh (chỉ xuất trình, không nộp)"


def doc(name: str, originals: int = 1, copies: int = 0, url: str = "") -> DocumentData:
    return DocumentData(name=name, originals=originals, copies=copies, template_url=url)


def ways(time: str, fee: str, online: str | None = None, online_fee: str | None = None, post: bool = False, note: str = ""):
    channels = [ChannelData("in_person", time, fee, note)]
    if online is not None:
        channels.append(ChannelData("online", online or time, online_fee or fee, "Nộp trên Cổng dịch vụ công quốc gia."))
    if post:
        channels.append(ChannelData("post", time, fee, "Cước bưu chính do người dân trả theo giá của bưu điện."))
    return channels


def civil_steps(form: str, online: bool = True) -> list[str]:
    steps = [
        f"Chuẩn bị {form} và các giấy tờ kèm theo.",
        "Nộp hồ sơ tại bộ phận một cửa của phường"
        + (", hoặc nộp trực tuyến trên Cổng dịch vụ công quốc gia (có thể nhờ tình nguyện viên tại Tổ dân phố điện tử)." if online else "."),
        "Cán bộ tư pháp – hộ tịch kiểm tra hồ sơ; nếu thiếu giấy tờ, cán bộ hướng dẫn bổ sung một lần.",
        "Nhận kết quả tại bộ phận một cửa hoặc qua bưu điện; kiểm tra kỹ thông tin trước khi ký nhận.",
    ]
    return steps


def certify_steps(what: str) -> list[str]:
    return [
        f"Mang {what} đến bộ phận một cửa của phường.",
        "Cán bộ kiểm tra giấy tờ và đối chiếu với bản chính hoặc người ký.",
        "Nộp lệ phí và nhận lại giấy tờ đã chứng thực.",
    ]


def residence_steps(what: str) -> list[str]:
    return [
        f"Chuẩn bị hồ sơ {what}.",
        "Nộp tại Công an phường hoặc trực tuyến trên Cổng dịch vụ công quốc gia, ứng dụng VNeID.",
        "Công an phường kiểm tra, cập nhật thông tin vào Cơ sở dữ liệu về cư trú.",
        "Nhận thông báo kết quả qua tin nhắn, VNeID hoặc tại Công an phường.",
    ]


PORTAL_FORMS = "https://dichvucong.gov.vn"

PROCEDURES: list[dict] = [
    dict(code="1.001193", name="Đăng ký khai sinh", sector="Hộ tịch", online="full", same_day=True,
         postal_receive=True, applicants="Cha, mẹ, ông, bà hoặc người thân thích khác của trẻ.",
         result="Giấy khai sinh (bản chính), trích lục khai sinh nếu có yêu cầu.",
         legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Thông tư 04/2020/TT-BTP.",
         requirements="Đăng ký trong 60 ngày kể từ ngày sinh thì được miễn lệ phí.",
         steps=civil_steps("tờ khai đăng ký khai sinh"),
         documents=[doc("Tờ khai đăng ký khai sinh (theo mẫu)", url=PORTAL_FORMS), doc("Giấy chứng sinh do cơ sở y tế cấp"),
                    doc(CCCD), doc("Giấy chứng nhận kết hôn của cha mẹ (nếu có)", 0, 1)],
         channels=ways("Trong ngày; hồ sơ nộp sau 15:00 trả vào ngày làm việc tiếp theo", "Miễn phí nếu đăng ký đúng hạn", online="")),
    dict(code="1.000894", name="Đăng ký kết hôn", sector="Hộ tịch", online="partial",
         applicants="Nam, nữ đủ điều kiện kết hôn theo Luật Hôn nhân và gia đình.",
         result="Giấy chứng nhận kết hôn (mỗi bên một bản chính).",
         legal_basis="Luật Hộ tịch 2014; Luật Hôn nhân và gia đình 2014; Nghị định 123/2015/NĐ-CP.",
         requirements="Hai bên phải có mặt khi ký Giấy chứng nhận kết hôn.",
         steps=civil_steps("tờ khai đăng ký kết hôn") + ["Hai bên cùng có mặt, ký vào Sổ hộ tịch và Giấy chứng nhận kết hôn."],
         documents=[doc("Tờ khai đăng ký kết hôn (theo mẫu)", url=PORTAL_FORMS), doc(CCCD, 2),
                    doc("Giấy xác nhận tình trạng hôn nhân (nếu đăng ký cư trú ở nơi khác)")],
         channels=ways("Ngay trong ngày; tối đa 5 ngày làm việc nếu cần xác minh", "Miễn phí", online="")),
    dict(code="1.000656", name="Đăng ký khai tử", sector="Hộ tịch", online="full", same_day=True, postal_receive=True,
         applicants="Vợ, chồng, con, cha, mẹ hoặc người thân thích khác của người chết.",
         result="Trích lục khai tử.", legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP.",
         requirements="Đăng ký trong 15 ngày kể từ ngày chết.",
         steps=civil_steps("tờ khai đăng ký khai tử"),
         documents=[doc("Tờ khai đăng ký khai tử (theo mẫu)", url=PORTAL_FORMS), doc("Giấy báo tử hoặc giấy tờ thay giấy báo tử"), doc(CCCD)],
         channels=ways("Trong ngày", "Miễn phí nếu đăng ký đúng hạn", online="")),
    dict(code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân", sector="Hộ tịch", online="full", postal_receive=True,
         applicants="Công dân Việt Nam cư trú tại phường.", result="Giấy xác nhận tình trạng hôn nhân.",
         legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP.",
         requirements="Nêu rõ mục đích sử dụng; giấy có giá trị 6 tháng.",
         steps=civil_steps("tờ khai cấp Giấy xác nhận tình trạng hôn nhân"),
         documents=[doc("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)", url=PORTAL_FORMS), doc(CCCD),
                    doc("Bản án, quyết định ly hôn hoặc giấy chứng tử của vợ/chồng (nếu có)", 0, 1)],
         channels=ways("Khoảng 3 ngày làm việc", "Theo quy định của tỉnh (ví dụ 3.000 đồng)", online="")),
    dict(code="2.000635", name="Cấp bản sao Trích lục hộ tịch", sector="Hộ tịch", online="full", same_day=True, postal_receive=True,
         applicants="Người có yêu cầu, nếu sự kiện hộ tịch đã đăng ký tại phường.", result="Bản sao trích lục hộ tịch.",
         legal_basis="Luật Hộ tịch 2014; Thông tư 281/2016/TT-BTC.",
         steps=civil_steps("tờ khai cấp bản sao trích lục hộ tịch"),
         documents=[doc("Tờ khai cấp bản sao trích lục hộ tịch (theo mẫu)", url=PORTAL_FORMS), doc(CCCD)],
         channels=ways("Trong ngày", "8.000 đồng/bản sao", online="")),
    dict(code="1.001022", name="Đăng ký nhận cha, mẹ, con", sector="Hộ tịch", online="partial",
         applicants="Cha, mẹ hoặc con; hai bên còn sống và không có tranh chấp.", result="Trích lục đăng ký nhận cha, mẹ, con.",
         legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP.", requirements="Các bên phải có mặt khi đăng ký.",
         steps=civil_steps("tờ khai đăng ký nhận cha, mẹ, con"),
         documents=[doc("Tờ khai đăng ký nhận cha, mẹ, con (theo mẫu)", url=PORTAL_FORMS),
                    doc("Chứng cứ chứng minh quan hệ cha, mẹ, con (ví dụ kết quả giám định ADN)"), doc(CCCD, 2)],
         channels=ways("3 ngày làm việc; có thể kéo dài nếu cần xác minh", "Theo quy định của tỉnh", online="")),
    dict(code="1.004859", name="Thay đổi, cải chính, bổ sung thông tin hộ tịch", sector="Hộ tịch", online="partial", postal_receive=True,
         applicants="Người có yêu cầu thay đổi, cải chính, bổ sung thông tin hộ tịch.", result="Trích lục thay đổi, cải chính hộ tịch.",
         legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP.",
         steps=civil_steps("tờ khai thay đổi, cải chính, bổ sung thông tin hộ tịch"),
         documents=[doc("Tờ khai (theo mẫu)", url=PORTAL_FORMS), doc("Giấy tờ hộ tịch cần thay đổi, cải chính"),
                    doc("Giấy tờ làm căn cứ cho việc thay đổi, cải chính", 0, 1), doc(CCCD)],
         channels=ways("3 ngày làm việc", "Theo quy định của tỉnh", online="")),
    dict(code="1.004837", name="Đăng ký giám hộ", sector="Hộ tịch", online="partial",
         applicants="Người được cử làm giám hộ.", result="Trích lục đăng ký giám hộ.",
         legal_basis="Bộ luật Dân sự 2015; Luật Hộ tịch 2014.",
         steps=civil_steps("tờ khai đăng ký giám hộ"),
         documents=[doc("Tờ khai đăng ký giám hộ (theo mẫu)", url=PORTAL_FORMS), doc("Văn bản cử người giám hộ"), doc(CCCD)],
         channels=ways("3 ngày làm việc", "Miễn phí", online="")),
    dict(code="1.004884", name="Đăng ký lại khai sinh", sector="Hộ tịch", online="partial",
         applicants="Người đã đăng ký khai sinh nhưng sổ hộ tịch và bản chính giấy khai sinh đều bị mất.",
         result="Giấy khai sinh (bản chính).", legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP.",
         steps=civil_steps("tờ khai đăng ký lại khai sinh"),
         documents=[doc("Tờ khai đăng ký lại khai sinh (theo mẫu)", url=PORTAL_FORMS),
                    doc("Bản sao giấy khai sinh hoặc giấy tờ có thông tin khai sinh (nếu có)", 0, 1), doc(CCCD)],
         channels=ways("5 ngày làm việc", "Theo quy định của tỉnh (ví dụ 5.000 đồng)", online="")),
    dict(code="1.007073", name="Liên thông đăng ký khai tử, xóa đăng ký thường trú", sector="Hộ tịch", online="full", same_day=True,
         applicants="Người thân của người chết.", result="Trích lục khai tử; thông tin thường trú của người chết được xóa.",
         legal_basis="Luật Hộ tịch 2014; Luật Cư trú 2020; Nghị định 63/2024/NĐ-CP.",
         steps=["Đăng nhập Cổng dịch vụ công quốc gia bằng tài khoản VNeID.",
                "Chọn nhóm thủ tục liên thông khai tử – xóa đăng ký thường trú và điền tờ khai.",
                "Tải ảnh giấy báo tử và nộp hồ sơ; ghi lại mã hồ sơ.",
                "Nhận trích lục khai tử qua bưu điện hoặc tại phường."],
         documents=[doc("Giấy báo tử hoặc giấy tờ thay giấy báo tử"), doc(CCCD)],
         channels=ways("Khai tử trong ngày; xóa thường trú theo thời hạn của Công an phường", "Miễn phí", online="")),
    dict(code="2.000815", name="Chứng thực bản sao từ bản chính", sector="Chứng thực", online="none", same_day=True,
         applicants="Mọi người có bản chính giấy tờ cần chứng thực.", result="Bản sao có chứng thực.",
         legal_basis="Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC.",
         requirements="Không chứng thực bản sao từ bản chính bị tẩy xóa, sửa chữa hoặc hết hạn sử dụng.",
         steps=certify_steps("bản chính và bản sao cần chứng thực"),
         documents=[doc("Bản chính giấy tờ cần chứng thực"), doc("Bản sao cần chứng thực (nếu chưa có, cán bộ chụp giúp)", 0, 1)],
         channels=ways("Trong ngày", "2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang; tối đa 200.000 đồng/bản")),
    dict(code="2.000884", name="Chứng thực chữ ký trong giấy tờ, văn bản", sector="Chứng thực", online="none", same_day=True,
         applicants="Người ký giấy tờ, văn bản.", result="Giấy tờ, văn bản có chứng thực chữ ký.",
         legal_basis="Nghị định 23/2015/NĐ-CP.", requirements="Người yêu cầu phải ký trước mặt người thực hiện chứng thực.",
         steps=certify_steps("giấy tờ cần chứng thực chữ ký (chưa ký)"),
         documents=[doc(CCCD), doc("Giấy tờ, văn bản sẽ ký")],
         channels=ways("Trong ngày", "10.000 đồng/trường hợp")),
    dict(code="2.001035", name="Chứng thực hợp đồng, giao dịch", sector="Chứng thực", online="none",
         check_note=CHECK_NOTE + " Mã thủ tục này chưa được xác nhận.",
         applicants="Các bên tham gia hợp đồng, giao dịch.", result="Hợp đồng, giao dịch được chứng thực.",
         legal_basis="Nghị định 23/2015/NĐ-CP.", requirements="Các bên ký trước mặt người thực hiện chứng thực.",
         steps=certify_steps("dự thảo hợp đồng và giấy tờ về tài sản"),
         documents=[doc("Dự thảo hợp đồng, giao dịch"), doc(CCCD, 2), doc("Giấy tờ chứng minh quyền sở hữu, sử dụng tài sản", 0, 1)],
         channels=ways("Tối đa 2 ngày làm việc", "50.000 đồng/hợp đồng, giao dịch")),
    dict(code="2.001019", name="Chứng thực di chúc", sector="Chứng thực", online="none",
         applicants="Người lập di chúc (phải tự mình yêu cầu).", result="Di chúc được chứng thực.",
         legal_basis="Bộ luật Dân sự 2015; Nghị định 23/2015/NĐ-CP.", requirements="Người lập di chúc minh mẫn, tự nguyện.",
         steps=certify_steps("bản di chúc"),
         documents=[doc("Bản di chúc"), doc(CCCD), doc("Giấy tờ về tài sản (nếu di chúc liên quan đến tài sản có đăng ký)", 0, 1)],
         channels=ways("Tối đa 2 ngày làm việc", "50.000 đồng/di chúc")),
    dict(code="1.004222", name="Đăng ký thường trú", sector="Cư trú", online="full", authority=POLICE,
         applicants="Công dân có chỗ ở hợp pháp tại phường.", result="Thông tin thường trú được cập nhật vào Cơ sở dữ liệu về cư trú.",
         legal_basis="Luật Cư trú 2020; Nghị định 154/2024/NĐ-CP; Thông tư 75/2022/TT-BTC.",
         steps=residence_steps("đăng ký thường trú"),
         documents=[doc("Tờ khai thay đổi thông tin cư trú (mẫu CT01)", url=PORTAL_FORMS),
                    doc("Giấy tờ chứng minh chỗ ở hợp pháp", 0, 1), doc("Ý kiến đồng ý của chủ hộ, chủ nhà (ghi trong tờ khai)", 0, 0)],
         channels=ways("Tối đa 7 ngày làm việc", "20.000 đồng", online="", online_fee="10.000 đồng")),
    dict(code="1.004194", name="Đăng ký tạm trú", sector="Cư trú", online="full", authority=POLICE,
         applicants="Công dân đến sinh sống tại phường từ 30 ngày trở lên.", result="Thông tin tạm trú được cập nhật.",
         legal_basis="Luật Cư trú 2020; Nghị định 154/2024/NĐ-CP.",
         steps=residence_steps("đăng ký tạm trú"),
         documents=[doc("Tờ khai thay đổi thông tin cư trú (mẫu CT01)", url=PORTAL_FORMS), doc("Giấy tờ chứng minh chỗ ở hợp pháp", 0, 1)],
         channels=ways("Tối đa 3 ngày làm việc", "15.000 đồng", online="", online_fee="7.000 đồng")),
    dict(code="1.002755", name="Gia hạn tạm trú", sector="Cư trú", online="full", authority=POLICE,
         applicants="Người đã đăng ký tạm trú, trong 15 ngày trước khi hết hạn.", result="Thời hạn tạm trú được gia hạn.",
         legal_basis="Luật Cư trú 2020.", steps=residence_steps("gia hạn tạm trú"),
         documents=[doc("Tờ khai thay đổi thông tin cư trú (mẫu CT01)", url=PORTAL_FORMS)],
         channels=ways("Tối đa 3 ngày làm việc", "15.000 đồng", online="", online_fee="7.000 đồng")),
    dict(code="1.010038", name="Tách hộ", sector="Cư trú", online="full", authority=POLICE,
         applicants="Thành viên hộ gia đình có năng lực hành vi dân sự đầy đủ, cùng thường trú tại một chỗ ở.",
         result="Hộ mới được ghi vào Cơ sở dữ liệu về cư trú.", legal_basis="Luật Cư trú 2020.",
         steps=residence_steps("tách hộ"),
         documents=[doc("Tờ khai thay đổi thông tin cư trú (mẫu CT01), có ý kiến của chủ hộ", url=PORTAL_FORMS)],
         channels=ways("Tối đa 5 ngày làm việc", "10.000 đồng", online="", online_fee="5.000 đồng")),
    dict(code="1.001612", name="Đăng ký thành lập hộ kinh doanh", sector="Kinh tế", online="full", postal_receive=True,
         applicants="Cá nhân hoặc thành viên hộ gia đình muốn kinh doanh.", result="Giấy chứng nhận đăng ký hộ kinh doanh.",
         legal_basis="Luật Doanh nghiệp 2020; Nghị định 01/2021/NĐ-CP; Nghị định 168/2025/NĐ-CP.",
         steps=["Chuẩn bị giấy đề nghị đăng ký hộ kinh doanh.",
                "Nộp tại bộ phận một cửa hoặc trên Cổng dịch vụ công quốc gia.",
                "Cán bộ kiểm tra tên hộ kinh doanh và hồ sơ.",
                "Nhận Giấy chứng nhận đăng ký hộ kinh doanh."],
         documents=[doc("Giấy đề nghị đăng ký hộ kinh doanh (theo mẫu)", url=PORTAL_FORMS), doc(CCCD),
                    doc("Biên bản họp thành viên hộ gia đình (nếu các thành viên cùng góp vốn)", 0, 1)],
         channels=ways("3 ngày làm việc", "Theo quy định của tỉnh", online="")),
    dict(code="1.001699", name="Xác định mức độ khuyết tật, cấp Giấy xác nhận khuyết tật", sector="Bảo trợ xã hội", online="partial",
         applicants="Người khuyết tật hoặc người đại diện.", result="Giấy xác nhận khuyết tật.",
         legal_basis="Luật Người khuyết tật 2010; Nghị định 28/2012/NĐ-CP; Thông tư 01/2019/TT-BLĐTBXH.",
         steps=["Nộp đơn đề nghị tại bộ phận một cửa.",
                "Hội đồng xác định mức độ khuyết tật hẹn ngày gặp người khuyết tật.",
                "Hội đồng quan sát, phỏng vấn và lập biên bản.",
                "Nhận Giấy xác nhận khuyết tật."],
         documents=[doc("Đơn đề nghị xác định mức độ khuyết tật (theo mẫu)", url=PORTAL_FORMS),
                    doc("Giấy tờ khám bệnh, điều trị liên quan (nếu có)", 0, 1), doc(CCCD)],
         channels=ways("25 ngày làm việc", "Miễn phí", online="")),
    dict(code="1.001653", name="Đổi, cấp lại Giấy xác nhận khuyết tật", sector="Bảo trợ xã hội", online="partial",
         applicants="Người đã được cấp Giấy xác nhận khuyết tật.", result="Giấy xác nhận khuyết tật mới.",
         legal_basis="Nghị định 28/2012/NĐ-CP.",
         steps=["Nộp đơn đề nghị đổi, cấp lại tại bộ phận một cửa.", "Cán bộ kiểm tra hồ sơ đã lưu.",
                "Nhận Giấy xác nhận khuyết tật mới."],
         documents=[doc("Đơn đề nghị đổi, cấp lại Giấy xác nhận khuyết tật (theo mẫu)", url=PORTAL_FORMS),
                    doc("Giấy xác nhận khuyết tật cũ (nếu bị hỏng)")],
         channels=ways("5 ngày làm việc", "—", online="")),
    dict(code="1.011607", name="Công nhận hộ nghèo, hộ cận nghèo", sector="Bảo trợ xã hội", online="none",
         applicants="Hộ gia đình có mức sống thấp theo chuẩn nghèo.", result="Quyết định công nhận hộ nghèo, hộ cận nghèo.",
         legal_basis="Nghị định 07/2021/NĐ-CP; Quyết định 24/2021/QĐ-TTg.",
         steps=["Nộp giấy đề nghị tại bộ phận một cửa hoặc qua trưởng tổ dân phố.",
                "Cán bộ rà soát, chấm điểm mức sống của hộ.",
                "Niêm yết công khai kết quả tại nhà văn hóa tổ dân phố.",
                "Ủy ban nhân dân phường ra quyết định công nhận."],
         documents=[doc("Giấy đề nghị xét duyệt hộ nghèo, hộ cận nghèo (theo mẫu)", url=PORTAL_FORMS)],
         channels=ways("Theo kế hoạch rà soát của phường", "—")),
]


def load(logins, make_password) -> None:
    if db.session.scalar(select(func.count()).select_from(Procedure)):
        return
    for spec in PROCEDURES:
        spec = dict(spec)
        spec.setdefault("authority", UBND)
        spec.setdefault("check_note", CHECK_NOTE)
        data = ProcedureData(
            decision_number="Cần đối chiếu với quyết định công bố hiện hành",
            published=True,
            last_checked_on=GATHERED_ON,
            **spec,
        )
        procedure = Procedure()
        save(procedure, data)
        db.session.add(procedure)
        db.session.flush()
        record_audit("procedure.created", procedure, f"{procedure} (demo)", user=False)
