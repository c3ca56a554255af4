"""Admins manage users, the ward's settings and residential groups; every
change lands in the audit log."""

from io import BytesIO

from PIL import Image
from sqlalchemy import select

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup, WardSettings
from wardsite.audit import AuditEntry
from wardsite.extensions import db


def audit_actions(app):
    with app.app_context():
        return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_admin_creates_an_account_with_two_roles(client, app, login):
    admin = login("admin")
    response = client.post(
        "/quan-tri/nguoi-dung/moi",
        data={"name": "Lê Văn Tâm", "email": "Tam@Example.org", "phone": "0987.654.321", "roles": ["leader", "volunteer"], "active": "y", "password": "mật khẩu đủ dài"},
    )
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "tam@example.org"))
        assert user.roles == {"leader", "volunteer"}
        assert user.phone == "0987654321"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
        assert entry.user_id == admin.id and entry.target_id == str(user.id)
    assert "Lê Văn Tâm" in client.get("/quan-tri/nguoi-dung/").get_data(as_text=True)


def test_new_account_form_keeps_input_and_explains_problems(client, login, make_user):
    login("admin")
    taken = make_user("editor")
    page = client.post(
        "/quan-tri/nguoi-dung/moi",
        data={"name": "Bình", "email": taken.email, "phone": "12345", "roles": ["editor"], "password": ""},
    ).get_data(as_text=True)
    assert "Vui lòng nhập số điện thoại Việt Nam" in page
    assert 'value="Bình"' in page


def test_duplicate_email_and_missing_password_are_refused(client, login, make_user):
    login("admin")
    taken = make_user("editor")
    page = client.post(
        "/quan-tri/nguoi-dung/moi", data={"name": "Bình", "email": taken.email, "roles": ["editor"], "password": ""}
    ).get_data(as_text=True)
    assert "E-mail này đã được dùng cho tài khoản khác." in page
    assert "Vui lòng đặt mật khẩu cho tài khoản mới." in page


def test_admin_cannot_lock_themselves_out(client, app, login):
    admin = login("admin")
    page = client.post(
        f"/quan-tri/nguoi-dung/{admin.id}", data={"name": admin.name, "email": admin.email, "roles": ["editor"], "active": "y"}
    ).get_data(as_text=True)
    assert "Bạn không thể tự bỏ quyền quản trị" in page
    with app.app_context():
        assert "admin" in db.session.get(User, admin.id).roles


def test_deactivating_a_user_signs_them_out_of_staff_pages(client, app, login, make_user):
    login("admin")
    editor = make_user("editor")
    client.post(f"/quan-tri/nguoi-dung/{editor.id}", data={"name": editor.name, "email": editor.email, "roles": ["editor"]})
    with app.app_context():
        assert db.session.get(User, editor.id).active is False
    other = app.test_client()
    response = other.post("/dang-nhap", data={"login": editor.email, "password": editor.password})
    assert response.status_code == 200


def png_bytes(size=(300, 200)) -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", size, (20, 80, 160)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_ward_settings_with_logo_appear_on_every_page(client, app, login):
    login("admin")
    response = client.post(
        "/quan-tri/cai-dat",
        data={
            "name": "Phường Thử Nghiệm",
            "address": "Số 2 đường Lê Lợi",
            "phone": "024 3825 1234",
            "email": "ubnd@example.org",
            "opening_hours": "Thứ Hai – Thứ Sáu: 07:30–17:00",
            "portal_url": "https://dichvucong.gov.vn",
            "logo": (png_bytes(), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Phường Thử Nghiệm" in home and "02438251234" in home
    with app.app_context():
        logo = WardSettings.current().logo_filename
    assert logo and logo.startswith("logo-")
    served = client.get(f"/tep/{logo}")
    data = served.get_data()
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(BytesIO(data)).size[0] <= 256
    assert "ward_settings.updated" in audit_actions(app)


def test_a_file_that_is_not_an_image_is_refused_as_logo(client, login):
    login("admin")
    page = client.post(
        "/quan-tri/cai-dat",
        data={"name": "Phường A", "portal_url": "https://dichvucong.gov.vn", "logo": (BytesIO(b"%PDF-1.4 not an image"), "logo.png")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Tệp này không phải là ảnh đọc được" in page


def test_residential_groups_can_be_added_and_renamed_but_not_duplicated(client, app, login):
    login("admin")
    assert client.post("/quan-tri/to-dan-pho/", data={"name": "Tổ dân phố 5", "position": "5"}).status_code == 303
    page = client.post("/quan-tri/to-dan-pho/", data={"name": "Tổ dân phố 5"}).get_data(as_text=True)
    assert "Đã có tổ dân phố với tên này." in page
    with app.app_context():
        group_id = db.session.scalar(select(ResidentialGroup.id))
    assert client.post(f"/quan-tri/to-dan-pho/{group_id}", data={"name": "Tổ dân phố số 5", "position": "5"}).status_code == 303
    assert "Tổ dân phố số 5" in client.get("/quan-tri/to-dan-pho/").get_data(as_text=True)
    assert audit_actions(app)[-2:] == ["residential_group.created", "residential_group.updated"]


def test_audit_log_shows_who_did_what(client, login):
    admin = login("admin")
    client.post("/quan-tri/to-dan-pho/", data={"name": "Tổ dân phố 7"})
    page = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "Thêm tổ dân phố" in page and admin.name in page and "Tổ dân phố 7" in page


def test_audit_log_survives_a_silly_page_number(client, login):
    login("admin")
    assert client.get("/quan-tri/nhat-ky?trang=-5").status_code == 200
    assert client.get("/quan-tri/nhat-ky?trang=abc").status_code == 200


def test_a_fresh_site_shows_default_settings_before_anyone_saves_them(client):
    page = client.get("/").get_data(as_text=True)
    assert "Phường của bạn" in page and "None" not in page


def test_control_characters_typed_into_a_form_are_dropped(client, app, login):
    login("admin")
    response = client.post("/quan-tri/to-dan-pho/", data={"name": "Tổ dân\x00 phố\x07 8\r\n"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(ResidentialGroup.name)) == "Tổ dân phố 8"
