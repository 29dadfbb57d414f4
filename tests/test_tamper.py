"""Tamper evidence: `check` names a signed inspection edited behind the application's back and a broken audit chain."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from inspections.checklists.spec import ChecklistSpec, ItemSpec, SectionSpec
from inspections.cli import main
from inspections.templates import import_checklist
from inspections.workflow import (
    add_item_photo,
    content_hash,
    finalize_inspection,
    load_inspection,
    record_answer,
    start_inspection,
)
from inspections.workspace import open_workspace
from models.database import DB_FILENAME
from tests.helpers import jpeg_bytes, make_institution

NOTE = "手卫生设施缺少干手纸"


def _spec() -> ChecklistSpec:
    items = tuple(
        ItemSpec(code=f"T1.{n}", text=f"检查内容 {n}", method="现场查看", criteria="不符合不得分", points=5)
        for n in (1, 2, 3)
    )
    return ChecklistSpec(
        code="tamper-test", version=1, title="篡改测试检查表", sections=(SectionSpec("T1", "制度", items),)
    )


@pytest.fixture
def signed(tmp_path: Path) -> uuid.UUID:
    """A finalized inspection in ``tmp_path`` (one item failed with a note and a photo); the database is closed."""
    db = open_workspace(None, tmp_path)
    try:
        inst = make_institution(db, "上街区中医院")
        with db.begin() as s:
            template_id = import_checklist(s, "张三", _spec()).template_id
            inspection_id = start_inspection(
                s, "张三", institution_id=inst, on=date(2026, 11, 20), inspectors=["张三"], template_ids=[template_id]
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
                    note=NOTE if failed else "",
                )
                if failed:
                    add_item_photo(s, "张三", inspection_id, item.item_id, jpeg_bytes(), filename="现场.jpg")
            finalize_inspection(s, "张三", inspection_id, signatures={"检查人员": "张三"})
    finally:
        db.close()
    return inspection_id


def _check(capsys: pytest.CaptureFixture[str], data: Path) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), "check"])
    out, err = capsys.readouterr()
    return code, out, err


def _edit(data: Path, sql: str, *params: object) -> int:
    """Change the SQLite file with the sqlite3 module, as someone with the file but not the application would."""
    conn = sqlite3.connect(data / DB_FILENAME)
    try:
        changed = conn.execute(sql, params).rowcount
        conn.commit()
    finally:
        conn.close()
    assert changed >= 1, "the tampering statement changed nothing"
    return changed


def _audit_seq(data: Path, action: str, nth: int = 0) -> int:
    conn = sqlite3.connect(data / DB_FILENAME)
    try:
        row = conn.execute(
            "SELECT seq FROM audit_events WHERE action = ? ORDER BY seq LIMIT 1 OFFSET ?", (action, nth)
        ).fetchone()
    finally:
        conn.close()
    assert row is not None
    return int(row[0])


def test_an_untouched_database_passes(signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(capsys, tmp_path)
    assert code == 0, err
    assert "检查通过" in out and "已完成的检查：1 份，哈希不符 0 份" in out


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: _edit(d, "UPDATE item_results SET note = '已整改' WHERE note = ?", NOTE), id="note"),
        pytest.param(lambda d: _edit(d, "UPDATE item_results SET response = 'pass' WHERE note = ?", NOTE), id="answer"),
        pytest.param(lambda d: _edit(d, "UPDATE inspections SET inspectors = '[\"王五\"]'"), id="inspectors"),
        pytest.param(lambda d: _edit(d, "DELETE FROM item_results WHERE note = ?", NOTE), id="deleted-result"),
    ],
)
def test_an_edited_signed_inspection_is_named(
    signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Callable[[Path], int]
) -> None:
    tamper(tmp_path)
    code, out, err = _check(capsys, tmp_path)
    assert code == 1
    assert f"检查记录 {signed}" in err and "上街区中医院 2026-11-20" in err and "可能被篡改" in err
    assert "哈希不符 1 份" in out and "Traceback" not in err


def test_a_deleted_audit_row_is_named(signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq = _audit_seq(tmp_path, "inspection.answer", 1)
    _edit(tmp_path, "DELETE FROM audit_events WHERE seq = ?", seq)
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and f"审计记录缺失：第 {seq}–{seq} 条不存在" in err


def test_deleting_the_newest_audit_rows_is_noticed(
    signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last = _audit_seq(tmp_path, "inspection.finalize")
    _edit(tmp_path, "DELETE FROM audit_events WHERE seq >= ?", last)
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and f"审计链末尾应为第 {last} 条，实际只有 {last - 1} 条" in err


def test_an_edited_audit_row_is_named(signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq = _audit_seq(tmp_path, "inspection.answer", 1)
    _edit(tmp_path, "UPDATE audit_events SET after = json_set(after, '$.note', '无问题') WHERE seq = ?", seq)
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and f"审计记录第 {seq} 条内容被修改（哈希不符）" in err


def test_an_edited_audit_actor_is_named(signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq = _audit_seq(tmp_path, "inspection.finalize")
    _edit(tmp_path, "UPDATE audit_events SET actor = '李四' WHERE seq = ?", seq)
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and f"审计记录第 {seq} 条内容被修改" in err


def test_an_edit_with_a_recomputed_stored_hash_is_named(
    signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(tmp_path, "UPDATE item_results SET note = '已整改' WHERE note = ?", NOTE)
    db = open_workspace(None, tmp_path)
    try:
        with db.session() as s:
            forged = content_hash(s, signed)
    finally:
        db.close()
    _edit(tmp_path, "UPDATE inspections SET content_hash = ?", forged)
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and str(signed) in err


def test_a_swapped_photo_is_named(signed: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(tmp_path, "UPDATE blobs SET data = ?", jpeg_bytes(colour=(20, 200, 20)))
    code, _, err = _check(capsys, tmp_path)
    assert code == 1 and str(signed) in err


def test_check_says_how_far_it_has_got(signed: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A city's database takes minutes to check: every stage reports, and the hashes count up to the total."""
    from inspections import integrity

    monkeypatch.setattr(integrity, "HASH_BATCH", 1)
    db = open_workspace(None, tmp_path)
    try:
        inst = make_institution(db, "济源路社区卫生服务中心")
        with db.begin() as s:  # a second finalized inspection, so the hashes are checked in two batches
            template_id = import_checklist(s, "张三", _spec()).template_id
            second = start_inspection(
                s, "张三", institution_id=inst, on=date(2026, 11, 21), inspectors=["张三"], template_ids=[template_id]
            )
        with db.session() as s:
            items = load_inspection(s, second).items()
        with db.begin() as s:
            for item in items:
                record_answer(s, "张三", second, item.item_id, response="pass")
            finalize_inspection(s, "张三", second, signatures={"检查人员": "张三"})
        seen: list[tuple[int, int, str]] = []
        report = integrity.check_database(db, lambda done, total, what: seen.append((done, total, what)))
    finally:
        db.close()
    assert report.ok
    stages = list(dict.fromkeys(what for _done, _total, what in seen))
    assert stages == ["SQLite 完整性检查", "审计链", "已完成检查的签名哈希", "照片校验值", "答案统计", "签名与得分"]
    hashes = [(done, total) for done, total, what in seen if what == "已完成检查的签名哈希"]
    assert hashes == [(0, 2), (1, 2), (2, 2)]
