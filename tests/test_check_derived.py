"""`check --full` recomputes every finalized inspection's scores in batches: a stored score, a checklist's grade or
an answer changed behind the application's back is named, whichever batch the record falls in."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from inspections import verification
from inspections.demo import generate_demo
from inspections.integrity import check_database
from inspections.workspace import open_workspace
from models.database import DB_FILENAME
from models.inspection import Inspection

DERIVED = "保存的得分/等级/否决"


def test_a_tampered_score_grade_or_answer_is_named_in_whichever_batch_it_falls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_workspace(None, tmp_path)
    generate_demo(db, institutions=4, months=3, seed=7, end_month="2026-11", today=date(2026, 11, 28))
    monkeypatch.setattr(verification, "DERIVED_BATCH", 3)  # many batches, the three records in different ones
    first = check_database(db, full=True)
    assert first.ok, first.problems
    with db.session() as s:
        ids = s.scalars(
            select(Inspection.id).where(Inspection.status == "finalized").order_by(Inspection.date, Inspection.id)
        ).all()
    assert len(ids) >= 10
    score_edited, grade_edited, answer_edited, untouched = ids[1], ids[len(ids) // 2], ids[-1], ids[0]
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    try:
        assert conn.execute("UPDATE inspections SET score = score + 7 WHERE id = ?", (score_edited.hex,)).rowcount
        assert conn.execute(
            "UPDATE inspection_checklists SET grade = '优秀' || grade WHERE inspection_id = ? AND position = "
            "(SELECT MAX(position) FROM inspection_checklists WHERE inspection_id = ?)",
            (grade_edited.hex, grade_edited.hex),
        ).rowcount
        # A 符合 answer to an item worth points turned into 不符合 (the stored figures left as they were).
        assert conn.execute(
            "UPDATE item_results SET response = 'fail' WHERE id = (SELECT r.id FROM item_results r JOIN checklist_items"
            " i ON i.id = r.item_id WHERE r.inspection_id = ? AND r.response = 'pass' AND i.points > 0"
            " AND i.response_set IS NULL ORDER BY i.points DESC LIMIT 1)",
            (answer_edited.hex,),
        ).rowcount
        conn.commit()
    finally:
        conn.close()
    report = check_database(db, full=True)
    derived = [p for p in report.problems if DERIVED in p]
    assert not report.ok
    assert len(derived) == 3
    for inspection_id in (score_edited, grade_edited, answer_edited):
        assert sum(str(inspection_id) in p for p in derived) == 1
    assert not any(str(untouched) in p for p in report.problems)
    # The edited answer also no longer matches the content hash recorded when it was signed.
    assert any(str(answer_edited) in p and "哈希不符" in p for p in report.problems)
    db.close()
