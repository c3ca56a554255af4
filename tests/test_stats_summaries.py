"""The figures' summaries: always equal to the sums of the rows they summarise.

- On random data (entries and visits added, edited, deleted, closed and
  reopened, in random batches), the summary tables equal the sums worked out
  here from the raw rows, and the public figures and the report equal the
  raw figures.
- Entries logged at the same moment from many threads for the same day and
  station all count (on SQLite, and on PostgreSQL with WARDSITE_TEST_DATABASE_URI).
- `flask stats rebuild-summaries` repairs summaries written around the site.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.stations.models import Station
from wardsite.stats import reports, services
from wardsite.stats.summary_tables import covering
from wardsite.stats.models import GuidanceDaySummary, GuidanceProcedureSummary, GuidanceSession
from wardsite.timeutil import local_today, to_local, utcnow
from wardsite.visits import figures as visit_figures
from wardsite.visits.models import CANCELLED, CONFIRMED, DONE, NO_SHOW, REQUESTED, Visit


def add_places() -> dict:
    groups = [ResidentialGroup(name=f"Tổ dân phố {n}", position=n) for n in range(1, 4)]
    stations = [Station(name="Bộ phận một cửa", kind="counter", position=0)] + [
        Station(name=f"Điểm TDP {n}", kind="estation", residential_group=group, position=n)
        for n, group in enumerate(groups[:2], start=1)
    ]
    sector = Sector(name="Hộ tịch", slug="ho-tich")
    procedures = [Procedure(code=f"1.00{n}", name=f"Thủ tục {n}", sector=sector, published=True) for n in range(5)]
    db.session.add_all([*groups, *stations, *procedures])
    db.session.commit()
    return {"groups": groups, "stations": stations, "procedures": procedures}


# The figures worked out from the raw rows, without the summaries -------------------


def raw_sums(start, end) -> dict:
    """Every summary's content and the public totals, added up here from the rows."""
    guidance_days, guidance_procedures = defaultdict(Counter), defaultdict(Counter)
    for entry in db.session.scalars(select(GuidanceSession).options(selectinload(GuidanceSession.links))):
        key = (entry.day, entry.station_id or 0, entry.residential_group_id or 0)
        guidance_days[key].update(sessions=1, people=entry.people_guided, dossiers=entry.dossiers_filed)
        for link in entry.links:
            guidance_procedures[(link.day, link.procedure_id)].update(
                sessions=1, people=link.people_guided, dossiers=link.dossiers_filed)
    visit_days, visit_procedures = defaultdict(Counter), defaultdict(Counter)
    for visit in db.session.scalars(select(Visit).options(selectinload(Visit.procedures_done))):
        # Closed, and not closed before its slot began.
        if visit.status not in (DONE, NO_SHOW) or (visit.closed_at and visit.closed_at < visit.slot_start):
            continue
        day = to_local(visit.slot_start).date()
        visit_days[(day, visit.residential_group_id or 0, visit.status)].update(
            visits=1, people=visit.people_guided or 0, dossiers=visit.dossiers_filed or 0,
            ratings=int(visit.rating is not None), rating_total=visit.rating or 0)
        if visit.status == DONE:
            for procedure in visit.procedures_done:
                visit_procedures[(day, procedure.id)].update(
                    visits=1, people=visit.people_guided or 0, dossiers=visit.dossiers_filed or 0)
    def by_period(sums: dict) -> dict:
        """Each day's sums under ("d", day, ...) and again under ("m", first of its month, ...)."""
        periods = defaultdict(Counter)
        for (day, *rest), counter in sums.items():
            periods[("d", day, *rest)].update(counter)
            periods[("m", day.replace(day=1), *rest)].update(counter)
        return periods

    in_range = lambda sums: sum((c for (day, *_), c in sums.items() if start <= day <= end), Counter())  # noqa: E731
    sessions, visits = in_range(guidance_days), in_range({k: c for k, c in visit_days.items() if k[2] == DONE})
    return {
        "tables": {
            "guidance_day": {k: tuple(c[n] for n in ("sessions", "people", "dossiers"))
                             for k, c in by_period(guidance_days).items()},
            "guidance_procedure": {k: tuple(c[n] for n in ("sessions", "people", "dossiers"))
                                   for k, c in by_period(guidance_procedures).items()},
            "visit_day": {k: tuple(c[n] for n in ("visits", "people", "dossiers", "ratings", "rating_total"))
                          for k, c in by_period(visit_days).items()},
            "visit_procedure": {k: tuple(c[n] for n in ("visits", "people", "dossiers"))
                                for k, c in by_period(visit_procedures).items()},
        },
        "public": {
            "people_guided": sessions["people"] + visits["people"],
            "dossiers_filed": sessions["dossiers"] + visits["dossiers"],
            "visits_done": visits["visits"],
            "ratings": visits["ratings"],
        },
        "sessions": sessions["sessions"],
        "procedure_times": sum((c["sessions"] for (day, _p), c in guidance_procedures.items() if start <= day <= end))
        + sum((c["visits"] for (day, _p), c in visit_procedures.items() if start <= day <= end)),
    }


