"""Bounded queries: no page runs a query per row.

Every page reached from the home page and the staff home on the demo data
(dozens of articles, volunteers, shifts, procedures) must stay under a small
fixed number of SQL statements; a query per listed row would break it at once.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.sweep import crawl
from wardsite.extensions import db

MAX_STATEMENTS = 20


@contextmanager
def counting(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def demo_site(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("visitor", ["anonymous", "admin"])
def test_no_page_runs_a_query_per_row(demo_site, client, login, visitor):
    start = ["/"]
    if visitor == "admin":
        login("admin")
        start = ["/quan-tri/", "/"]
    pages, _, _ = crawl(client, start)
    counts = {}
    for url in pages:
        with counting(demo_site) as statements:
            client.get(url).close()
        counts[url] = len(statements)
    assert max(counts.values()) > 0
    heavy = {url: n for url, n in counts.items() if n > MAX_STATEMENTS}
    assert heavy == {}, f"pages over {MAX_STATEMENTS} statements: {heavy}"
