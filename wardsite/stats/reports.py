"""The ward's report: totals and breakdowns over a date range, and the public
figures drawn from the same sums. Every figure is read from the summaries
kept in step with the entries (`wardsite.stats.summary_tables`): a few
hundred grouped rows for a year, whatever the size of the history.

Guidance sessions (counter and e-stations) and home visits that are done
(mobile teams) count in the same figures: people guided and dossiers filed
online. A `Breakdown` is one table of the report; the page, the CSV files and
the Excel workbook are all drawn from the same objects. The visits' figures
come from the visits area's services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
# Lazy, but named pgettext so that the catalogue tools extract the context.
from flask_babel import lazy_pgettext as pgettext
from sqlalchemy import func, select

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.roster.hours import attended_hours
from wardsite.stations.models import Station
from wardsite.stats import summary_tables
from wardsite.stats.models import GuidanceDaySummary, GuidanceProcedureSummary
from wardsite.visits import figures as visit_data
from wardsite.visits.models import DONE as VISIT_DONE
from wardsite.visits.models import NO_SHOW as VISIT_NO_SHOW


CHART_BARS = 12  # a chart of sixty procedures helps nobody; the table beside it has them all


@dataclass
class Column:
    label: object  # a lazy msgid, for the screen
    header: str  # the exports' fixed Vietnamese header, in the words the city's forms use
    number: bool = True
    decimals: int = 0


@dataclass
class Breakdown:
    """One table of the report; `chart` is the column drawn as bars."""

    key: str  # also the CSV file name
    title: object
    sheet: str  # Excel sheet names: at most 31 characters, Vietnamese as the city reads them
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    chart: int = 1
    note: object = None

    def chart_rows(self) -> list[tuple[str, float]]:
        """What the chart draws: months in order, otherwise the largest few."""
        rows = [(row[0], row[self.chart] or 0) for row in self.rows]
        if self.key == "thang":
            return rows
        return sorted(rows, key=lambda row: -row[1])[:CHART_BARS]

    @property
    def chart_is_partial(self) -> bool:
        return self.key != "thang" and len(self.rows) > CHART_BARS

    def top_row(self) -> tuple | None:
        """The row with the largest charted value: the chart's one-line summary."""
        return max(self.rows, key=lambda row: row[self.chart] or 0, default=None)


@dataclass
class Totals:
    sessions: int = 0
    people_guided: int = 0
    dossiers_filed: int = 0
    visits_done: int = 0
    visits_no_show: int = 0
    visit_people_guided: int = 0
    visit_dossiers_filed: int = 0
    ratings: int = 0
    satisfaction: float | None = None
    volunteer_hours: float = 0.0
    shifts_attended: int = 0

    @property
    def all_people_guided(self) -> int:
        return self.people_guided + self.visit_people_guided

    @property
    def all_dossiers_filed(self) -> int:
        return self.dossiers_filed + self.visit_dossiers_filed


@dataclass
class Report:
    start: date
    end: date
    totals: Totals
    breakdowns: list[Breakdown]

    def breakdown(self, key: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.key == key), None)


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append((cursor.year, cursor.month))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


@dataclass
class _Sum:
    people: int = 0
    dossiers: int = 0
    sessions: int = 0
    visits: int = 0

    def add(self, people, dossiers, sessions: int = 0, visits: int = 0) -> None:
        self.people += int(people or 0)
        self.dossiers += int(dossiers or 0)
        self.sessions += int(sessions)
        self.visits += int(visits)