def summary_tables() -> dict:
    def rows(model, keys, values):
        return {
            tuple(getattr(row, k) for k in keys): tuple(getattr(row, v) for v in values)
            for row in db.session.scalars(select(model))
            if any(getattr(row, v) for v in values)
        }

    return {
        "guidance_day": rows(GuidanceDaySummary, ("period", "day", "station_id", "residential_group_id"),
                             ("sessions", "people_guided", "dossiers_filed")),
        "guidance_procedure": rows(GuidanceProcedureSummary, ("period", "day", "procedure_id"),
                                   ("sessions", "people_guided", "dossiers_filed")),
        "visit_day": rows(visit_figures.VisitDaySummary, ("period", "day", "residential_group_id", "status"),
                          ("visits", "people_guided", "dossiers_filed", "ratings", "rating_total")),
        "visit_procedure": rows(visit_figures.VisitProcedureSummary, ("period", "day", "procedure_id"),
                                ("visits", "people_guided", "dossiers_filed")),
    }


def ranges(today) -> list[tuple]:
    """Days at either end of a month, whole months, a range inside one month, one day."""
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    return [(today - timedelta(days=40), today), (last_month, first - timedelta(days=1)), (last_month, today),
            (last_month + timedelta(days=3), first + timedelta(days=2)), (today - timedelta(days=2), today),
            (today, today), (today - timedelta(days=60), today + timedelta(days=31))]


def assert_summaries_match(app):
    with app.test_request_context():
        for start, end in ranges(local_today()):
            assert_range_matches(start, end)


def assert_range_matches(start, end):
    raw = raw_sums(start, end)
    assert summary_tables() == raw["tables"]
    public = reports.public_figures(start, end)
    assert {key: public[key] for key in raw["public"]} == raw["public"]
    report = reports.build_report(start, end)
    assert report.totals.sessions == raw["sessions"]
    assert sum(row[2] for row in report.breakdown("thu-tuc").rows) == raw["procedure_times"]
    assert sum(row[1] for row in report.breakdown("to-dan-pho").rows) == raw["public"]["people_guided"]
    assert sum(row[1] for row in report.breakdown("thang").rows) == raw["public"]["people_guided"]


# Random histories ---------------------------------------------------------------------


