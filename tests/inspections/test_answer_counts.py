"""The answer counts the dashboard reads (``item_answer_counts``) stay equal to counting every item result: after a
demo generation, finalize, an amendment, a package import replacing an inspection, and the migration that fills
them for an existing database."""

from __future__ import annotations

import importlib
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.packages import export_inspections, import_package
from inspections.workflow import finalize_inspection, load_inspection, record_answer, start_inspection
from models.database import DB_FILENAME, Database, make_engine, open_database, sqlite_url
from models.finding import Finding
from models.inspection import Inspection, ItemAnswerCount, ItemResult
from tests.helpers import answer_all, make_institution
from tests.inspections.packages.conftest import ACTOR, seed

pytestmark = pytest.mark.postgres  # the tests using ``db`` run on SQLite and on PostgreSQL

Counts = dict[tuple[str, str, uuid.UUID, str], int]
TODAY = date(2026, 11, 28)


def stored(s: Session) -> Counts:
    """The counts table, without rows that went down to zero."""
    rows = s.execute(
        select(ItemAnswerCount.kind, ItemAnswerCount.month, ItemAnswerCount.item_id, ItemAnswerCount.response,
               ItemAnswerCount.count).where(ItemAnswerCount.count != 0)
    )  # fmt: skip
    return {(kind, month, item_id, response): n for kind, month, item_id, response, n in rows}


def counted_from_results(s: Session) -> Counts:
    """What the counts must be: every answer of every finalized inspection, counted one by one."""
    rows = s.execute(
        select(Inspection.kind, Inspection.date, ItemResult.item_id, ItemResult.response)
        .join(Inspection, Inspection.id == ItemResult.inspection_id)
        .where(Inspection.status == "finalized", ItemResult.response.is_not(None))
    )
    return dict(Counter((kind, f"{day:%Y-%m}", item_id, response) for kind, day, item_id, response in rows))


def old_groups(kind: str, start: date, end: date) -> Select[uuid.UUID, str, int]:
    """The dashboard's common problems as they were read before the counts: every item result of the window."""
    counted = select(Inspection.id).where(
        Inspection.status == "finalized", Inspection.kind == kind, Inspection.date >= start, Inspection.date < end
    )
    return (
        select(
            ItemResult.item_id.label("item_id"), ItemResult.response.label("response"), func.count().label("answers")
        )
        .where(ItemResult.inspection_id.in_(counted), ItemResult.response.is_not(None))
        .group_by(ItemResult.item_id, ItemResult.response)
    )


def test_a_demo_database_gives_the_same_dashboard_as_counting_every_item_result(
    ws: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspections.demo import generate_demo

    generate_demo(ws, institutions=8, months=5, seed=3, end_month="2026-11", today=TODAY)
    with ws.session() as s:
        assert stored(s) == counted_from_results(s) and stored(s)
        new = {
            (month, months): (
                analytics.failed_items(s, month, months, limit=None),
                analytics.dashboard(s, month, TODAY),
            )
            for month in ("2026-09", "2026-11")
            for months in (1, 3, 12)
        }
    monkeypatch.setattr(analytics, "answer_counts", old_groups)
    with ws.session() as s:
        old = {
            (month, months): (
                analytics.failed_items(s, month, months, limit=None),
                analytics.dashboard(s, month, TODAY),
            )
            for month in ("2026-09", "2026-11")
            for months in (1, 3, 12)
        }
    assert new == old
    assert any(failed for failed, _board in new.values())  # the comparison compares something

    # The overdue findings, now one statement from the index: the same as counting the findings one by one.
    with ws.session() as s:
        findings = s.execute(select(Finding.institution_id, Finding.status, Finding.deadline)).all()
    overdue = Counter(i for i, status, deadline in findings if status in ("open", "failed") and deadline < TODAY)
    board = new[("2026-11", 3)][1]
    assert board.overdue == sum(overdue.values()) > 0
    listed = board.overdue_by_institution
    assert len(listed) == min(10, len(overdue))
    assert all(o.count == overdue[o.institution_id] for o in listed)
    assert [o.count for o in listed] == sorted(overdue.values(), reverse=True)[: len(listed)]
    # The bulletin's item codes beside each institution, grouped from the index: as read from every overdue finding.
    with ws.session() as s:
        codes: dict[uuid.UUID, list[str]] = {}
        for f in analytics.overdue_findings(s, TODAY):
            if f.item_code and f.item_code not in codes.setdefault(f.institution_id, []):
                codes[f.institution_id].append(f.item_code)
        assert analytics.overdue_item_codes(s, TODAY) == {k: v for k, v in codes.items() if v} != {}


def _inspect(ws: Database, inst: uuid.UUID, on: date, fail: set[str]) -> uuid.UUID:
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=on, inspectors=["张三"])
    answer_all(ws, inspection_id, fail_codes=fail)
    return inspection_id


def _failed(s: Session, month: str = "2026-11") -> dict[str, tuple[int, int]]:
    return {f.item_code: (f.failed, f.answered) for f in analytics.failed_items(s, month, 3, limit=None)}


