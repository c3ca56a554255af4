"""Valid markup: the Nu HTML Checker (vnu, the W3C's checker) finds no error on
the pages a resident, an editor, a leader and an administrator see. The demo
site is crawled from every page without arguments, anonymously and signed in
as an administrator, a few pages of each shape, and every HTML page (and
htmx fragment's full page) is checked in one run of the checker.

The checker is fetched by `make test` (scripts/tools.lock) and run with Java.
Without it the test is skipped, unless WARDSITE_REQUIRE_VNU is set, as
scripts/run-tests.sh does, where its absence is a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.sweep import crawl
from tests.test_query_counts import start_pages
from wardsite.accounts.models import User
from wardsite.extensions import db

# htmx's own attributes (hx-boost, hx-get…) are not HTML's, so the checker
# names each one; only these messages are set aside, every other one counts.
HTMX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")
VNU = Path(os.environ.get("WARDSITE_VNU_JAR", Path(__file__).resolve().parents[1] / "build" / "vnu" / "vnu.jar"))


def checker() -> list[str]:
    java = shutil.which("java")
    if VNU.is_file() and java:
        return [java, "-Xss16m", "-jar", str(VNU)]
    if os.environ.get("WARDSITE_REQUIRE_VNU"):
        pytest.fail(f"the Nu HTML Checker is required: {VNU} {'is missing' if java else 'needs Java'} (run make test)")
    pytest.skip("the Nu HTML Checker is not fetched (make build/vnu/vnu.jar) or Java is missing")


class KeepingClient:
    """A test client that keeps each HTML page it gets."""

    def __init__(self, client):
        self.client, self.pages = client, {}

    def get(self, url):
        response = self.client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            self.pages[url] = response.get_data(as_text=True)
        return response


@pytest.fixture
def site(app, make_app, tmp_path):
    site = make_app(PAGE_CACHE=False, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    result = site.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with site.app_context():
        admin = User(email="kiem-tra-html@example.org", name="Quản trị kiểm tra")
        admin.roles = ["admin"]
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    return site


def test_the_nu_html_checker_finds_no_error_on_any_page(site, tmp_path):
    command = checker()
    anonymous, admin = site.test_client(), site.test_client()
    response = admin.post("/dang-nhap", data={"login": "kiem-tra-html@example.org", "password": PASSWORD})
    assert response.status_code == 303
    files: dict[str, str] = {}
    for name, client in (("anonymous", anonymous), ("admin", admin)):
        keeping = KeepingClient(client)
        crawl(keeping, start_pages(site))
        for number, (url, page) in enumerate(keeping.pages.items()):
            path = tmp_path / "pages" / f"{name}-{number}.html"
            path.parent.mkdir(exist_ok=True)
            path.write_text(page, encoding="utf-8")
            files[str(path)] = f"{name} {url}"
    assert len(files) > 80, "the crawl reached too few pages to say anything"

    run = subprocess.run([*command, "--format", "json", "--errors-only", "--skip-non-html", str(tmp_path / "pages")],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or "{}").get("messages", [])
    errors = [
        f"{files.get('/' + message.get('url', '').removeprefix('file:').lstrip('/'), message.get('url'))} line {message.get('lastLine')}: {message['message']}"
        f"\n      {message.get('extract', '').strip()[:160]}"
        for message in messages if message.get("type") in ("error", "non-document-error") and not HTMX_ATTRIBUTE.match(message["message"])
    ]
    assert errors == [], f"{len(errors)} markup errors:\n" + "\n".join(errors[:60])
