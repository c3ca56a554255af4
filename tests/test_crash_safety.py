"""Crash safety: the site runs under gunicorn as in production (README: two
workers behind a reverse proxy), residents book home visits and volunteers on
duty log guidance sessions at the same time, and the whole server (master and
workers) is killed with SIGKILL in the middle of it. After a restart on the
same database:

- every request the site had answered with success is in the database exactly
  once (a booking by its code, a guidance entry by its unique note);
- nothing is half-written: no booking without its procedures, no entry
  without its procedures or its audit line, no seat held twice;
- residents cut off by the crash press "Book" again and still get one booking;
  volunteers cut off press "Save" again and every entry they sent is there
  exactly once, whether or not the first sending had been stored;
- the site answers and books again; on SQLite the file passes its integrity
  check and the write-ahead log left by the crash is recovered.

It runs on the database the suite is configured for: a SQLite file in a
temporary folder, or PostgreSQL with WARDSITE_TEST_DATABASE_URI.

Everything goes through the real forms with their CSRF tokens, one browser
(cookie jar) per person. Rate limits stay on: like the reverse proxy in
production, every resident arrives with their own X-Forwarded-For address
(WARDSITE_PROXY_COUNT=1), so the per-address booking limit does not mistake
forty residents for one.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tests.conftest import on_postgres
from tests.factories import TAKEN_TEXT, arrange_roster, make_mobile_shift, make_volunteer
from wardsite.extensions import db


ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 2  # as in the README's production command
RESIDENTS = 4  # client threads booking visits
VOLUNTEERS = 4  # client threads logging guidance sessions
# The kill comes once this many of each kind have been answered with success,
# at a moment that varies from run to run within the next KILL_WITHIN seconds,
# while at least WRITES_IN_FLIGHT_AT_KILL forms sent are waiting for their answer.
ACKNOWLEDGED_BEFORE_KILL = 12
KILL_WITHIN = 0.5
WRITES_IN_FLIGHT_AT_KILL = 2
THINK_TIME = 0.05  # seconds at most that a person takes to fill in a form (keeps the clients out of step)
START_TIMEOUT = 30
LOAD_TIMEOUT = 30
REQUEST_TIMEOUT = 15
CONFIRMATION = re.compile(r"/dat-lich/xac-nhan/([A-Z0-9]+)$")
TALLY = re.compile(r"Bạn đã ghi: (\d+) lượt hướng dẫn")
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy from the environment


# The server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def live_processes_in_group(group: int) -> list[int]:
    """Processes of the process group that are still running (zombies are dead)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (name) "
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            alive.append(int(stat.parent.name))
    return alive


