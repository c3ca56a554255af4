"""The audit log in the interface's language: every action that any area
records has a sentence (a test fails for one that has not), and the log shows
sentences, kinds of record and details in Vietnamese, not raw keys."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import wardsite
from wardsite.admin.audit_labels import ACTIONS, RECORDS
from wardsite.audit import record_audit
from wardsite.extensions import db

PACKAGE = Path(wardsite.__file__).parent
ACTION_SHAPE = ("user.", "ward_settings.", "residential_group.", "article.", "comment.", "procedure.", "volunteer.",
                "station.", "shift.", "shift_template.", "roster.", "swap.", "guidance_session.", "visit.")


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def recorded_actions() -> set[str]:
    """Every action string that reaches record_audit's first argument in the
    source: literals and both sides of a conditional; for an f-string
    ("article.{now}") every article status; for a variable, the action-shaped
    strings of the function that sets it."""
    from wardsite.news.models import DRAFT, STATUSES

    actions = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "record_audit" and call.args):
                    continue
                first = call.args[0]
                if isinstance(first, ast.JoinedStr):
                    prefix = "".join(part.value for part in first.values if isinstance(part, ast.Constant))
                    # news.services._record_status_change: a move to draft is "unpublished"
                    actions.update(f"{prefix}{status}" for status in STATUSES if status != DRAFT)
                elif isinstance(first, ast.Name):
                    actions.update(s for s in _strings(function) if s.startswith(ACTION_SHAPE) and " " not in s)
                else:
                    actions.update(_strings(first))
    return actions


def test_the_source_is_read_for_actions():
    found = recorded_actions()
    assert {"visit.done", "roster.filled", "article.scheduled", "comment.rejected", "shift.restored"} <= found
    assert len(found) > 50


def test_every_recorded_action_has_a_sentence():
    missing = sorted(action for action in recorded_actions() if action not in ACTIONS)
    assert missing == [], f"actions without a sentence in wardsite/admin/audit_labels.py: {missing}"


def test_an_action_missing_from_the_sentences_would_be_found():
    assert "visit.teleported" not in ACTIONS  # what the test above would report


def test_each_sentence_and_record_has_vietnamese(app):
    from flask_babel import force_locale

    with app.test_request_context():
        labels = {**ACTIONS, **RECORDS}
        with force_locale("en"):
            english = {key: str(label) for key, label in labels.items()}
        same = sorted(key for key, label in labels.items() if str(label) == english[key])
    assert same == []


def test_the_log_speaks_vietnamese(app, client, login):
    from wardsite.admin.models import WardSettings

    login("admin")
    with app.test_request_context():
        record_audit("visit.done", None, "K7M2QX: 3 guided, 2 dossiers", user=False)
        record_audit("roster.filled", None, "07/12/2026–13/12/2026: 10/12 seats, 4 added, 3 removed", user=False)
        record_audit("user.updated", WardSettings(id=1), "an@example.org: editor, leader, active=False", user=False)
        record_audit("visit.purged", None, "5", user=False)
        db.session.commit()
    html = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "Ghi kết quả một buổi hướng dẫn tại nhà" in html
    assert "K7M2QX: 3 người được hướng dẫn, 2 hồ sơ đã nộp" in html
    assert "07/12/2026–13/12/2026: đã xếp 10/12 chỗ, thêm 4 tình nguyện viên, bỏ ra 3" in html
    assert re.search(r"<td>an@example\.org: [^<,]+, [^<,]+, đã khóa</td>", html)  # the roles by their names
    assert "editor, leader" not in html
    assert "5 lịch hẹn" in html
    for raw in ("visit.done", "3 removed", "active=False", "guided", "roster.filled", "WardSettings"):
        assert raw not in html
    assert "<td>Thông tin phường #1</td>" in html
