"""Browser journeys in headless Chromium (Debian's package, never a download).

Fixtures:
- `live_server`: the site on 127.0.0.1 in a thread, on its own migrated SQLite
  database, CSRF on as in production. `.url`, `.app`, `.create_user(*roles)`.
- `page` (JavaScript on) and `page_nojs` (JavaScript off): fresh browser
  contexts, phone-sized by default.
- `sign_in(page, person)`: through the real login form.
- `check_accessibility(page)`: axe-core (pinned copy from the npm registry)
  must report no violation on the page as it is now.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, Person, app_settings
from wardsite import create_app, page_cache
from wardsite.extensions import db

# A CI machine with two busy cores can take seconds for a page that runs the
# roster solver; waits are generous, and a journey that passes waits no longer.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("WARDSITE_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Flags that keep Chromium off the network it may not reach and quiet as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self._count = 0

    def create_user(self, *roles: str, name: str | None = None, email: str | None = None) -> Person:
        from wardsite.accounts.models import User

        self._count += 1
        email = email or f"e2e-{'-'.join(roles) or 'none'}-{self._count}@example.org"
        name = name or f"Cán bộ thử {self._count}"
        with self.app.app_context():
            user = User(email=email, name=name)
            user.roles = roles
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            return Person(user.id, email, name, PASSWORD, tuple(roles))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    database = folder / "live.db"
    app = create_app(
        app_settings(
            f"sqlite:///{database}",
            WTF_CSRF_ENABLED=True,
            TESTING=False,
            UPLOAD_FOLDER=str(folder / "uploads"),
        )
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in messages and QR codes lead to this server, as they lead to the ward's address in production.
    app.config["CANONICAL_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, app.config["CANONICAL_URL"])
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def empty_live_database(request):
    """Each journey starts from an empty site, as the other tests do: rows an
    earlier journey left (shifts next week, say) must not change this one's."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live_server")
    from sqlalchemy import delete

    from wardsite.extensions import limiter

    with server.app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "content_version":
                db.session.execute(delete(table))
        page_cache.content_changed()
        db.session.commit()
        limiter.reset()
    yield


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium' (make test does this as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _new_page(browser, live_server, javascript: bool):
    # The CSP is bypassed only so that the test can inject axe-core.
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript, bypass_csp=True, locale="vi-VN"
    )
    context.set_default_timeout(20_000)
    new_page = context.new_page()
    new_page.javascript_enabled = javascript
    return context, new_page


@pytest.fixture
def page(browser, live_server):
    context, new_page = _new_page(browser, live_server, javascript=True)
    yield new_page
    context.close()


@pytest.fixture
def page_nojs(browser, live_server):
    context, new_page = _new_page(browser, live_server, javascript=False)
    yield new_page
    context.close()


@pytest.fixture
def sign_in():
    def go(page, person: Person) -> None:
        page.goto("/dang-nhap")
        page.get_by_label("E-mail hoặc số điện thoại").fill(person.email)
        page.get_by_label("Mật khẩu").fill(person.password)
        page.get_by_role("button", name="Đăng nhập").click()
        # With hx-boost the form is sent by htmx: wait for the address to change.
        page.wait_for_url(lambda url: "/dang-nhap" not in url)

    return go


@pytest.fixture
def check_accessibility(browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make vendor`")
    source = AXE.read_text()

    def check(page) -> None:
        if not getattr(page, "javascript_enabled", True):
            # axe needs JavaScript: check the very same HTML in a page that
            # has it, served at the same address so styles load alike.
            html, url = page.content(), page.url
            context = browser.new_context(viewport=PHONE, bypass_csp=True, java_script_enabled=True)
            try:
                twin = context.new_page()
                twin.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
                twin.goto(url)
                check(twin)
            finally:
                context.close()
            return
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=source)
        result = page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }"
        )
        assert result == [], f"axe-core violations on {page.url}:\n{json.dumps(result, indent=2, ensure_ascii=False)}"
        # On a 390-pixel phone nothing pushes the page sideways (wide tables
        # scroll inside their own box).
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"

    return check