def test_finalize_counts_the_answers_and_an_amendment_moves_one(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=False)
    first = _inspect(ws, inst, date(2026, 11, 3), {"TR1.1"})
    with ws.session() as s:
        assert stored(s) == {} and _failed(s) == {}  # a draft is not counted
    with ws.begin() as s:
        finalize_inspection(s, "张三", first)
    second = _inspect(ws, inst, date(2026, 10, 20), {"TR1.1", "TR1.2"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", second)
    with ws.session() as s:
        assert stored(s) == counted_from_results(s)
        assert _failed(s) == {"TR1.1": (2, 2), "TR1.2": (1, 2)}
        items = {i.code: i.item_id for i in load_inspection(s, first).items()}

    with ws.begin() as s:  # the failed item was in fact met; another one was not
        record_answer(s, "张三", first, items["TR1.1"], response="pass", reason="复核后更正")
        record_answer(s, "张三", first, items["TR1.3"], response="fail", note="未落实", reason="复核后更正")
    with ws.session() as s:
        assert stored(s) == counted_from_results(s)
        assert _failed(s) == {"TR1.1": (1, 2), "TR1.2": (1, 2), "TR1.3": (1, 2)}
        assert _failed(s, "2026-10") == {"TR1.1": (1, 1), "TR1.2": (1, 1)}  # October's inspection only


@pytest.fixture
def two_databases(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """An inspector's laptop and the commission's database (SQLite)."""
    laptop, commission = open_database(None, tmp_path / "laptop"), open_database(None, tmp_path / "commission")
    yield laptop, commission
    laptop.close()
    commission.close()


def test_an_import_counts_new_inspections_and_replaces_the_answers_of_one_it_updates(
    two_databases: tuple[Database, Database], tmp_path: Path
) -> None:
    laptop, commission = two_databases
    seeded = seed(laptop)  # T1.1 不符合, T1.2 部分符合, T1.3 符合
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with laptop.session() as s:
        export_inspections(s, first, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
    with commission.begin() as s:
        import_package(s, "王磊", first)
    with commission.session() as s:
        assert stored(s) == counted_from_results(s)
        assert _failed(s) == {"T1.1": (1, 1), "T1.2": (1, 1)}

    with laptop.begin() as s:
        items = {i.code: i.item_id for i in load_inspection(s, seeded.inspection_id).items()}
        record_answer(s, ACTOR, seeded.inspection_id, items["T1.1"], response="pass", reason="复核照片后更正")
    with laptop.session() as s:
        export_inspections(s, second, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
    with commission.begin() as s:
        import_package(s, "王磊", second, decisions={f"inspection:{seeded.inspection_id}": "theirs"})
    with commission.session() as s, laptop.session() as mine:
        assert stored(s) == counted_from_results(s)
        assert _failed(s) == {"T1.2": (1, 1)} == _failed(mine)
        assert sum(stored(s).values()) == 3  # one inspection's three answers, not two inspections' six


def test_the_migration_fills_the_counts_of_an_existing_database(tmp_path: Path) -> None:
    from inspections.templates import sync_builtin_checklists
    from models.migrations import upgrade_to_head
    from tests.models.test_migrations import _downgrade

    engine = make_engine(sqlite_url(tmp_path / DB_FILENAME))
    upgrade_to_head(engine)
    engine.dispose()
    db = open_database(None, tmp_path)
    with db.begin() as s:
        sync_builtin_checklists(s)
    inst = make_institution(db, "上街区人民医院", level=2, fever=False)
    for on, fail in ((date(2026, 9, 30), {"TR1.1"}), (date(2026, 11, 1), {"TR1.2"})):
        inspection_id = _inspect(db, inst, on, fail)
        with db.begin() as s:
            finalize_inspection(s, "张三", inspection_id)
    _inspect(db, inst, date(2026, 11, 5), {"TR1.3"})  # a draft: not counted
    with db.session() as s:
        before = stored(s)
    db.close()
    # Down to the revision before the answer counts: the table goes; the upgrade on opening builds and fills it again.
    script = importlib.import_module("models.migrations.versions.0014_answer_counts")
    _downgrade(tmp_path, script.down_revision)

    db = open_database(None, tmp_path)
    try:
        with db.session() as s:
            assert stored(s) == before == counted_from_results(s)
            assert _failed(s) == {"TR1.1": (1, 2), "TR1.2": (1, 2)}
    finally:
        db.close()


def test_a_full_check_finds_counts_that_drifted_from_the_answers_and_counts_them_again(ws: Database) -> None:
    from inspections.integrity import check_database
    from models.audit import AuditEvent

    inst = make_institution(ws, "上街区人民医院", level=2, fever=False)
    for on, fail in ((date(2026, 10, 9), {"TR1.1"}), (date(2026, 11, 2), {"TR1.2"})):
        inspection_id = _inspect(ws, inst, on, fail)
        with ws.begin() as s:
            finalize_inspection(s, "张三", inspection_id)
    first = check_database(ws, full=True)
    assert first.ok and not first.warnings
    assert "答案统计（首页与通报的常见问题）：与检查结果一致" in first.lines

    with ws.begin() as s:  # October's count of one failed item edited behind the application's back
        s.execute(
            update(ItemAnswerCount)
            .where(ItemAnswerCount.month == "2026-10", ItemAnswerCount.response == "fail")
            .values(count=ItemAnswerCount.count + 5)
        )
        assert _failed(s)["TR1.1"] == (6, 7)  # what the dashboard would now show
    incremental = check_database(ws, full=False)
    assert "答案统计：增量核对时不做（完整核对时做）" in incremental.lines

    report = check_database(ws, full=True)
    assert report.ok  # the evidence is intact; the derived counts are repaired and said so
    assert len(report.warnings) == 1
    assert "2026-10（督导）" in report.warnings[0] and "已按检查结果重新统计" in report.warnings[0]
    with ws.session() as s:
        assert stored(s) == counted_from_results(s)
        assert _failed(s)["TR1.1"] == (1, 2)
        recounted = s.scalar(select(AuditEvent).where(AuditEvent.action == "answer_counts.recount"))
        assert recounted is not None and recounted.after == {"months": ["2026-10"]}
    assert not check_database(ws, full=True).warnings
