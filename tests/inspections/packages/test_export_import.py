"""Inspection packages: export changes nothing, import previews then applies, twice is a no-op, conflicts wait for
a decision, drafts never replace signed inspections, checklists and institutions are matched."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inspections.errors import UserError
from inspections.findings import finding_detail, list_findings
from inspections.institutions import InstitutionData, create_institution, get_institution
from inspections.integrity import check_database
from inspections.packages import (
    export_inspections,
    export_rectification,
    import_package,
    preview_file,
    read_package,
)
from inspections.photos import photo_bytes
from inspections.templates import import_checklist
from inspections.workflow import finalize_inspection, load_inspection, record_answer
from models.audit import AuditEvent
from models.database import Database
from models.inspection import Inspection
from tests.inspections.packages.conftest import ACTOR, DAY, Seeded, checksum, seed, small_spec

pytestmark = pytest.mark.postgres  # every test using ``db`` runs on SQLite and on PostgreSQL


def _export(db: Database, seeded: Seeded, path: Path) -> Path:
    with db.session() as s:
        export_inspections(s, path, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
    return path


def _statuses(db: Database, path: Path) -> dict[str, str]:
    with db.session() as s:
        return {e.key: e.status for e in preview_file(s, path).entries}


def test_exporting_changes_nothing_in_the_database(db: Database, tmp_path: Path) -> None:
    seeded = seed(db)
    before = checksum(db)
    _export(db, seeded, tmp_path / "a.zip")
    steps: list[tuple[int, int, str]] = []
    with db.session() as s:
        export_rectification(
            s, tmp_path / "b.zip", seeded.institution_id, exporter=ACTOR, progress=lambda *a: steps.append(a)
        )
    assert checksum(db) == before
    assert steps == [(1, 1, "写入照片")]
    package = read_package(tmp_path / "a.zip")
    assert package.manifest.exporter == ACTOR and package.manifest.kind == "inspections"
    assert {e.path.split("/")[0] for e in package.manifest.entries} == {"data.json", "checklists", "photos"}


def test_a_package_brings_inspections_findings_and_photos_into_an_empty_database(
    db: Database, new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop = new_db("laptop")
    seeded = seed(laptop)
    path = _export(laptop, seeded, tmp_path / "p.zip")
    with db.session() as s:
        preview = preview_file(s, path)
    assert preview.counts()["new"] == 6 and not preview.conflicts  # … and the 反馈单's 文号
    with db.begin() as s:
        result = import_package(s, "王磊", path)
    assert result.applied == {
        "checklist:new": 1,
        "institution:new": 1,
        "inspection:new": 1,
        "finding:new": 2,
        "document:new": 1,
    }

    with laptop.session() as s:
        original = load_inspection(s, seeded.inspection_id)
    with db.session() as s:
        copy = load_inspection(s, seeded.inspection_id)
        findings = list_findings(s, today=DAY)
        detail = finding_detail(s, findings[0].id, today=DAY)
        photo = copy.items()[0].photos[0]
        assert photo_bytes(s, photo.sha256)[:2] == b"\xff\xd8"
        actions = set(s.scalars(select(AuditEvent.action)))
    assert copy.content_hash == original.content_hash and copy.score.percent == original.score.percent
    assert [i.response for i in copy.items()] == [i.response for i in original.items()]
    assert {f.id for f in findings} == set(seeded.finding_ids)
    assert detail.item_text.startswith("设置预检分诊点")
    assert {"package.import", "package.inspection.new", "package.finding.new"} <= actions
    assert check_database(db).ok, check_database(db).problems


def test_importing_the_same_package_twice_changes_nothing(
    db: Database, new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop = new_db("laptop")
    path = _export(laptop, seed(laptop), tmp_path / "p.zip")
    with db.begin() as s:
        import_package(s, "王磊", path)
    after_first = checksum(db)
    with db.begin() as s:
        result = import_package(s, "王磊", path)
    assert result.applied == {}
    assert checksum(db) == after_first
    assert set(_statuses(db, path).values()) == {"unchanged"}


def test_an_amended_signed_inspection_is_a_conflict_until_the_user_decides(
    new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop, commission = new_db("laptop"), new_db("commission")
    seeded = seed(laptop)
    with commission.begin() as s:
        import_package(s, "王磊", _export(laptop, seeded, tmp_path / "first.zip"))
    with laptop.begin() as s:
        item = load_inspection(s, seeded.inspection_id).items()[2]
        record_answer(
            s, ACTOR, seeded.inspection_id, item.item_id, response="fail", note="手消毒剂过期", reason="复核照片后更正"
        )
    second = _export(laptop, seeded, tmp_path / "second.zip")
    key = f"inspection:{seeded.inspection_id}"
    assert _statuses(commission, second)[key] == "conflict"

    before = checksum(commission)
    with pytest.raises(UserError, match="冲突") as err, commission.begin() as s:
        import_package(s, "王磊", second)
    assert key in str(err.value)
    assert checksum(commission) == before

    with commission.begin() as s:
        kept = import_package(s, "王磊", second, decisions={key: "mine"})
    assert kept.applied == {} and checksum(commission) == before

    with commission.begin() as s:
        taken = import_package(s, "王磊", second, decisions={key: "theirs"})
    assert taken.applied["inspection:updated"] == 1 and taken.applied["finding:new"] == 1
    with laptop.session() as s, commission.session() as c:
        assert (
            load_inspection(c, seeded.inspection_id).content_hash
            == load_inspection(s, seeded.inspection_id).content_hash
        )
        replaced = c.scalars(select(AuditEvent).where(AuditEvent.action == "package.inspection.replace")).one()
        assert replaced.before["amendments"] == 0 and replaced.after["amendments"] == 1
        assert len(list_findings(c, today=DAY)) == 3
    assert check_database(commission).ok


def test_a_draft_never_replaces_a_signed_inspection_but_a_signed_one_replaces_a_draft(
    new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop, commission, other = new_db("laptop"), new_db("commission"), new_db("other")
    seeded = seed(laptop, finalize=False)
    draft = _export(laptop, seeded, tmp_path / "draft.zip")
    with laptop.begin() as s:
        finalize_inspection(s, ACTOR, seeded.inspection_id, signatures={"检查组": ACTOR})
    signed = _export(laptop, seeded, tmp_path / "signed.zip")
    key = f"inspection:{seeded.inspection_id}"

    with commission.begin() as s:
        import_package(s, "王磊", signed)
    before = checksum(commission)
    assert _statuses(commission, draft)[key] == "kept"
    with commission.begin() as s:
        assert import_package(s, "王磊", draft).applied == {}
    assert checksum(commission) == before

    with other.begin() as s:
        import_package(s, "王磊", draft)
    assert _statuses(other, signed)[key] == "updated"
    with other.begin() as s:
        import_package(s, "王磊", signed)
    with other.session() as s:
        assert s.get(Inspection, seeded.inspection_id).status == "finalized"  # type: ignore[union-attr]
        assert len(list_findings(s, today=DAY)) == 2


def test_checklists_match_by_content_and_institutions_by_code(
    db: Database, new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop = new_db("laptop")
    path = _export(laptop, seed(laptop, name="第一人民医院", code="H001"), tmp_path / "p.zip")
    with db.begin() as s:
        template_id = import_checklist(s, "system", small_spec()).template_id
        institution_id = create_institution(s, "admin", InstitutionData(name="市第一人民医院", code="H001", level=2))
    statuses = _statuses(db, path)
    assert sorted(v for k, v in statuses.items() if k.startswith(("checklist", "institution"))) == [
        "conflict",  # same code, another name: the user decides
        "unchanged",
    ]
    institution_key = next(k for k in statuses if k.startswith("institution"))
    with db.begin() as s:
        import_package(s, "王磊", path, decisions={institution_key: "mine"})
    with db.session() as s:
        inspection = s.scalars(select(Inspection)).one()
        assert inspection.institution_id == institution_id
        assert inspection.checklists[0].template_id == template_id
        assert get_institution(s, institution_id).name == "市第一人民医院"
        assert s.scalar(select(func.count()).select_from(Inspection)) == 1
    assert check_database(db).ok


def test_taking_their_institution_data_updates_it_with_an_audit_record(
    new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    laptop, commission = new_db("laptop"), new_db("commission")
    path = _export(laptop, seed(laptop, name="第一人民医院", code="H001"), tmp_path / "p.zip")
    with commission.begin() as s:
        local_id = create_institution(s, "admin", InstitutionData(name="第一人民医院", code="H001", level=1))
    key = next(k for k, v in _statuses(commission, path).items() if k.startswith("institution"))
    with commission.begin() as s:
        import_package(s, "王磊", path, decisions={key: "theirs"})
    with commission.session() as s:
        assert get_institution(s, local_id).level == 2
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "package.institution.update")).one()
        assert audit.before == {"level": 1} and audit.after == {"level": 2}
        assert audit.entity_id == str(local_id) != key.split(":")[1]
    assert uuid.UUID(key.split(":")[1]) != local_id
    # The signed hash names the laptop's institution id: it is recomputed here (audited), and `check` agrees.
    with commission.session() as s:
        rehash = s.scalars(select(AuditEvent).where(AuditEvent.action == "package.inspection.rehash")).one()
        assert rehash.after["institution"] == str(local_id)
    assert check_database(commission).ok
    before = checksum(commission)
    assert set(_statuses(commission, path).values()) == {"unchanged"}
    with commission.begin() as s:
        assert import_package(s, "王磊", path).applied == {}
    assert checksum(commission) == before


def test_a_rounds_inspections_travel_together_and_complete_the_commissions_plan(
    new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    import shutil

    from inspections.institutions import InstitutionData, create_institution
    from inspections.rounds import RoundScope, create_round, start_entry_inspection
    from models.database import open_database
    from models.inspection import RoundEntry

    commission = new_db("commission")
    with commission.begin() as s:
        import_checklist(s, "system", small_spec())
        institution_id = create_institution(s, ACTOR, InstitutionData(name="第一人民医院", code="H001", level=2))
        s.flush()
        round_id = create_round(
            s, ACTOR, month="2026-11", team=[ACTOR], scope=RoundScope(institution_ids=(institution_id,)), on=DAY
        )
    commission.close()
    # The inspector's laptop starts from a copy of the commission's database, so it shares the round.
    (tmp_path / "laptop").mkdir()
    shutil.copy(tmp_path / "commission" / "yuangan.db", tmp_path / "laptop" / "yuangan.db")
    laptop = open_database(None, tmp_path / "laptop")
    try:
        with laptop.begin() as s:
            entry_id = s.scalars(select(RoundEntry.id).where(RoundEntry.round_id == round_id)).one()
            inspection_id = start_entry_inspection(s, ACTOR, entry_id, on=DAY)
            for item in load_inspection(s, inspection_id).items():
                record_answer(s, ACTOR, inspection_id, item.item_id, response="pass")
            finalize_inspection(s, ACTOR, inspection_id)
        with laptop.session() as s:
            summary = export_inspections(s, tmp_path / "round.zip", exporter=ACTOR, round_id=round_id)
    finally:
        laptop.close()
    assert summary.inspections == 1

    commission = new_db("commission")
    with commission.begin() as s:
        assert import_package(s, "王磊", summary.path).applied == {"inspection:new": 1, "document:new": 1}
    with commission.session() as s:
        assert s.scalars(select(RoundEntry.status).where(RoundEntry.round_id == round_id)).one() == "done"
        assert s.get(Inspection, inspection_id).round_id == round_id  # type: ignore[union-attr]
    assert check_database(commission).ok
