"""Bounded queries: no page runs more SQL statements when there is more data.

The demo site is crawled twice over the same addresses, anonymously and
signed in as an administrator (every staff list page is a starting point, so
none is missed): once with the demo data plus a little of everything, and once
after much more has been added to every area (articles and comments,
procedures with papers, steps and channels, stations, volunteers with their
availability, shifts, assignments and swaps, home visits with procedures and
teams, guidance entries, accounts, audit entries, outbox messages). A page
whose statement count grew runs a query per row somewhere; the test names it
with both counts. The first pass already has a few rows of every kind, so a
query that runs only when a list is not empty (an eager load of an empty list
runs nothing) counts in both passes.

The app is made with PAGE_CACHE=False: every request does the real work, and a
page served from a cache on the second pass cannot hide a growing count.

Every public page of the load benchmark (benchmarks/load.py) is among them:
the crawl must reach each kind, and the requests no link makes (a search, and
the results partial the htmx search box asks for) are added by hand. The
growth adds comments to the articles there are too, so an article page first
seen with two comments has many more the second time.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time, timedelta
from itertools import count

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, sql_statements
from tests.sweep import SKIP_PATHS, crawl
from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.news.models import COMMENT_APPROVED, COMMENT_WAITING, DRAFT, PUBLISHED, Article, Comment
from wardsite.procedures.models import Channel, Document, Procedure, Sector, Step
from wardsite.roster.models import Assignment, Shift, ShiftTemplate, SwapOffer
from wardsite.stations.models import Closure, OpeningHours, Station, StationHost
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import from_local, local_now, local_today, utcnow
from wardsite.visits.models import CANCELLED, CONFIRMED, DONE, REQUESTED, Visit
from wardsite.volunteers.models import DAY_PARTS, DateAway, Volunteer

# No page needs more, whatever the data; a query per row of a full page of
# twenty or more rows breaks it even where the growth check cannot see it.
MAX_STATEMENTS = 30

# The second pass adds this many times what the first pass added.
GROWTH = 12


# Builders: compact, straight on the models -----------------------------------------


class Grower:
    """Adds rows to every area; each call adds `scale` times a small, varied set.

    Related rows are spread over new sectors, groups, stations, authors and
    volunteers, so a lazy load per row cannot hide in the identity map.
    """

    def __init__(self, admin_id: int):
        self.admin_id = admin_id
        self.numbers = count(1)

    def grow(self, scale: int) -> None:

        self.today, self.now = local_today(), utcnow()
        users = self.users(scale)
        groups = self.groups(max(1, scale // 3))
        procedures = self.procedures(scale * 3)
        self.articles(scale * 4, [u for u in users if "editor" in u.roles])
        stations = self.stations(max(1, scale // 3), groups)
        volunteers = self.volunteers(scale * 3, groups, [u for u in users if u.roles == {"volunteer"}])
        shifts = self.shifts(scale * 4, stations, volunteers)
        self.visits(scale * 4, groups, procedures, volunteers)
        self.guidance(scale * 6, stations, groups, procedures, volunteers, users)
        self.comments_on_every_article(scale * 2, users)
        self.audit(scale * 10, users)
        self.outbox(scale * 3)
        self.swaps(shifts)
        db.session.commit()

    def next(self) -> int:
        return next(self.numbers)

    @staticmethod
    def spread(index: int, days: int) -> int:
        """Days from today for the index-th row: 0, +1, -1, +2, -2… within ±days//2,
        so even a few rows fall on today, in the past and in the future."""
        offset = (index + 1) // 2 % (days // 2 + 1)
        return offset if index % 2 else -offset

    def users(self, n):

        users = []
        for role in (["editor", "leader", "volunteer"] * n)[:max(n, 3)]:
            number = self.next()
            user = User(email=f"them-{number}@example.org", name=f"Người dùng thêm {number}", password_hash="!")
            user.roles = [role]
            users.append(user)
        db.session.add_all(users)
        return users

    def groups(self, n):
        groups = []
        for _ in range(n):
            number = self.next()
            groups.append(ResidentialGroup(name=f"Tổ dân phố thêm {number}", cultural_house_address=f"Số {number} đường Mới",
                                           position=100 + number))
        db.session.add_all(groups)
        return groups

    def procedures(self, n):

        procedures = []
        for index in range(n):
            number = self.next()
            if index % 3 == 0:
                sector = Sector(name=f"Lĩnh vực thêm {number}", slug=f"linh-vuc-them-{number}")
            procedure = Procedure(
                code=f"9.{number:06d}", name=f"Thủ tục thêm số {number}", decision_number=f"{number}/QĐ-UBND", sector=sector,
                level="ward", online=("full", "partial", "none")[index % 3], published=index % 4 != 3,
                applicants="Công dân", authority="UBND phường", result="Giấy xác nhận", last_checked_on=self.today,
                steps=[Step(position=p, text=f"Bước {p + 1}: nộp hồ sơ {number}") for p in range(3)],
                documents=[Document(position=p, name=f"Giấy tờ {p + 1} của thủ tục {number}", originals=1, copies=p) for p in range(3)],
                channels=[Channel(position=p, kind=kind, processing_time="1 ngày", fee="Miễn phí")
                          for p, kind in enumerate(("in_person", "online", "post"))],
            )
            procedure.refresh_search_text()
            procedures.append(procedure)
        db.session.add_all(procedures)
        return procedures

    def articles(self, n, authors):

        for index in range(n):
            number = self.next()
            article = Article(kind=("news", "notice", "guide")[index % 3], summary=f"Tóm tắt {number}",
                              body=f"Nội dung bài **{number}**.", author=authors[index % len(authors)],
                              status=DRAFT if index % 5 == 4 else PUBLISHED, rating_count=1, rating_total=4,
                              published_at=self.now - timedelta(minutes=number) if index % 7 else self.now + timedelta(days=3))
            article.set_title(f"Tin thêm số {number}")
            article.comments = [
                Comment(author_name=f"Bạn đọc {number}-{c}", body="Cảm ơn phường.", status=(COMMENT_APPROVED, COMMENT_WAITING)[c % 2])
                for c in range(3)
            ]
            db.session.add(article)

    def comments_on_every_article(self, n, users):
        """Comments, answered or not (by different people), on every article
        there is: the article pages the first pass saw show more of them the
        second time."""
        for article in db.session.scalars(select(Article)):
            for c in range(n):
                number = self.next()
                comment = Comment(article=article, author_name=f"Bạn đọc thêm {number}", body="Xin hỏi phường.",
                                  status=(COMMENT_APPROVED, COMMENT_WAITING)[c % 3 == 2])
                if c % 2:
                    comment.reply_body, comment.replied_at = "Phường trả lời.", self.now
                    comment.replied_by = users[(number + c) % len(users)]
                db.session.add(comment)

    def stations(self, n, groups):

        stations = []
        week = self.today - timedelta(days=self.today.weekday())
        for index in range(n):
            number = self.next()
            group = groups[index % len(groups)]
            station = Station(
                name=f"Tổ dân phố điện tử thêm {number}", kind="estation", residential_group=group, position=100 + number,
                address=group.cultural_house_address, equipment="Máy tính",
                hours=[OpeningHours(weekday=d, opens=time(8), closes=time(11)) for d in range(7)],
                closures=[Closure(start_date=self.today + timedelta(days=30), end_date=self.today + timedelta(days=32), reason="Sửa chữa")],
                hosts=[StationHost(week_start=week + timedelta(weeks=1), residential_group=groups[(index + 1) % len(groups)])],
            )
            db.session.add(ShiftTemplate(kind="estation", station=station, weekday=index % 7, starts=time(14), ends=time(16), seats=2))
            stations.append(station)
        db.session.add_all(stations)
        return stations

    def volunteers(self, n, groups, accounts):

        volunteers = []
        for index in range(n):
            number = self.next()
            volunteer = Volunteer(
                name=f"Tình nguyện viên thêm {number}", phone=f"09{number:08d}", email=f"tnv-them-{number}@example.org",
                branch=f"Chi đoàn {index % 4}", residential_group=groups[index % len(groups)], experienced=index % 2 == 0,
                user=accounts[index] if index < len(accounts) else None,
                dates_away=[DateAway(start_date=self.today + timedelta(days=20), end_date=self.today + timedelta(days=22))],
            )
            volunteer.skills = ["vneid", "ho_tich"]
            volunteer.set_weekly_cells({(day, part) for day in range(7) for part in DAY_PARTS})
            volunteers.append(volunteer)
        db.session.add_all(volunteers)
        db.session.flush()
        me = db.session.scalar(select(Volunteer).where(Volunteer.user_id == self.admin_id))
        return [me, *volunteers]

    def shifts(self, n, stations, volunteers):
        """Published shifts from last week to next week (the roster's and the
        volunteer's weeks), each filled by volunteers of its own."""

        shifts = []
        for index in range(n):
            day = self.today + timedelta(days=self.spread(index, 15))
            start = from_local(datetime.combine(day, time(6 + index % 14)))
            station = None if index % 4 == 0 else stations[index % len(stations)]
            shift = Shift(kind="mobile" if station is None else "estation", station=station, starts_at=start,
                          ends_at=start + timedelta(hours=1), seats=3, published_at=self.now)
            # The signed-in administrator is a volunteer too: their own pages grow as well.
            team = [volunteers[0]] if index % 3 == 0 else []
            team += [volunteers[1 + (index * 2 + k) % (len(volunteers) - 1)] for k in range(2)]
            shift.assignments = [Assignment(volunteer=v, attendance=("present", None)[k % 2]) for k, v in enumerate(dict.fromkeys(team))]
            shifts.append(shift)
        # The administrator is on a station's shift now at every scale: the
        # guidance log's "on shift" figures are on the page before and after
        # the growth, whatever the hour the test runs at.
        now = from_local(local_now().replace(minute=0, second=0, microsecond=0, tzinfo=None))
        shifts.append(Shift(kind="estation", station=stations[0], starts_at=now, ends_at=now + timedelta(hours=1), seats=3,
                            published_at=self.now, assignments=[Assignment(volunteer=volunteers[0])]))
        db.session.add_all(shifts)
        return shifts

    def swaps(self, shifts):

        for shift in shifts[1::3]:
            assignment = shift.assignments[-1]
            db.session.add(SwapOffer(shift=shift, from_volunteer=assignment.volunteer, status="open"))

    def visits(self, n, groups, procedures, volunteers):

        for index in range(n):
            # A mobile-team shift of its own per visit: the slot is always free.
            day = self.today + timedelta(days=self.spread(index, 9))
            start = from_local(datetime.combine(day, time(7 + index % 12)))
            shift = Shift(kind="mobile", starts_at=start, ends_at=start + timedelta(hours=1), seats=2, published_at=self.now,
                          assignments=[Assignment(volunteer=volunteers[1 + index % (len(volunteers) - 1)])])
            status = (REQUESTED, CONFIRMED, DONE, CANCELLED)[index % 4]
            number = self.next()
            visit = Visit(
                shift=shift, slot_start=start, slot_end=start + timedelta(hours=1), status=status,
                seat=None if status == CANCELLED else 1, full_name=f"Cư dân {number}", phone=f"03{number:08d}",
                address=f"Số {number} đường Mới", help_needed="Kích hoạt VNeID", residential_group=groups[index % len(groups)],
                consent_at=self.now, procedures=procedures[index % len(procedures):][:2],
                chosen_team=[volunteers[1 + (index + 1) % (len(volunteers) - 1)]] if index % 2 else [],
            )
            if status == DONE:
                visit.record_outcome(2, 1, "", "", visit.procedures[:1])
                visit.rating = 5
            db.session.add(visit)

    def guidance(self, n, stations, groups, procedures, volunteers, users):

        for index in range(n):
            day = self.today - timedelta(days=index % 20)
            db.session.add(GuidanceSession(
                station=stations[index % len(stations)], residential_group=groups[index % len(groups)],
                volunteer=volunteers[index % len(volunteers)],
                **({"logged_by_id": self.admin_id} if index % 2 == 0 else {"logged_by": users[index % len(users)]}),
                logged_at=self.now - timedelta(days=index % 20), day=day, people_guided=1 + index % 3, dossiers_filed=index % 2,
                note="Kích hoạt VNeID", procedures=procedures[index % len(procedures):][:2],
            ))

    def audit(self, n, users):

        for index in range(n):
            db.session.add(AuditEntry(user_name=users[index % len(users)].name, action="article.published",
                                      target_type="Article", target_id=str(index), summary=f"Mục nhật ký {self.next()}"))

    def outbox(self, n):

        for _ in range(n):
            number = self.next()
            db.session.add(OutboxMessage(recipient=f"tnv-them-{number}@example.org", subject=f"Lịch trực {number}",
                                         body="Bạn có ca trực.", dedupe_key=f"them-{number}"))


# The test ----------------------------------------------------------------------------


def start_pages(app) -> list[str]:
    """Every page without arguments that answers GET: the home page, each
    public page and each staff list page, whether or not a menu links to it."""
    pages = ["/"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP_PATHS):
            pages.append(rule.rule)
    return sorted(set(pages), key=pages.index)


# Public requests no link makes: (name, address, headers). The search box's
# htmx request gets the results partial only (benchmarks/load.py measures it).
SEARCH_PARTIAL = {"HX-Request": "true", "HX-Target": "procedure-results", "HX-Current-URL": "http://localhost/thu-tuc/"}
PUBLIC_REQUESTS = [
    ("/thu-tuc/?q=khai+sinh", "/thu-tuc/?q=khai+sinh", {}),
    ("/thu-tuc/?q=thu+tuc+them", "/thu-tuc/?q=thu+tuc+them", {}),
    ("/thu-tuc/?q=khai+sinh [htmx partial]", "/thu-tuc/?q=khai+sinh", SEARCH_PARTIAL),
    ("/thu-tuc/?q=thu+tuc+them [htmx partial]", "/thu-tuc/?q=thu+tuc+them", SEARCH_PARTIAL),
]
# The public pages of the load benchmark, as the crawl must reach them (a pattern each).
BENCHMARK_PAGES = {
    "home": r"/",
    "news list": r"/tin-tuc/",
    "an article": r"/tin-tuc/\d+-[^/?]+",
    "procedure list": r"/thu-tuc/",
    "a procedure": r"/thu-tuc/\d\.[^/?]+",
    "booking form": r"/dat-lich/",
    "public statistics": r"/thong-ke/",
}


class CountingClient:
    """A test client that keeps the statements of each page it gets, by address
    (or by the name given for a request with headers of its own)."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.statements: dict[str, list[str]] = {}

    def get(self, url, headers=None, name=None):
        with sql_statements(self.app) as run:
            response = self.client.get(url, headers=headers or {})
            response.get_data()  # a streamed export runs its queries while it is read
        self.statements[name or url] = run
        return response


def measure(app, client, urls, extra=()) -> dict[str, list[str]]:
    counting_client = CountingClient(app, client)
    for url in urls:
        counting_client.get(url).close()
    for name, url, headers in extra:
        response = counting_client.get(url, headers, name)
        assert response.status_code == 200, (name, response.status_code)
        response.close()
    return counting_client.statements


def growth(before: list[str], after: list[str]) -> str:
    """The statements a page ran more often the second time, shortened."""
    more = Counter(after)
    more.subtract(Counter(before))
    return "".join(
        f"\n    {times} more × {' '.join(statement.split())[:160]}" for statement, times in more.most_common(3) if times > 0
    )


@pytest.fixture
def site(app, make_app, tmp_path):
    """The demo site with an administrator who is also a volunteer. `app` is
    requested so the database is cleaned after the test."""

    site = make_app(PAGE_CACHE=False, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    (tmp_path / "instance").mkdir(exist_ok=True)
    result = site.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with site.app_context():
        admin = User(email="quan-tri-kiem-tra@example.org", name="Quản trị kiểm tra")
        admin.roles = ["admin"]
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.add(Volunteer(name=admin.name, email=admin.email, user=admin))
        db.session.commit()
        site.config["ADMIN_ID"] = admin.id
    return site


def test_no_page_runs_more_statements_with_more_data(site):
    anonymous, admin = site.test_client(), site.test_client()
    response = admin.post("/dang-nhap", data={"login": "quan-tri-kiem-tra@example.org", "password": PASSWORD})
    assert response.status_code == 303
    grower = Grower(site.config["ADMIN_ID"])
    with site.app_context():
        grower.grow(1)

    visitors = {"anonymous": anonymous, "admin": admin}
    extra = {"anonymous": PUBLIC_REQUESTS, "admin": []}
    pages, before = {}, {}
    for name, client in visitors.items():
        # The crawl's own visits are the first count.
        crawler = CountingClient(site, client)
        pages[name] = list(crawl(crawler, start_pages(site))[0])
        before[name] = measure(site, client, [], extra[name]) | crawler.statements
    assert len(pages["admin"]) > 60 and "/quan-tri/lich-truc/" in pages["admin"]
    assert {"/thu-tuc/export.csv", "/thu-tuc/export.json"} <= set(pages["anonymous"])
    assert any(url.endswith((".xlsx", ".csv")) and url.startswith("/quan-tri/") for url in pages["admin"])
    missing = [label for label, pattern in BENCHMARK_PAGES.items()
               if not any(re.fullmatch(pattern, url) for url in pages["anonymous"])]
    assert missing == [], f"the crawl no longer reaches these public pages: {missing}"

    with site.app_context():
        grower.grow(GROWTH)
    after = {name: measure(site, visitors[name], urls, extra[name]) for name, urls in pages.items()}
    for name, requests in extra.items():
        pages[name] += [request_name for request_name, _, _ in requests]

    grew = [
        f"{name} {url}: {len(before[name][url])} → {len(after[name][url])} statements{growth(before[name][url], after[name][url])}"
        for name in visitors for url in pages[name] if len(after[name][url]) > len(before[name][url])
    ]
    assert grew == [], "pages that run more statements with more data:\n" + "\n".join(grew)
    heavy = [
        f"{name} {url}: {len(after[name][url])} statements"
        for name in visitors for url in pages[name] if len(after[name][url]) > MAX_STATEMENTS
    ]
    assert heavy == [], f"pages over {MAX_STATEMENTS} statements:\n" + "\n".join(heavy)