class _Figures:
    """The range's figures, read from the summaries (`GuidanceDaySummary`,
    the visits area's summaries): a few queries of at most a few hundred
    grouped rows, whatever the size of the history. The breakdowns below only
    add up these rows."""

    def __init__(self, start: date, end: date, *, by_day: bool = True):
        self.start, self.end = start, end
        self.months = _months(start, end)
        summary = GuidanceDaySummary
        in_range = (summary_tables.in_range(summary, start, end),)
        sums = (func.sum(summary.sessions), func.sum(summary.people_guided), func.sum(summary.dossiers_filed))
        # (station id, group id, sessions, people, dossiers); 0 is none.
        self.sessions = db.session.execute(
            select(summary.station_id, summary.residential_group_id, *sums)
            .where(*in_range)
            .group_by(summary.station_id, summary.residential_group_id)
            .having(func.sum(summary.sessions) > 0)
        ).all()
        # (day, sessions, people, dossiers): only the report's months need it;
        # a whole month is one row on its first day.
        self.session_days = db.session.execute(
            select(summary.day, *sums).where(*in_range).group_by(summary.day).having(func.sum(summary.sessions) > 0)
        ).all() if by_day else []
        # (status, group id, visits, people, dossiers, ratings, rating total)
        self.visits = visit_data.visit_figures(start, end)
        self.done = [row for row in self.visits if row[0] == VISIT_DONE]

    def totals(self) -> Totals:
        result, rating_sum = Totals(), 0
        for _station, _group, count, people, dossiers in self.sessions:
            result.sessions += int(count)
            result.people_guided += int(people or 0)
            result.dossiers_filed += int(dossiers or 0)
        for status, _group, count, people, dossiers, ratings, rating_total in self.visits:
            if status == VISIT_NO_SHOW:
                result.visits_no_show += count
            if status != VISIT_DONE:
                continue
            result.visits_done += count
            result.visit_people_guided += int(people or 0)
            result.visit_dossiers_filed += int(dossiers or 0)
            result.ratings += ratings
            rating_sum += int(rating_total or 0)
        result.satisfaction = round(rating_sum / result.ratings, 2) if result.ratings else None
        return result

    def by_station(self) -> list[tuple]:
        """Each station with sessions, largest first, then the mobile teams' visits."""
        sums: dict[int | None, _Sum] = {}
        for station_id, _group, count, people, dossiers in self.sessions:
            sums.setdefault(station_id, _Sum()).add(people, dossiers, sessions=count)
        names = dict(db.session.execute(select(Station.id, Station.name).where(Station.id.in_([k for k in sums if k]))).all())
        rows = sorted(
            ((names[key], total.people, total.dossiers, total.sessions) for key, total in sums.items() if key in names),
            key=lambda row: (-row[1], row[0]),
        )
        gone = [total for key, total in sums.items() if key not in names]
        if gone:
            rows.append((_l("Station no longer listed"), sum(t.people for t in gone), sum(t.dossiers for t in gone),
                         sum(t.sessions for t in gone)))
        mobile = _Sum()
        for _status, _group, count, people, dossiers, *_ in self.done:
            mobile.add(people, dossiers, visits=count)
        if mobile.visits:
            rows.append((_l("Mobile teams (home visits)"), mobile.people, mobile.dossiers, mobile.visits))
        return rows

    def by_group(self) -> list[tuple]:
        """E-station sessions count for the group hosting the station that day,
        visits for the resident's group; the counter belongs to no group."""
        sums: dict[int | None, _Sum] = {}
        for _station, group_id, count, people, dossiers in self.sessions:
            sums.setdefault(group_id, _Sum()).add(people, dossiers, sessions=count)
        for _status, group_id, count, people, dossiers, *_ in self.done:
            sums.setdefault(group_id, _Sum()).add(people, dossiers, visits=count)
        groups = {
            group_id: (position, name)
            for group_id, position, name in db.session.execute(
                select(ResidentialGroup.id, ResidentialGroup.position, ResidentialGroup.name)
                .where(ResidentialGroup.id.in_([k for k in sums if k]))
            )
        }
        named = sorted((groups[key], total) for key, total in sums.items() if key in groups)
        rows = [(name, t.people, t.dossiers, t.sessions, t.visits) for (_position, name), t in named]
        rest = _Sum()
        for key, total in sums.items():
            if key not in groups:
                rest.add(total.people, total.dossiers, total.sessions, total.visits)
        if rest.sessions or rest.visits:
            rows.append((_l("Ward office (no residential group)"), rest.people, rest.dossiers, rest.sessions, rest.visits))
        return rows

    def by_month(self) -> list[tuple]:
        """Every month of the range, also the empty ones, so the chart shows the gaps."""
        sums = {month: _Sum() for month in self.months}
        for day, count, people, dossiers in self.session_days:
            sums[(day.year, day.month)].add(people, dossiers, sessions=count)
        for day, count, people, dossiers in visit_data.done_visits_by_day(self.start, self.end):
            sums[(day.year, day.month)].add(people, dossiers, visits=count)
        return [(f"{m:02d}/{y}", t.people, t.dossiers, t.sessions, t.visits) for (y, m), t in sums.items()]

    def by_procedure(self) -> list[tuple]:
        """How often each procedure was dealt with, in sessions and done visits."""
        link = GuidanceProcedureSummary
        sums: dict[int, _Sum] = {}
        for procedure_id, count, people, dossiers in db.session.execute(
            select(link.procedure_id, func.sum(link.sessions), func.sum(link.people_guided), func.sum(link.dossiers_filed))
            .where(summary_tables.in_range(link, self.start, self.end))
            .group_by(link.procedure_id)
            .having(func.sum(link.sessions) > 0)
        ):
            sums.setdefault(procedure_id, _Sum()).add(people, dossiers, sessions=count)
        for procedure_id, count, people, dossiers in visit_data.done_visits_by_procedure(self.start, self.end):
            sums.setdefault(procedure_id, _Sum()).add(people, dossiers, visits=count)
        names = {
            procedure_id: (name, sector or "")
            for procedure_id, name, sector in db.session.execute(
                select(Procedure.id, Procedure.name, Sector.name)
                .outerjoin(Sector, Sector.id == Procedure.sector_id)
                .where(Procedure.id.in_(list(sums)))
            )
        }
        rows = [(*names[key], t.sessions + t.visits, t.people, t.dossiers) for key, t in sums.items() if key in names]
        return sorted(rows, key=lambda row: (-row[2], row[0]))


