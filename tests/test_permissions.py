"""Who may open which staff screen: every staff route × (anonymous, each role).

Each area lists its staff routes in STAFF_ROUTES. A route guarded by
`roles_required` (or under /quan-tri/) that is not listed fails
`test_every_staff_route_is_in_the_matrix`.
"""

from dataclasses import dataclass, field

import pytest

from wardsite.accounts.models import ROLES


@dataclass(frozen=True)
class StaffRoute:
    endpoint: str
    url: str
    roles: frozenset  # who may open it; admins always may
    method: str = "GET"
    data: dict = field(default_factory=dict, hash=False, compare=False)
    # What an allowed user gets: 200 for a page, 303 for a POST that redirects.
    success: tuple = (200,)

    def __str__(self):
        return f"{self.method} {self.url}"


def staff(endpoint, url, *roles, method="GET", data=None, success=(200,)):
    return StaffRoute(endpoint, url, frozenset(roles) | {"admin"}, method, data or {}, success)


STAFF_ROUTES = [
    # foundation
    staff("admin.dashboard", "/quan-tri/", "editor", "leader"),
    staff("admin.users", "/quan-tri/nguoi-dung/"),
    staff("admin.user_new", "/quan-tri/nguoi-dung/moi"),
    staff("admin.user_edit", "/quan-tri/nguoi-dung/{own_id}"),
    staff("accounts.sign_out_everywhere", "/quan-tri/nguoi-dung/{own_id}/dang-xuat-moi-noi", method="POST", success=(303,)),
    staff("accounts.make_reset_link", "/quan-tri/nguoi-dung/{own_id}/lien-ket-dat-mat-khau", method="POST"),
    staff("admin.settings", "/quan-tri/cai-dat"),
    staff("admin.residential_groups", "/quan-tri/to-dan-pho/"),
    staff("admin.residential_group_edit", "/quan-tri/to-dan-pho/{group_id}"),
    staff("admin.audit_log", "/quan-tri/nhat-ky"),
    # news
    staff("news.admin_articles", "/quan-tri/tin-tuc/", "editor"),
    staff("news.article_new", "/quan-tri/tin-tuc/moi", "editor"),
    staff("news.article_edit", "/quan-tri/tin-tuc/{article_id}", "editor"),
    staff("news.article_preview", "/quan-tri/tin-tuc/xem-truoc", "editor", method="POST", data={"title": "Thử", "body": "**Đậm**"}),
    staff("news.article_publish", "/quan-tri/tin-tuc/{article_id}/dang-ngay", "editor", method="POST", success=(303,)),
    staff("news.article_unpublish", "/quan-tri/tin-tuc/{article_id}/go-xuong", "editor", method="POST", success=(303,)),
    staff("news.article_pin", "/quan-tri/tin-tuc/{article_id}/ghim", "editor", method="POST", success=(303,)),
    staff("news.comment_queue", "/quan-tri/binh-luan/", "editor"),
    staff("news.comment_approve", "/quan-tri/binh-luan/{comment_id}/duyet", "editor", method="POST", success=(303,)),
    staff("news.comment_reject", "/quan-tri/binh-luan/{comment_id}/tu-choi", "editor", method="POST", success=(303,)),
    staff("news.comment_replies", "/quan-tri/binh-luan/da-duyet", "editor"),
    staff("news.comment_reply", "/quan-tri/binh-luan/{approved_comment_id}/tra-loi", "editor", method="POST",
          data={"reply-{approved_comment_id}-body": "Cảm ơn bác."}, success=(303,)),
    staff("news.comment_reply_remove", "/quan-tri/binh-luan/{approved_comment_id}/tra-loi/xoa", "editor", method="POST",
          success=(303,)),
    # procedures
    staff("procedures.admin_procedures", "/quan-tri/thu-tuc/", "editor"),
    staff("procedures.procedure_new", "/quan-tri/thu-tuc/moi", "editor"),
    staff("procedures.procedure_edit", "/quan-tri/thu-tuc/{procedure_id}", "editor"),
    staff("procedures.procedure_publish", "/quan-tri/thu-tuc/{procedure_id}/dang", "editor", method="POST", success=(303,)),
    staff("procedures.procedure_unpublish", "/quan-tri/thu-tuc/{procedure_id}/go-xuong", "editor", method="POST", success=(303,)),
    staff("procedures.procedure_mark_checked", "/quan-tri/thu-tuc/{procedure_id}/da-kiem-tra", "editor", method="POST", success=(303,)),
    # visits
    staff("visits.admin_visits", "/quan-tri/lich-hen/", "leader"),
    staff("visits.admin_book", "/quan-tri/lich-hen/moi", "leader"),
    staff("visits.admin_visit", "/quan-tri/lich-hen/{visit_id}", "leader"),
    staff("visits.admin_confirm", "/quan-tri/lich-hen/{visit_id}/xac-nhan", "leader", method="POST", success=(303,)),
    staff("visits.admin_team", "/quan-tri/lich-hen/{visit_id}/doi", "leader", method="POST", success=(200, 303)),
    staff("visits.admin_outcome", "/quan-tri/lich-hen/{visit_id}/ket-qua", "leader", method="POST",
          data={"people_guided": "1", "dossiers_filed": "0"}, success=(303,)),
    staff("visits.admin_no_show", "/quan-tri/lich-hen/{visit_id}/vang-nha", "leader", method="POST", success=(303,)),
    staff("visits.admin_cancel", "/quan-tri/lich-hen/{visit_id}/huy", "leader", method="POST", success=(303,)),
    staff("visits.admin_waiting", "/quan-tri/lich-hen/danh-sach-cho", "leader"),
    staff("visits.admin_waiting_called", "/quan-tri/lich-hen/danh-sach-cho/{waiting_id}/da-goi", "leader"),
    # volunteers, stations and the roster (a volunteer's own pages need their account linked to a
    # volunteer: the matrix's fresh accounts are not, hence the 404s)
    staff("roster.my_page", "/tinh-nguyen/", "volunteer"),
    staff("volunteers.my_availability", "/tinh-nguyen/lich-ranh", "volunteer", success=(404,)),
    staff("volunteers.my_card", "/tinh-nguyen/the", "volunteer", success=(404,)),
    staff("volunteers.my_notifications", "/tinh-nguyen/thong-bao", "volunteer", success=(404,)),
    staff("roster.offer_swap", "/tinh-nguyen/ca/{assignment_id}/doi", "volunteer", method="POST", success=(404,)),
    staff("roster.take_swap", "/tinh-nguyen/doi-ca/{offer_id}/nhan", "volunteer", method="POST", success=(404,)),
    staff("roster.withdraw_swap", "/tinh-nguyen/doi-ca/{offer_id}/rut", "volunteer", method="POST", success=(404,)),
    staff("roster.new_calendar_link", "/tinh-nguyen/lich/moi", "volunteer", method="POST", success=(404,)),
    # leaders, or the shift's own team (an object rule: others get 403)
    staff("roster.attendance", "/tinh-nguyen/diem-danh/{assignment_id}", "volunteer", "leader", method="POST",
          data={"status": "present"}, success=(303, 403)),
    staff("stations.admin_stations", "/quan-tri/diem-ho-tro/", "leader"),
    staff("stations.admin_station", "/quan-tri/diem-ho-tro/{station_id}", "leader"),
    staff("stations.station_update", "/quan-tri/diem-ho-tro/{station_id}/sua", "leader", method="POST"),
    staff("stations.closure_add", "/quan-tri/diem-ho-tro/{station_id}/dong-cua", "leader", method="POST"),
    staff("stations.closure_remove", "/quan-tri/diem-ho-tro/{station_id}/dong-cua/0/xoa", "leader", method="POST", success=(303,)),
    staff("stations.host_save", "/quan-tri/diem-ho-tro/{station_id}/luan-phien", "leader", method="POST"),
    staff("stations.ward_calendar", "/quan-tri/diem-ho-tro/lich-nghi", "leader"),
    staff("stations.ward_close", "/quan-tri/diem-ho-tro/lich-nghi/dong", "leader", method="POST"),
    staff("stations.ward_open", "/quan-tri/diem-ho-tro/lich-nghi/2027-05-01/mo", "leader", method="POST", success=(303,)),
    staff("volunteers.volunteers", "/quan-tri/tinh-nguyen-vien/", "leader"),
    staff("volunteers.volunteer_new", "/quan-tri/tinh-nguyen-vien/moi", "leader"),
    staff("volunteers.volunteer_edit", "/quan-tri/tinh-nguyen-vien/{volunteer_id}", "leader"),
    staff("volunteers.volunteer_availability", "/quan-tri/tinh-nguyen-vien/{volunteer_id}/lich-ranh", "leader"),
    staff("volunteers.volunteer_card", "/quan-tri/tinh-nguyen-vien/{volunteer_id}/the", "leader"),
    staff("roster.roster", "/quan-tri/lich-truc/", "leader"),
    staff("roster.generate", "/quan-tri/lich-truc/tao", "leader", method="POST",
          data={"gen-start_date": "2026-11-23", "gen-end_date": "2026-11-29"}, success=(303,)),
    staff("roster.fill", "/quan-tri/lich-truc/xep", "leader", method="POST", data={"tuan": "2026-11-23"}, success=(303,)),
    staff("roster.publish", "/quan-tri/lich-truc/cong-bo", "leader", method="POST", data={"tuan": "2026-11-23"}, success=(303,)),
    staff("roster.shift_detail", "/quan-tri/lich-truc/ca/{shift_id}", "leader"),
    staff("roster.unassign", "/quan-tri/lich-truc/phan-cong/{assignment_id}/xoa", "leader", method="POST", success=(303,)),
    staff("roster.move_seat", "/quan-tri/lich-truc/phan-cong/{assignment_id}/chuyen", "leader", success=(200, 303)),
    staff("roster.cancel_shift", "/quan-tri/lich-truc/ca/{shift_id}/huy", "leader"),
    staff("roster.cancel_shift", "/quan-tri/lich-truc/ca/{shift_id}/huy", "leader", method="POST", success=(303,)),
    staff("roster.restore_shift", "/quan-tri/lich-truc/ca/{shift_id}/khoi-phuc", "leader", method="POST", success=(303,)),
    staff("roster.replan", "/quan-tri/lich-truc/lap-lai?tuan=2026-11-23", "leader"),
    # queues the re-plan job and shows its page
    staff("roster.replan", "/quan-tri/lich-truc/lap-lai", "leader", method="POST", data={"tuan": "2026-11-23"},
          success=(303,)),
    # the matrix's offer is open, not waiting for approval: nothing happens
    staff("roster.swap_approve", "/quan-tri/lich-truc/doi-ca/{offer_id}/duyet", "leader", method="POST", success=(303,)),
    staff("roster.swap_refuse", "/quan-tri/lich-truc/doi-ca/{offer_id}/tu-choi", "leader", method="POST", success=(303,)),
    staff("roster.fill_job", "/quan-tri/lich-truc/viec/{fill_job_id}", "leader"),
    staff("roster.replan_confirm", "/quan-tri/lich-truc/viec/{fill_job_id}/xac-nhan", "leader", method="POST",
          success=(409,)),
    staff("roster.shift_new", "/quan-tri/lich-truc/ca-moi", "leader"),
    staff("roster.templates", "/quan-tri/lich-truc/mau-ca", "leader"),
    staff("roster.template_delete", "/quan-tri/lich-truc/mau-ca/{template_id}/xoa", "leader", method="POST", success=(303,)),
    staff("roster.roster_print", "/quan-tri/lich-truc/in", "leader"),
    staff("roster.hours", "/quan-tri/lich-truc/gio-truc", "leader"),
    staff("roster.swaps", "/quan-tri/lich-truc/doi-ca", "leader"),
    staff("admin.outbox", "/quan-tri/hop-thu", "leader"),
    staff("admin.outbox_resend", "/quan-tri/hop-thu/{message_id}/gui-lai", "leader", method="POST", success=(303,)),
    # stats
    staff("stats.log_session", "/tinh-nguyen/ghi-nhan", "volunteer", "leader"),
    staff("stats.log_session", "/tinh-nguyen/ghi-nhan", "volunteer", "leader", method="POST",
          data={"people_guided": "1", "dossiers_filed": "0"}, success=(200, 303)),
    staff("stats.delete_session", "/tinh-nguyen/ghi-nhan/{guidance_session_id}/xoa", "volunteer", "leader", method="POST",
          success=(303, 403)),
    staff("stats.report", "/quan-tri/bao-cao/?tu=01/01/2026&den=31/12/2026", "leader"),
    staff("stats.report_csv", "/quan-tri/bao-cao/thang.csv", "leader"),
    staff("stats.report_workbook_download", "/quan-tri/bao-cao/bao-cao.xlsx", "leader"),
]

