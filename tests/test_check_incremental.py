"""`check` remembers what it verified: the next `check` reads only what is new or changed (plus a rotating slice of
older records); `check --full` reads everything; a failed check forgets the checkpoint."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from inspections import integrity
from inspections.checklists.spec import ChecklistSpec, ItemSpec, SectionSpec
from inspections.cli import main
from inspections.integrity import check_database, last_checks, load_checkpoint
from inspections.templates import import_checklist
from inspections.workflow import add_item_photo, finalize_inspection, load_inspection, record_answer, start_inspection
from inspections.workspace import open_workspace
from models.database import DB_FILENAME, Database
from tests.helpers import jpeg_bytes, make_institution

SPEC = ChecklistSpec(
    code="check-test",
    version=1,
    title="核对测试检查表",
    sections=(
        SectionSpec(
            "T1",
            "制度",
            tuple(ItemSpec(f"T1.{n}", f"检查内容 {n}", "现场查看", "不符合不得分", 5) for n in (1, 2, 3)),
        ),
    ),
)


@pytest.fixture(autouse=True)
def no_clock_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything here happens within a second: "changed since the last check" must not reach back an hour."""
    monkeypatch.setattr(integrity, "CLOCK_MARGIN", timedelta(0))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_workspace(None, tmp_path)
    with database.begin() as s:
        import_checklist(s, "张三", SPEC)
    yield database  # type: ignore[misc]
    database.close()


def signed(db: Database, name: str, on: date, *, photo: int | None = None) -> uuid.UUID:
    """A finalized inspection of a new institution; T1.2 failed with a note (and a photo of colour ``photo``)."""
    institution = make_institution(db, name)
    with db.begin() as s:
        from inspections.templates import list_templates

        template = next(t.id for t in list_templates(s) if t.code == "check-test")
        inspection_id = start_inspection(
            s, "张三", institution_id=institution, on=on, inspectors=["张三"], template_ids=[template]
        )
    with db.session() as s:
        items = load_inspection(s, inspection_id).items()
    with db.begin() as s:
        for item in items:
            failed = item.code == "T1.2"
            record_answer(
                s,
                "张三",
                inspection_id,
                item.item_id,
                response="fail" if failed else "pass",
                note=name if failed else "",
            )
            if failed and photo is not None:
                add_item_photo(
                    s, "张三", inspection_id, item.item_id, jpeg_bytes(colour=(photo, 80, 40)), filename="a.jpg"
                )
        finalize_inspection(s, "张三", inspection_id, signatures={"检查人员": "张三"})
    return inspection_id


def edit(path: Path, sql: str, *params: object) -> None:
    """Change the SQLite file behind the application's back."""
    conn = sqlite3.connect(path / DB_FILENAME)
    try:
        assert conn.execute(sql, params).rowcount >= 1
        conn.commit()
    finally:
        conn.close()


def test_a_passing_check_is_remembered_and_the_next_one_reads_only_what_is_new(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "ROTATE_INSPECTIONS", 0)
    monkeypatch.setattr(integrity, "ROTATE_PHOTOS", 0)
    old = signed(db, "上街区中医院", date(2026, 10, 20), photo=10)
    first = check_database(db, full=False)
    assert first.ok and first.full  # nothing remembered yet: a full check
    assert first.inspections == 1 and first.photos == 1
    with db.session() as s:
        assert load_checkpoint(s) is not None
    new = signed(db, "上街区人民医院", date(2026, 11, 20), photo=200)
    second = check_database(db, full=False)
    assert second.ok and not second.full
    assert second.inspections == 1 and second.photos == 1  # the new inspection and its photo only
    assert any("增量核对" in line for line in second.lines)

    # A record added since, edited behind the application's back before the next check, is found by it.
    newer = signed(db, "上街区妇幼保健院", date(2026, 11, 25))
    edit(tmp_path, "UPDATE item_results SET note = '已整改' WHERE note = ?", "上街区妇幼保健院")
    third = check_database(db, full=False)
    assert not third.full and third.inspections == 1
    assert not third.ok and any(f"检查记录 {newer}" in p and "可能被篡改" in p for p in third.problems)
    assert all(str(old) not in p and str(new) not in p for p in third.problems)