def random_history(rng: random.Random, places: dict, steps: int) -> None:
    """Add, edit, delete entries; book, close, reopen, rate, move and delete
    visits; commit now and then, sometimes flushing twice in one transaction."""
    today = local_today()
    procedures, stations, groups = places["procedures"], places["stations"], places["groups"]

    def some_procedures():
        return rng.sample(procedures, rng.randint(0, 3))

    for _ in range(steps):
        entries = db.session.scalars(select(GuidanceSession)).all()
        visits = db.session.scalars(select(Visit)).all()
        action = rng.choice(["add", "add", "add", "edit", "delete", "visit", "visit", "close", "close", "reopen",
                             "rate", "regroup", "delete_visit", "flush"])
        if action == "add" or (not entries and action in ("edit", "delete")):
            moment = utcnow() - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 23))
            db.session.add(GuidanceSession(
                station=rng.choice(stations), logged_at=moment, people_guided=rng.randint(1, 6),
                dossiers_filed=rng.randint(0, 4), procedures=some_procedures(),
            ))
        elif action == "edit":
            entry = rng.choice(entries)
            entry.people_guided, entry.dossiers_filed = rng.randint(1, 9), rng.randint(0, 9)
            if rng.random() < 0.3:
                entry.day = today - timedelta(days=rng.randint(0, 45))
            if rng.random() < 0.3:
                entry.station = rng.choice(stations)
                entry.residential_group = rng.choice([None, *groups])
            entry.set_procedures(some_procedures() if rng.random() < 0.7 else entry.procedures)
        elif action == "delete":
            db.session.delete(rng.choice(entries))
        elif action == "visit" or not visits:
            start = utcnow() - timedelta(days=rng.randint(-3, 45), hours=rng.randint(0, 23))
            db.session.add(Visit(slot_start=start, slot_end=start + timedelta(hours=1), full_name="Người dân",
                                 status=rng.choice([REQUESTED, CONFIRMED]), residential_group=rng.choice([None, *groups])))
        elif action == "close":
            visit = rng.choice(visits)
            if rng.random() < 0.7:
                visit.record_outcome(rng.randint(1, 5), rng.randint(0, 3), "", "", some_procedures())
            else:
                visit.mark_no_show()
        elif action == "reopen":
            visit = rng.choice(visits)
            visit.status, visit.closed_at = rng.choice([CONFIRMED, CANCELLED]), None
            visit.people_guided = visit.dossiers_filed = None
        elif action == "rate":
            rng.choice(visits).rating = rng.choice([None, 1, 3, 4, 5])
        elif action == "regroup":
            rng.choice(visits).residential_group = rng.choice([None, *groups])
        elif action == "delete_visit":
            db.session.delete(rng.choice(visits))
        else:
            db.session.flush()
        if rng.random() < 0.4:
            db.session.commit()
    db.session.commit()


@pytest.mark.parametrize("seed", range(6))
def test_summaries_equal_the_raw_figures_on_random_histories(app, seed):
    rng = random.Random(seed)
    with app.app_context():
        places = add_places()
        random_history(rng, places, 40)
        assert_summaries_match(app)
        random_history(rng, places, 60)
        assert_summaries_match(app)


def test_a_rolled_back_entry_leaves_the_summaries_unchanged(app):
    with app.app_context():
        places = add_places()
        db.session.add(GuidanceSession(station=places["stations"][1], people_guided=4, dossiers_filed=2,
                                       procedures=places["procedures"][:2]))
        db.session.flush()
        db.session.rollback()
        assert summary_tables() == {"guidance_day": {}, "guidance_procedure": {}, "visit_day": {}, "visit_procedure": {}}


def test_an_entry_deleted_through_the_log_page_leaves_the_figures(app, client, login):
    person = login("volunteer")
    with app.app_context():
        station = add_places()["stations"][0]
        user = db.session.get(User, person.id)
        entry, _new = services.log_session_once(form_token="t-1", station=station, user=user, people_guided=3,
                                                dossiers_filed=2)
        entry_id = station_id = None
        entry_id, station_id = entry.id, station.id
        assert services.Tally(1, 3, 2) == tally_from_summaries(station_id)
    response = client.post(f"/tinh-nguyen/ghi-nhan/{entry_id}/xoa")
    assert response.status_code == 303
    with app.app_context():
        assert tally_from_summaries(station_id) == services.Tally(0, 0, 0)