VISITORS = ["anonymous", *ROLES]


@pytest.fixture
def url_values(app):
    """Ids that staff URLs need, created once per test."""
    from wardsite.admin.models import ResidentialGroup
    from wardsite.extensions import db

    with app.app_context():
        group = ResidentialGroup(name="Tổ dân phố 9")
        db.session.add(group)
        # news
        from wardsite.news.models import Article, Comment

        article = Article(summary="Tóm tắt", body="Nội dung")
        article.set_title("Bài thử quyền")
        comment = Comment(article=article, author_name="Bà Năm", body="Cảm ơn")
        approved_comment = Comment(article=article, author_name="Ông Tư", body="Khi nào mở cửa?", status="approved")
        db.session.add_all([article, comment, approved_comment])
        # procedures
        from wardsite.procedures.models import Procedure

        procedure = Procedure(code="1.001193", name="Đăng ký khai sinh")
        db.session.add(procedure)
        # visits
        from datetime import timedelta

        from wardsite.timeutil import utcnow
        from wardsite.visits.models import Visit

        start = utcnow() + timedelta(days=2)
        visit = Visit(slot_start=start, slot_end=start + timedelta(hours=1), full_name="Bà Sáu", phone="0912345678")
        from wardsite.visits.models import WaitingEntry

        waiting = WaitingEntry(full_name="Ông Bảy", phone="0912345679")
        db.session.add_all([visit, waiting])
        # volunteers
        from tests.factories import make_roster_records

        roster_ids = make_roster_records()
        # stats: an entry nobody's own, so a volunteer gets 403 and a leader deletes it
        from wardsite.stats.models import GuidanceSession

        guidance_session = GuidanceSession(people_guided=1, dossiers_filed=0)
        db.session.add(guidance_session)
        # the message log
        from wardsite.mail import OutboxMessage

        message = OutboxMessage(recipient="an@example.org", subject="Lịch trực", body="...", dedupe_key="permissions:1")
        db.session.add(message)
        db.session.commit()
        return {"group_id": group.id, "article_id": article.id, "comment_id": comment.id,
                "approved_comment_id": approved_comment.id, "procedure_id": procedure.id,
                "visit_id": visit.id, "waiting_id": waiting.id, "guidance_session_id": guidance_session.id,
                "message_id": message.id, **roster_ids}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("route", STAFF_ROUTES, ids=str)
def test_staff_route_permissions(client, login, url_values, route, visitor):
    person = None if visitor == "anonymous" else login(visitor)
    url = route.url.format(own_id=person.id if person else 1, **url_values)
    data = {key.format(**url_values): value for key, value in route.data.items()}
    response = client.open(url, method=route.method, data=data)
    if person is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/dang-nhap?next=")
    elif visitor in route.roles:
        assert response.status_code in route.success, response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403
        assert "không có quyền" in response.get_data(as_text=True)


def test_every_staff_route_is_in_the_matrix(app):
    listed = {route.endpoint for route in STAFF_ROUTES}
    guarded = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/quan-tri") or hasattr(view, "required_roles"):
            guarded.add(rule.endpoint)
    assert guarded - listed == set(), "staff routes missing from STAFF_ROUTES"
    assert listed - guarded == set(), "STAFF_ROUTES lists routes that are not guarded"


def test_matrix_roles_match_the_decorators(app):
    for route in STAFF_ROUTES:
        declared = set(app.view_functions[route.endpoint].required_roles) | {"admin"}
        assert declared == set(route.roles), route.endpoint