def test_an_old_record_edited_without_a_trace_waits_for_the_rotation_or_the_full_check(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit of an incremental check, stated in the module: it trusts what it verified before, until the
    rotating slice comes round to it; a full check always reads it."""
    ids = [signed(db, f"第{n}卫生院", date(2026, 10, n + 1)) for n in range(4)]
    victim = ids[0]
    assert check_database(db, full=True).ok
    edit(tmp_path, "UPDATE item_results SET note = '已整改' WHERE note = ?", "第0卫生院")
    monkeypatch.setattr(integrity, "ROTATE_INSPECTIONS", 0)
    assert check_database(db, full=False).ok  # nothing new, no rotation: not seen
    monkeypatch.setattr(integrity, "ROTATE_INSPECTIONS", 1)
    found_after = None
    for run in range(1, 5):  # one older inspection per run: round all four within four runs
        report = check_database(db, full=False)
        assert not report.full and report.inspections == 1
        if not report.ok:
            assert any(f"检查记录 {victim}" in p for p in report.problems)
            found_after = run
            break
    assert found_after is not None
    full = check_database(db, full=True)
    assert full.full and any(f"检查记录 {victim}" in p for p in full.problems)


def test_a_rewritten_or_broken_audit_chain_after_the_checkpoint_is_found(db: Database, tmp_path: Path) -> None:
    signed(db, "上街区中医院", date(2026, 10, 20))
    assert check_database(db, full=False).ok
    with db.session() as s:
        checkpoint = load_checkpoint(s)
    assert checkpoint is not None and checkpoint.audit_seq > 0
    # The event the checkpoint names, rewritten with its hash left as it was.
    edit(tmp_path, "UPDATE audit_events SET actor = '李四' WHERE seq = ?", checkpoint.audit_seq)
    report = check_database(db, full=False)
    assert not report.full and not report.ok
    assert any(f"审计记录第 {checkpoint.audit_seq} 条与上次核对时不同" in p for p in report.problems)
    # A failed check forgets the checkpoint: the next one reads everything again.
    with db.session() as s:
        assert load_checkpoint(s) is None
    again = check_database(db, full=False)
    assert again.full and not again.ok


def test_events_after_the_checkpoint_are_verified(db: Database, tmp_path: Path) -> None:
    signed(db, "上街区中医院", date(2026, 10, 20))
    assert check_database(db, full=False).ok
    signed(db, "上街区人民医院", date(2026, 11, 20))
    with db.session() as s:
        checkpoint = load_checkpoint(s)
    assert checkpoint is not None
    edit(tmp_path, "UPDATE audit_events SET reason = '改' WHERE seq = ?", checkpoint.audit_seq + 2)
    report = check_database(db, full=False)
    assert any(f"审计记录第 {checkpoint.audit_seq + 2} 条内容被修改" in p for p in report.problems)


def test_a_new_photo_replaced_behind_the_applications_back_is_found(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "ROTATE_PHOTOS", 0)
    signed(db, "上街区中医院", date(2026, 10, 20), photo=10)
    assert check_database(db, full=False).ok
    new = signed(db, "上街区人民医院", date(2026, 11, 20), photo=200)
    with db.session() as s:
        sha = load_inspection(s, new).items()[1].photos[0].sha256
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (jpeg_bytes(colour=(1, 2, 3)), sha))
    conn.commit()
    conn.close()
    report = check_database(db, full=False)
    assert not report.full and any(f"照片 {sha[:12]}" in p and str(new) in p for p in report.problems)


def test_record_verifiers_see_every_inspection_a_check_verifies(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a signature check plugs in: called for the inspections of both depths, its problems fail the check."""
    first = signed(db, "上街区中医院", date(2026, 10, 20))
    seen: list[uuid.UUID] = []

    def verifier(_session: Session, ids: Sequence[uuid.UUID]) -> list[str]:
        seen.extend(ids)
        return [f"检查记录 {i} 的签名无效" for i in ids if i == first]

    monkeypatch.setattr(integrity, "RECORD_VERIFIERS", [verifier])
    report = check_database(db, full=True)
    assert seen == [first] and report.problems == [f"检查记录 {first} 的签名无效"]


def test_the_command_line_says_which_depth_ran_and_remembers_the_result(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed(db, "上街区中医院", date(2026, 10, 20))
    assert main(["--data-dir", str(tmp_path), "check"]) == 0
    out, _ = capsys.readouterr()
    assert "没有上次核对通过的记录：本次进行完整核对" in out and "检查通过（完整核对" in out
    assert main(["--data-dir", str(tmp_path), "check"]) == 0
    out, _ = capsys.readouterr()
    assert "检查通过（增量核对" in out and "SQLite 完整性检查：增量核对时不做" in out
    assert main(["--data-dir", str(tmp_path), "check", "--full"]) == 0
    out, _ = capsys.readouterr()
    assert "检查通过（完整核对" in out and "SQLite 完整性检查：通过" in out
    with db.session() as s:
        last, last_full = last_checks(s)
    assert last is not None and last_full is not None and last == last_full and last.ok and last.full