def by_sector(procedure_rows: list[tuple]) -> list[tuple]:
    """The procedure rows added up by sector."""
    sums: dict[str, _Sum] = {}
    for _name, sector, times, people, dossiers in procedure_rows:
        sums.setdefault(sector, _Sum()).add(people, dossiers, sessions=times)
    rows = [(sector or _l("No sector"), t.sessions, t.people, t.dossiers) for sector, t in sums.items()]
    return sorted(rows, key=lambda row: (-row[1], str(row[0])))


def build_report(start: date, end: date) -> Report:
    figures = _Figures(start, end)
    totals = figures.totals()
    # (name, hours, shifts): the same count as the roster's hours page and its CSV.
    hours = [(row.volunteer.name, row.hours, row.shifts) for row in attended_hours(start, end)]
    totals.volunteer_hours = round(sum(row[1] for row in hours), 2)
    totals.shifts_attended = sum(row[2] for row in hours)
    procedures = figures.by_procedure()

    people = Column(pgettext("figures", "People guided"), "Lượt người được hướng dẫn")
    dossiers = Column(pgettext("figures", "Dossiers filed online"), "Hồ sơ trực tuyến đã nộp")
    sessions = Column(_l("Sessions at stations"), "Lượt hướng dẫn tại điểm")
    visits = Column(_l("Home visits done"), "Lượt hướng dẫn tại nhà")
    times = Column(_l("Times dealt with"), "Số lượt hướng dẫn")
    several = _l("A session that dealt with several procedures counts under each of them, so these rows add up to more than the totals.")
    breakdowns = [
        Breakdown(
            "diem-ho-tro", _l("By station and mobile teams"), "Theo điểm hỗ trợ",
            [Column(_l("Station"), "Điểm hỗ trợ", number=False), people, dossiers,
             Column(_l("Sessions or visits"), "Số lượt hướng dẫn")],
            figures.by_station(),
        ),
        Breakdown(
            "to-dan-pho", _l("By residential group"), "Theo tổ dân phố",
            [Column(_l("Residential group"), "Tổ dân phố", number=False), people, dossiers, sessions, visits],
            figures.by_group(),
        ),
        Breakdown(
            "thu-tuc", _l("By procedure"), "Theo thủ tục",
            [Column(_l("Procedure"), "Thủ tục", number=False), Column(_l("Sector"), "Lĩnh vực", number=False), times,
             people, dossiers],
            procedures, chart=2, note=several,
        ),
        Breakdown(
            "linh-vuc", _l("By sector"), "Theo lĩnh vực",
            [Column(_l("Sector"), "Lĩnh vực", number=False), times, people, dossiers],
            by_sector(procedures), note=several,
        ),
        Breakdown(
            "thang", _l("By month"), "Theo tháng",
            [Column(_l("Month"), "Tháng", number=False), people, dossiers, sessions, visits],
            figures.by_month(),
        ),
        Breakdown(
            "gio-tinh-nguyen", _l("Volunteer hours"), "Giờ tình nguyện",
            [Column(_l("Volunteer"), "Tình nguyện viên", number=False), Column(_l("Hours"), "Số giờ", decimals=1),
             Column(_l("Shifts attended"), "Số ca có mặt")],
            hours,
        ),
    ]
    return Report(start=start, end=end, totals=totals, breakdowns=breakdowns)


# Public figures ------------------------------------------------------------------


def public_figures(start: date, end: date) -> dict:
    """What anyone may see: counts only, never a name, phone or note."""
    grouped = _Figures(start, end, by_day=False)
    figures = grouped.totals()
    return {
        "start": start,
        "end": end,
        "people_guided": figures.all_people_guided,
        "dossiers_filed": figures.all_dossiers_filed,
        "visits_done": figures.visits_done,
        "ratings": figures.ratings,
        "satisfaction": figures.satisfaction,
        "groups": [row[:3] for row in grouped.by_group()],
    }