def tally_from_summaries(station_id: int) -> services.Tally:
    rows = db.session.scalars(select(GuidanceDaySummary).where(
        GuidanceDaySummary.station_id == station_id, GuidanceDaySummary.period == "d")).all()
    return services.Tally(sum(r.sessions for r in rows), sum(r.people_guided for r in rows),
                          sum(r.dossiers_filed for r in rows))


# At the same moment --------------------------------------------------------------------

THREADS, EACH = 8, 5


def test_entries_logged_at_once_for_one_station_all_count(app, make_user):
    """Eight volunteers at one station each log five entries, all at once: the
    day's summary row gets every one of the forty (an UPSERT adds to the row
    another transaction has just written; it never overwrites it)."""
    people = [make_user("volunteer") for _ in range(THREADS)]
    with app.app_context():
        station_id = add_places()["stations"][1].id
    barrier = threading.Barrier(THREADS)
    errors = []

    def log(person_id: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, person_id)
                station = db.session.get(Station, station_id)
                barrier.wait()
                for number in range(EACH):
                    services.log_session_once(form_token=f"{person_id}-{number}", station=station, user=user,
                                              people_guided=2, dossiers_filed=1, procedures=[])
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=log, args=(person.id,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        assert db.session.query(GuidanceSession).count() == THREADS * EACH
        assert tally_from_summaries(station_id) == services.Tally(THREADS * EACH, 2 * THREADS * EACH, THREADS * EACH)
        with app.test_request_context():
            today = local_today()
            assert reports.public_figures(today, today)["people_guided"] == 2 * THREADS * EACH


def test_visits_closed_at_once_all_count(app):
    """Visits of one day and group closed by several leaders at once."""
    with app.app_context():
        group_id = add_places()["groups"][0].id
        start = utcnow() - timedelta(hours=2)
        visits = [Visit(slot_start=start, slot_end=start + timedelta(hours=1), full_name="Người dân", status=CONFIRMED,
                        residential_group_id=group_id) for _ in range(THREADS * EACH)]
        db.session.add_all(visits)
        db.session.commit()
        ids = [visit.id for visit in visits]
    barrier = threading.Barrier(THREADS)
    errors = []

    def close(batch: list[int]) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for visit_id in batch:
                    db.session.get(Visit, visit_id).record_outcome(1, 1, "", "", [])
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=close, args=(ids[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        rows = visit_figures.visit_figures(local_today() - timedelta(days=1), local_today())
        assert [row[:4] for row in rows] == [(DONE, group_id, THREADS * EACH, THREADS * EACH)]


# Repair -------------------------------------------------------------------------------


def test_rebuild_command_repairs_summaries_written_around_the_site(app, runner):
    with app.app_context():
        places = add_places()
        random_history(random.Random(99), places, 50)
        expected = summary_tables()
        db.session.execute(delete(GuidanceDaySummary))
        db.session.execute(delete(visit_figures.VisitProcedureSummary))
        db.session.execute(GuidanceProcedureSummary.__table__.update().values(sessions=99))
        db.session.commit()
    result = runner.invoke(args=["stats", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "guidance_day_summary" in result.output
    with app.app_context():
        assert summary_tables() == expected
        assert_summaries_match(app)


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 1, 1), date(2026, 12, 31), [("m", date(2026, 1, 1), date(2026, 12, 1))]),
    (date(2026, 2, 1), date(2026, 2, 28), [("m", date(2026, 2, 1), date(2026, 2, 1))]),
    (date(2026, 1, 20), date(2026, 3, 5), [("d", date(2026, 1, 20), date(2026, 1, 31)),
                                           ("m", date(2026, 2, 1), date(2026, 2, 1)),
                                           ("d", date(2026, 3, 1), date(2026, 3, 5))]),
    (date(2026, 1, 20), date(2026, 2, 5), [("d", date(2026, 1, 20), date(2026, 2, 5))]),
    (date(2025, 12, 15), date(2026, 1, 31), [("d", date(2025, 12, 15), date(2025, 12, 31)),
                                             ("m", date(2026, 1, 1), date(2026, 1, 1))]),
    (date(2026, 3, 5), date(2026, 3, 5), [("d", date(2026, 3, 5), date(2026, 3, 5))]),
    (date(2026, 3, 6), date(2026, 3, 5), []),
])
def test_a_range_is_read_from_month_rows_and_the_days_at_its_ends(start, end, expected):
    assert covering(start, end) == expected


def test_the_migration_fills_the_summaries_from_the_rows_there_are(tmp_path):
    """Rows written before the summaries existed (at revision 0019, the one before): the
    migration adds them up, as `rebuild-summaries` does."""
    from flask_migrate import upgrade

    from tests.conftest import app_settings
    from wardsite import create_app
    from wardsite.stats import summary_tables as summaries
    from wardsite.stats.models import GuidanceSessionProcedure

    app = create_app(app_settings(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(revision="0019")
        places = add_places()  # no entry or visit among them: nothing for the summaries yet
        rng = random.Random(5)
        stations, groups, procedures = places["stations"], places["groups"], places["procedures"]
        today = local_today()
        sessions, links, visits, done = [], [], [], []
        for number in range(1, 80):
            day = today - timedelta(days=rng.randint(0, 70))
            station = rng.choice(stations)
            people, dossiers = rng.randint(1, 5), rng.randint(0, 3)
            sessions.append({"id": number, "day": day, "station_id": station.id, "logged_at": utcnow(),
                             "residential_group_id": station.residential_group_id, "people_guided": people,
                             "dossiers_filed": dossiers, "note": ""})
            links += [{"session_id": number, "procedure_id": p.id, "day": day, "people_guided": people,
                       "dossiers_filed": dossiers} for p in rng.sample(procedures, rng.randint(0, 2))]
        for number in range(1, 60):
            start = utcnow() - timedelta(days=rng.randint(-5, 70), hours=rng.randint(0, 23))
            status = rng.choice([DONE, DONE, NO_SHOW, CANCELLED, CONFIRMED])
            closed = status in (DONE, NO_SHOW)
            visits.append({"id": number, "code": f"M{number:05d}", "status": status, "slot_start": start,
                           "slot_end": start + timedelta(hours=1), "full_name": "", "address": "", "help_needed": "",
                           "residential_group_id": rng.choice([None, *(group.id for group in groups)]),
                           "people_guided": rng.randint(1, 4) if closed else None,
                           "dossiers_filed": rng.randint(0, 2) if closed else None,
                           "rating": rng.choice([None, 2, 5]) if status == DONE else None,
                           "closed_at": utcnow() if closed else None, "created_at": utcnow(),
                           "cancelled_by_resident": False, "dossier_codes": "", "outcome_note": "",
                           "rating_comment": ""})
            if status == DONE:
                done += [{"visit_id": number, "procedure_id": p.id} for p in rng.sample(procedures, rng.randint(0, 2))]
        db.session.execute(GuidanceSession.__table__.insert(), sessions)
        if links:
            db.session.execute(GuidanceSessionProcedure.__table__.insert(), links)
        db.session.execute(Visit.__table__.insert(), visits)
        if done:
            from wardsite.visits.models import visit_procedure_done

            db.session.execute(visit_procedure_done.insert(), done)
        db.session.commit()
        upgrade()
        filled = summary_tables()
        assert filled["guidance_day"] and filled["visit_day"] and filled["guidance_procedure"]
        summaries.rebuild(db.session.connection())
        db.session.commit()
        assert summary_tables() == filled
        assert_summaries_match(app)
        db.engine.dispose()