class Server:
    """gunicorn serving the site on 127.0.0.1, in its own process group."""

    def __init__(self, database_uri: str, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.env = {
            # The settings are this test's alone, whatever the developer's shell exports.
            **{name: value for name, value in os.environ.items() if not name.startswith("WARDSITE_")},
            "WARDSITE_SQLALCHEMY_DATABASE_URI": database_uri,
            "WARDSITE_SECRET_KEY": "crash-safety-test",  # the same after the restart: sessions survive
            "WARDSITE_UPLOAD_FOLDER": str(folder / "uploads"),
            "WARDSITE_PROXY_COUNT": "1",
            "WARDSITE_CANONICAL_URL": self.url,  # required under gunicorn
        }

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
                 # --preload: the site is imported once, in the master, before forking (it opens
                 # no database connection then); workers start in half the time on two cores.
                 "--preload", "--no-control-socket", "wardsite:create_app()"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with LOOPBACK.open(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:  # 503: the database does not answer yet
                error.close()
                time.sleep(0.1)
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        self.kill()
        pytest.fail(f"gunicorn did not answer /healthz within {START_TIMEOUT}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: nobody cleans up."""
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while live_processes_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not live_processes_in_group(group), "a gunicorn worker survived SIGKILL"

    def log_tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(line for line in text.splitlines() if '"event": "request"' not in line)[-6000:]


# A person's browser --------------------------------------------------------------------


class CutOff(Exception):
    """The connection failed: refused, reset or closed before a whole answer."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Browser:
    """One person: their own cookies (session, CSRF token) and network address."""

    def __init__(self, server: Server, address: str, user_id: int | None = None):
        self.server = server
        self.address = address
        self.user_id = user_id  # a signed-in member of staff
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def get(self, path: str) -> Answer:
        return self._send(urllib.request.Request(self.server.url + path))

    def post(self, path: str, data: dict) -> Answer:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._send(urllib.request.Request(self.server.url + path, data=body, method="POST"))

    def _send(self, request: urllib.request.Request) -> Answer:
        request.add_header("X-Forwarded-For", self.address)
        try:
            try:
                with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                    return Answer(response.status, "", response.read().decode())
            except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
                with error:
                    return Answer(error.code, error.headers.get("Location", ""), error.read().decode())
        except (OSError, http.client.HTTPException) as error:
            raise CutOff(repr(error)) from error


class FormReader(HTMLParser):
    """The fields of the page's forms as a browser sees them: hidden values,
    the choices of radios, checkboxes and selects, and which are preselected."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self.choices: dict[str, list[str]] = {}
        self.selected: dict[str, str] = {}
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.choices.setdefault(name, []).append(attributes.get("value", ""))
            else:
                self.values[name] = attributes.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            self.choices.setdefault(self._select, []).append(value)
            if "selected" in attributes:
                self.selected[self._select] = value

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


# The load ---------------------------------------------------------------------------


@dataclass
class Write:
    """One form sent: what was typed, and what the site answered."""

    browser: Browser
    data: dict
    outcome: str = "not sent"  # "acknowledged", "taken", "cut off" or "unexpected <status>"
    code: str = ""  # a booking's code, from the confirmation address


@dataclass
class Load:
    bookings: list[Write] = field(default_factory=list)
    entries: list[Write] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a client thread's own error
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    residents: int = 0

    def acknowledged(self, writes: list[Write]) -> list[Write]:
        with self.lock:
            return [write for write in writes if write.outcome == "acknowledged"]

    def send(self, write: Write, path: str, rng: random.Random) -> Answer | None:
        time.sleep(rng.uniform(0, THINK_TIME))
        with self.lock:
            self.in_flight += 1
        try:
            return write.browser.post(path, write.data)
        except CutOff:
            write.outcome = "cut off"
            return None
        finally:
            with self.lock:
                self.in_flight -= 1

    def next_resident(self) -> int:
        with self.lock:
            self.residents += 1
            return self.residents


def resident_number_to_address(number: int) -> str:
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


def booking_form(page: FormReader, number: int, rng: random.Random) -> dict | None:
    slots, groups = page.choices.get("slot", []), [g for g in page.choices.get("residential_group", []) if g]
    if not slots or not groups:
        return None
    procedures = page.choices["procedures"]
    return {
        "csrf_token": page.values["csrf_token"],
        "form_token": page.values["form_token"],
        "full_name": f"Cư dân số {number}",
        "phone": f"0988{number:06d}",
        "address": f"Số {number}, ngõ 4, đường Hòa Phong",
        "residential_group": rng.choice(groups),
        "slot": rng.choice(slots),
        "procedures": rng.sample(procedures, rng.randint(1, len(procedures))),
        "help_needed": "Kích hoạt VNeID mức 2",
        "notify_by": "none",
        "consent": "y",
    }


def book_visits(load: Load, server: Server, seed: int) -> None:
    """Residents one after another, each in a new browser: open the form, pick a free time, book."""
    rng = random.Random(seed)
    while not load.stopping.is_set():
        number = load.next_resident()
        browser = Browser(server, resident_number_to_address(number))
        try:
            page = browser.get("/dat-lich/")
        except CutOff:
            return
        data = booking_form(FormReader(page.body), number, rng)
        if data is None:
            load.failures.append(f"no free time left for resident {number}")
            return
        write = Write(browser, data)
        with load.lock:
            load.bookings.append(write)
        answer = load.send(write, "/dat-lich/", rng)
        if answer is None:
            return
        booked = CONFIRMATION.search(answer.location)
        if answer.status == 303 and booked:
            write.code, write.outcome = booked.group(1), "acknowledged"
        elif answer.status == 200 and TAKEN_TEXT in answer.body:
            write.outcome = "taken"  # another resident was a moment faster
        else:
            write.outcome = f"unexpected {answer.status}"


def sign_in(browser: Browser, email: str, password: str) -> Browser:
    page = FormReader(browser.get("/dang-nhap").body)
    answer = browser.post("/dang-nhap", {"csrf_token": page.values["csrf_token"], "login": email, "password": password})
    assert answer.status == 303, answer.body[:2000]
    return browser


def log_guidance(load: Load, browser: Browser, number: int, seed: int) -> None:
    """A volunteer on duty logs one guidance session after another at the station the form proposes."""
    rng = random.Random(seed)
    count = 0
    while not load.stopping.is_set():
        count += 1
        try:
            page = FormReader(browser.get("/tinh-nguyen/ghi-nhan").body)
        except CutOff:
            return
        people = rng.randint(1, 5)
        write = Write(browser, {
            "csrf_token": page.values["csrf_token"],
            "station": page.selected["station"],
            "people_guided": str(people),
            "dossiers_filed": str(rng.randint(0, people)),
            "procedures": rng.sample(page.choices["procedures"], rng.randint(1, len(page.choices["procedures"]))),
            "note": f"Ghi nhận {number}-{count}: cụ bà cần VNeID",
            "form_token": page.values["form_token"],
        })
        with load.lock:
            load.entries.append(write)
        answer = load.send(write, "/tinh-nguyen/ghi-nhan", rng)
        if answer is None:
            return
        if logged(answer):
            write.outcome = "acknowledged"
        else:
            write.outcome = f"unexpected {answer.status}"


def logged(answer: Answer) -> bool:
    return answer.status == 303 and "/tinh-nguyen/ghi-nhan?diem=" in answer.location


def guarded(load: Load, target, *args):
    def run():
        try:
            target(load, *args)
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            load.failures.append(f"{target.__name__}: {error!r}")

    return threading.Thread(target=run, daemon=True)


# The ward ---------------------------------------------------------------------------------


@dataclass
class Ward:
    procedure_names: dict[str, str]  # id (as in forms) -> name
    volunteers: list[tuple[int, str, str]]  # user id, e-mail, password
    leader_id: int


def arrange_ward(app, make_user) -> Ward:
    """A roster to book from (four mobile teams over three days: 111 seats), two
    more published procedures, a leader to notify, and four volunteers with an
    account, on duty now at the counter or an e-station."""
    from wardsite.procedures.models import Procedure
    from wardsite.roster.models import Assignment, Shift
    from wardsite.stations.models import Station
    from wardsite.timeutil import utcnow
    from wardsite.volunteers.models import Volunteer

    roster = arrange_roster(app)
    leader = make_user("leader")
    people = [make_user("volunteer") for _ in range(VOLUNTEERS)]
    with app.app_context():
        db.session.add_all([
            Procedure(code="1.004227", name="Chứng thực bản sao từ bản chính", published=True),
            Procedure(code="2.000488", name="Đăng ký thường trú", published=True),
        ])
        for team in range(3):
            volunteer = make_volunteer(f"Thành viên đội {team}")
            for days in (2, 3, 4):
                make_mobile_shift(roster.day + timedelta(days=days - 2), 7, 19, volunteers=[volunteer])
        stations = [Station(name="Bộ phận một cửa", kind="counter", position=0),
                    Station(name="Điểm TDP 3", kind="estation", residential_group_id=roster.group_id, position=1)]
        db.session.add_all(stations)
        for index, person in enumerate(people):
            station = stations[index % 2]
            shift = Shift(kind=station.kind, station=station, starts_at=utcnow() - timedelta(hours=1),
                          ends_at=utcnow() + timedelta(hours=3), seats=VOLUNTEERS, published_at=utcnow())
            shift.assignments.append(Assignment(volunteer=Volunteer(name=person.name, user_id=person.id)))
            db.session.add(shift)
        db.session.commit()
        names = {str(p.id): p.name for p in db.session.scalars(select(Procedure).where(Procedure.published.is_(True)))}
        db.session.remove()
        db.engine.dispose()  # only gunicorn holds the database from here until the checks
    return Ward(names, [(p.id, p.email, p.password) for p in people], leader.id)


@pytest.fixture
def server(app, database_uri, tmp_path):
    server = Server(database_uri, tmp_path)
    yield server
    server.kill()


def sqlite_path(database_uri: str) -> Path | None:
    return None if on_postgres() else Path(database_uri.removeprefix("sqlite:///"))


# The test ------------------------------------------------------------------------------------


def test_nothing_acknowledged_is_lost_when_the_server_is_killed_mid_load(app, make_user, server, database_uri):
    from wardsite.timeutil import local_today

    ward = arrange_ward(app, make_user)
    first_day = local_today()  # the ward's date: a run may cross midnight in Asia/Ho_Chi_Minh
    server.start()
    volunteers = [sign_in(Browser(server, f"192.168.1.{number}", user_id), email, password)
                  for number, (user_id, email, password) in enumerate(ward.volunteers, start=1)]
    load = load_until_killed(server, volunteers)
    assert load.failures == []
    assert [w.outcome for w in load.bookings + load.entries if w.outcome.startswith("unexpected")] == [], server.log_tail()
    acknowledged = load.acknowledged(load.bookings)
    database_file = sqlite_path(database_uri)
    if database_file is not None:
        # The crash left its write-ahead log behind: the restart has to recover it.
        assert Path(f"{database_file}-wal").stat().st_size > 0

    server.start()  # on the same port and database; /healthz answers
    resend_cut_off_bookings(load)
    resend_cut_off_entries(load)
    # Residents reopen their confirmation page: the booking is there, with its procedures.
    for write in acknowledged:
        page = write.browser.get(f"/dat-lich/xac-nhan/{write.code}")
        assert page.status == 200 and write.code in page.body
        assert all(ward.procedure_names[pid] in page.body for pid in write.data["procedures"])
    # Volunteers see their day's count: every entry they sent, once. The count is the
    # ward's today: if the run crossed midnight, earlier entries are yesterday's
    # (check_guidance_entries counts them all, by volunteer, whatever their day).
    tallies = {browser.user_id: TALLY.search(browser.get("/tinh-nguyen/ghi-nhan").body) for browser in volunteers}
    one_day = local_today() == first_day
    for browser in volunteers:
        sent = sum(1 for w in load.entries if w.browser is browser)
        tally = tallies[browser.user_id]
        assert tally is not None
        assert int(tally.group(1)) == sent if one_day else int(tally.group(1)) <= sent
    # A new resident books as if nothing had happened.
    newcomer = Write(Browser(server, "10.200.0.1"), {})
    newcomer.data = booking_form(FormReader(newcomer.browser.get("/dat-lich/").body), 999_999, random.Random(7))
    answer = newcomer.browser.post("/dat-lich/", newcomer.data)
    booked = CONFIRMATION.search(answer.location)
    assert answer.status == 303 and booked, answer.body[:2000]
    newcomer.code, newcomer.outcome = booked.group(1), "acknowledged"
    server.kill()  # the checks below read the database with nobody else on it

    check_bookings(app, load.bookings + [newcomer], ward)
    check_guidance_entries(app, load.entries)
    if database_file is not None:
        check_sqlite_file(database_file)


def load_until_killed(server: Server, volunteers: list[Browser]) -> Load:
    """Residents and volunteers at work; SIGKILL once enough has been answered
    with success, at a random moment with forms on their way."""
    load = Load()
    threads = [guarded(load, book_visits, server, seed) for seed in range(RESIDENTS)]
    threads += [guarded(load, log_guidance, browser, number, 100 + number)
                for number, browser in enumerate(volunteers, start=1)]
    for thread in threads:
        thread.start()
    deadline, kill_at = time.monotonic() + LOAD_TIMEOUT, None
    while time.monotonic() < deadline and not load.failures:
        with load.lock:
            writing = load.in_flight
        if kill_at is None and (len(load.acknowledged(load.bookings)) >= ACKNOWLEDGED_BEFORE_KILL
                                and len(load.acknowledged(load.entries)) >= ACKNOWLEDGED_BEFORE_KILL):
            kill_at = time.monotonic() + random.uniform(0, KILL_WITHIN)
        if kill_at is not None and time.monotonic() >= kill_at and writing >= WRITES_IN_FLIGHT_AT_KILL:
            break
        time.sleep(0.002)
    else:
        load.stopping.set()
        pytest.fail(f"the load did not get going: {load.failures}\n{server.log_tail()}")
    server.kill()
    load.stopping.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    assert not any(thread.is_alive() for thread in threads)
    return load


def resend_cut_off_bookings(load: Load) -> None:
    """Residents whose "Book" was cut off press it again: the same form from the
    same browser. Booked before the crash or now, or told the time is taken."""
    for write in [w for w in load.bookings if w.outcome == "cut off"]:
        answer = write.browser.post("/dat-lich/", write.data)
        booked = CONFIRMATION.search(answer.location)
        if answer.status == 303 and booked:
            write.code, write.outcome = booked.group(1), "acknowledged after the restart"
        else:
            assert answer.status == 200 and TAKEN_TEXT in answer.body, (answer.status, answer.body[:2000])
            write.outcome = "taken"


def resend_cut_off_entries(load: Load) -> None:
    """Volunteers whose "Save" was cut off press it again: the same form (with its
    one-time token) from the same browser. Stored before the crash or now, once."""
    for write in [w for w in load.entries if w.outcome == "cut off"]:
        answer = write.browser.post("/tinh-nguyen/ghi-nhan", write.data)
        assert logged(answer), (answer.status, answer.location, answer.body[:2000])
        write.outcome = "acknowledged after the restart"


# The checks on the database --------------------------------------------------------------------


def check_bookings(app, bookings: list[Write], ward: Ward) -> None:
    from wardsite.timeutil import to_local
    from wardsite.visits.models import ACTIVE, Visit
    from wardsite.mail import OutboxMessage

    sent = {write.data["form_token"]: write for write in bookings}
    with app.app_context():
        visits = db.session.scalars(select(Visit).options(selectinload(Visit.procedures))).all()
        notified = set(db.session.scalars(select(OutboxMessage.dedupe_key)))
    by_code = {visit.code: visit for visit in visits}
    # Every booking in the database is one a resident sent, whole: with all its procedures.
    for visit in visits:
        write = sent.get(visit.form_token)
        assert write is not None, f"booking {visit.code} matches no form that was sent"
        assert (visit.phone, visit.full_name, to_local(visit.slot_start).strftime("%Y-%m-%dT%H:%M")) == (
            write.data["phone"], write.data["full_name"], write.data["slot"])
        assert [str(p.id) for p in visit.procedures] == sorted(write.data["procedures"], key=int), \
            f"booking {visit.code} is half-written: its procedures are missing"
        assert visit.seat == 1 and visit.status in ACTIVE
    # Every stored booking has its leader's notice: it is queued in the booking's own transaction.
    assert [v.code for v in visits if f"visit-new:{v.id}:{ward.leader_id}" not in notified] == []
    # One code, one booking; one resident (one phone), one booking; one seat, one booking.
    assert len(by_code) == len(visits)
    assert [phone for phone, count in Counter(v.phone for v in visits).items() if count > 1] == []
    assert [seat for seat, count in Counter((v.shift_id, v.slot_start) for v in visits).items() if count > 1] == []
    # Every booking answered with success is there, under the code the resident was given.
    for write in bookings:
        if write.outcome.startswith("acknowledged"):
            visit = by_code.get(write.code)
            assert visit is not None, f"booking {write.code} was confirmed, then lost"
            assert visit.form_token == write.data["form_token"]
        elif write.outcome == "taken":
            assert write.data["form_token"] not in {v.form_token for v in visits}


def check_guidance_entries(app, entries: list[Write]) -> None:
    from wardsite.audit import AuditEntry
    from wardsite.stats.models import GuidanceSession

    sent = {write.data["note"]: write for write in entries}
    with app.app_context():
        rows = db.session.scalars(select(GuidanceSession).options(selectinload(GuidanceSession.links))).all()
        audited = Counter(db.session.scalars(
            select(AuditEntry.target_id).where(AuditEntry.action == "guidance_session.logged")))
    assert [note for note, count in Counter(row.note for row in rows).items() if count > 1] == [], "an entry stored twice"
    for row in rows:
        write = sent.get(row.note)
        assert write is not None, f"entry {row.note!r} matches no form that was sent"
        # Whole: its figures, who logged it, its procedures with the copied figures, its audit line.
        assert (str(row.station_id), str(row.people_guided), str(row.dossiers_filed), row.logged_by_id) == (
            write.data["station"], write.data["people_guided"], write.data["dossiers_filed"], write.browser.user_id)
        assert row.volunteer_id is not None
        assert sorted(str(link.procedure_id) for link in row.links) == sorted(write.data["procedures"]), \
            f"entry {row.note!r} is half-written: its procedures are missing"
        assert all((link.people_guided, link.dossiers_filed, link.day) == (row.people_guided, row.dossiers_filed, row.day)
                   for link in row.links)
        assert audited[str(row.id)] == 1, f"entry {row.note!r} has {audited[str(row.id)]} audit lines"
        assert row.form_token == write.data["form_token"]
    assert sum(audited.values()) == len(rows), "an audit line for an entry that is not there"
    stored = {row.note for row in rows}
    lost = [w.data["note"] for w in entries if w.outcome.startswith("acknowledged") and w.data["note"] not in stored]
    assert lost == [], "guidance entries confirmed, then lost"
    # Every form sent was answered with success in the end (cut-off ones on the resend):
    # each volunteer has exactly the entries they sent, on whichever day they fell.
    assert [w.outcome for w in entries if not w.outcome.startswith("acknowledged")] == []
    assert Counter(row.logged_by_id for row in rows) == Counter(w.browser.user_id for w in entries)


def check_sqlite_file(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        # Nobody else has the file open: the whole log merges into the database file.
        busy, _frames, _merged = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        assert Path(f"{path}-wal").stat().st_size == 0
    finally:
        connection.close()
