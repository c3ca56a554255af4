"""Ten times the scaled data set's history, in bulk SQL (issue 16).

    WARDSITE_SQLALCHEMY_DATABASE_URI=... .venv/bin/python benchmarks/scaled_data.py --history 10

The scaled data set has a year of guidance sessions (about 100,000), a year of
home visits (about 20,000) and five years of articles (about 5,000). This
copies each of them `factor - 1` times further back in time, with
`INSERT … SELECT` statements in the database itself (no row passes through
Python): guidance sessions and their procedures 52 weeks further back per copy
(the same weekdays), visits and their procedures and teams the same way,
articles and their comments five years (260 weeks) further back per copy. So at
10 times: about 1,000,000 guidance sessions over ten years, 200,000 visits
and 50,000 articles over fifty years.

Copies get ids past the highest there is (copy k: id + k × offset), no form
token, and visit codes that no booking can have (a leading 0, which the
booking code's alphabet leaves out). Copied articles are never pinned, and
copied visits keep no shift (their shifts are the year's). The summaries
are not touched here: `flask stats rebuild-summaries` fills them afterwards,
as after any write around the site.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

WEEK_DAYS = 7
SESSION_WEEKS = 52  # per copy: a year back, the same weekdays
ARTICLE_WEEKS = 260  # per copy: five years back


def _earlier(dialect: str, column: str, days: int, kind: str) -> str:
    """`column` moved `days` days back, as SQL; kind "date" or "datetime"."""
    if dialect == "postgresql":
        return f"({column} - interval '{days} days')" + ("::date" if kind == "date" else "")
    if kind == "date":
        return f"date({column}, '-{days} days')"
    # The form SQLAlchemy writes on SQLite: microseconds, six digits.
    return f"strftime('%Y-%m-%d %H:%M:%f000', {column}, '-{days} days')"


def _offset(connection: Connection, table: str) -> int:
    highest = connection.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')).scalar()
    return 10 ** len(str(highest))  # a round number past every id


def _columns(connection: Connection, table: str) -> list[str]:
    return [column for column in connection.execute(text(f'SELECT * FROM "{table}" WHERE 1 = 0')).keys()]


def _copy(connection: Connection, table: str, replaced: dict[str, str], where: str = "") -> None:
    columns = _columns(connection, table)
    chosen = [replaced.get(column, f'"{column}"') for column in columns]
    names = ", ".join(f'"{column}"' for column in columns)
    connection.execute(text(f'INSERT INTO "{table}" ({names}) SELECT {", ".join(chosen)} FROM "{table}" {where}'))


def multiply(connection: Connection, factor: int) -> dict[str, int]:
    """Add `factor - 1` older copies of the history; returns the rows per table after."""
    dialect = connection.dialect.name
    sessions, visits, articles = (_offset(connection, table) for table in ("guidance_session", "visit", "article"))
    highest = {
        table: connection.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')).scalar()
        for table in ("guidance_session", "visit", "article", "comment")
    }
    comments = _offset(connection, "comment")
    for copy in range(1, factor):
        days = copy * SESSION_WEEKS * WEEK_DAYS
        _copy(connection, "guidance_session", {
            "id": f"id + {copy * sessions}",
            "logged_at": _earlier(dialect, "logged_at", days, "datetime"),
            "day": _earlier(dialect, "day", days, "date"),
            "form_token": "NULL",
        }, f"WHERE id <= {highest['guidance_session']}")
        _copy(connection, "guidance_session_procedure", {
            "session_id": f"session_id + {copy * sessions}",
            "day": _earlier(dialect, "day", days, "date"),
        }, f"WHERE session_id <= {highest['guidance_session']}")
        moved = {column: _earlier(dialect, column, days, "datetime")
                 for column in ("slot_start", "slot_end", "consent_at", "created_at", "confirmed_at", "closed_at",
                                "rated_at", "purged_at")}
        code = (f"'0' || lpad(to_hex(id + {copy * visits}), 5, '0')" if dialect == "postgresql"
                else f"printf('0%05X', id + {copy * visits})")
        _copy(connection, "visit", {
            **moved, "id": f"id + {copy * visits}", "code": code, "form_token": "NULL", "shift_id": "NULL",
        }, f"WHERE id <= {highest['visit']}")
        for table in ("visit_procedure", "visit_procedure_done", "visit_team_member"):
            _copy(connection, table, {"visit_id": f"visit_id + {copy * visits}"}, f"WHERE visit_id <= {highest['visit']}")
        article_days = copy * ARTICLE_WEEKS * WEEK_DAYS
        _copy(connection, "article", {
            "id": f"id + {copy * articles}",
            "slug": f"substr(slug, 1, 110) || '-{copy}'",
            "pinned": "false",
            **{column: _earlier(dialect, column, article_days, "datetime")
               for column in ("published_at", "created_at", "updated_at")},
        }, f"WHERE id <= {highest['article']}")
        _copy(connection, "comment", {
            "id": f"id + {copy * comments}",
            "article_id": f"article_id + {copy * articles}",
            **{column: _earlier(dialect, column, article_days, "datetime")
               for column in ("created_at", "moderated_at", "replied_at", "reply_edited_at")},
        }, f"WHERE id <= {highest['comment']} AND article_id <= {highest['article']}")
    if dialect == "postgresql":
        for table in ("guidance_session", "visit", "article", "comment"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
            ))
    return {
        table: connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar()
        for table in ("guidance_session", "visit", "article", "comment")
    }
