"""A package import writes its item results, findings, events and audit trail in bulk and takes the scores and
content hashes it computed while checking the package: what it stores must be exactly what finalize, ``check`` and
the answer counts compute from the stored rows, on SQLite and on PostgreSQL (where the rows go through COPY)."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from inspections.errors import InvalidInputError
from inspections.integrity import check_database
from inspections.packages import export_inspections, import_package
from inspections.scoring import overall_grade
from inspections.settings import set_setting
from inspections.workflow import content_hash
from inspections.workflow.loading import current_score
from models.audit import AuditEvent, verify_audit_chain
from models.database import Database, open_database
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Inspection, InspectionChecklist, ItemResult
from tests.inspections.packages.conftest import ACTOR, seed
from tests.inspections.test_answer_counts import counted_from_results, stored

pytestmark = pytest.mark.postgres  # every test using ``ws`` or ``db`` runs on SQLite and on PostgreSQL

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def month_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two months of a small demo city (built-in checklists, findings with their events), exported."""
    from inspections.demo import generate_demo
    from inspections.workspace import open_workspace

    folder = tmp_path_factory.mktemp("bulk-source")
    source = open_workspace(None, folder, backup=False)
    generate_demo(source, institutions=4, months=2, seed=11, end_month="2026-11", today=TODAY)
    with source.session() as s:
        ids = list(s.scalars(select(Inspection.id).where(Inspection.status == "finalized")))
        path = folder / "round.zip"
        export_inspections(s, path, exporter=ACTOR, inspection_ids=ids)
    source.close()
    return path


def test_a_bulk_import_stores_what_finalize_and_check_compute(ws: Database, month_package: Path) -> None:
    with ws.begin() as s:  # this commission weighs checklists by their mean: scores follow its rule, not the sender's
        set_setting(s, ACTOR, "overall_rule", "mean")
    with ws.begin() as s:
        result = import_package(s, ACTOR, month_package)
    assert result.applied["inspection:new"] >= 5 and result.applied["finding:new"] > 0

    with ws.session() as s:
        inspections = list(s.scalars(select(Inspection).order_by(Inspection.date)))
        assert len(inspections) == result.applied["inspection:new"]
        for inspection in inspections:
            assert inspection.content_hash == content_hash(s, inspection.id)
            score = current_score(s, inspection)  # recomputed from the rows as stored, by this database's rule
            assert (inspection.score, inspection.grade, inspection.vetoed) == (
                score.percent, overall_grade(score), score.vetoed
            )
            links = s.scalars(
                select(InspectionChecklist)
                .where(InspectionChecklist.inspection_id == inspection.id)
                .order_by(InspectionChecklist.position)
            ).all()
            assert [(link.score, link.grade, link.vetoed) for link in links] == [
                (c.score, c.grade, c.vetoed) for c in score.checklists
            ]
        assert stored(s) == counted_from_results(s) and stored(s)
        findings = s.scalar(select(func.count()).select_from(Finding))
        assert findings == result.applied["finding:new"]
        assert s.scalar(select(func.count()).select_from(FindingEvent)) >= findings
        assert s.scalar(select(func.count()).where(Finding.created_at.is_(None))) == 0
        assert verify_audit_chain(s) == []
        actions = {action: n for action, n in s.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
        )}
        assert actions["package.finding.new"] == findings
        assert actions["package.inspection.new"] == len(inspections)
        last = s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert last is not None and last.action == "package.import"  # the package's own event closes the import
    report = check_database(ws, full=True)
    assert report.ok, report.problems
    assert report.inspections == len(inspections)

    with ws.begin() as s:  # the same package again: nothing new, nothing written twice
        again = import_package(s, ACTOR, month_package)
    assert again.applied == {}
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == findings
        assert stored(s) == counted_from_results(s)


def test_a_result_id_used_here_by_another_record_refuses_the_whole_package(db: Database, tmp_path: Path) -> None:
    laptop = open_database(None, tmp_path / "laptop")
    sent = seed(laptop)
    with laptop.session() as s:
        package = tmp_path / "one.zip"
        export_inspections(s, package, exporter=ACTOR, inspection_ids=[sent.inspection_id])
    laptop.close()
    with zipfile.ZipFile(package) as zf:  # the package's last result: on SQLite, the rows before it are written first
        taken = uuid.UUID(json.loads(zf.read("data.json"))["inspections"][0]["results"][-1]["id"])
    here = seed(db, name="第二人民医院", code="H002")
    with db.begin() as s:  # a record here that happens to carry the id of one of the package's item results
        mine = s.scalar(
            select(ItemResult.id)
            .where(ItemResult.inspection_id == here.inspection_id)
            .where(~ItemResult.id.in_(select(Attachment.item_result_id).where(Attachment.item_result_id.is_not(None))))
            .limit(1)
        )
        s.execute(update(ItemResult).where(ItemResult.id == mine).values(id=taken))
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(ItemResult))

    with pytest.raises(InvalidInputError) as refused, db.begin() as s:
        import_package(s, ACTOR, package)
    assert "记录编号与本机已有的其他记录重复" in str(refused.value)
    assert str(taken) in str(refused.value)  # the clashing id is named, on both databases
    with db.session() as s:  # all or nothing: the inspection before the clash was not kept either
        assert s.get(Inspection, sent.inspection_id) is None
        assert s.scalar(select(func.count()).select_from(ItemResult)) == before
        assert s.get(ItemResult, taken) is not None
