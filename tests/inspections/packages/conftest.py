"""Fixtures for the package tests: a small checklist, a finalized inspection with findings and photos, checksums."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from inspections.checklists.spec import ChecklistSpec, ItemSpec, SectionSpec
from inspections.institutions import InstitutionData, create_institution
from inspections.templates import import_checklist
from inspections.workflow import add_item_photo, finalize_inspection, load_inspection, record_answer, start_inspection
from models.base import Base
from models.database import Database, open_database

ACTOR = "张伟"
DAY = date(2026, 11, 3)


def jpeg(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def small_spec(code: str = "triage-test") -> ChecklistSpec:
    items = (
        ItemSpec(
            code="T1.1",
            text="设置预检分诊点，标识醒目",
            method="现场查看",
            criteria="未设置不得分",
            points=5,
            remedy="规范设置预检分诊点",
            evidence="photo-on-fail",
        ),
        ItemSpec(
            code="T1.2",
            text="分诊人员掌握流行病学史询问要点",
            method="询问",
            criteria="回答错误扣分",
            points=5,
            remedy="开展培训",
        ),
        ItemSpec(code="T1.3", text="配备体温计、口罩和手消毒剂", method="现场查看", criteria="缺一项扣 1 分", points=5),
    )
    return ChecklistSpec(code=code, version=1, title="预检分诊（测试）", sections=(SectionSpec("T1", "分诊", items),))


@dataclass
class Seeded:
    institution_id: uuid.UUID
    inspection_id: uuid.UUID
    finding_ids: tuple[uuid.UUID, ...]
    template_id: uuid.UUID


def seed(
    db: Database, *, name: str = "第一人民医院", code: str = "H001", finalize: bool = True, on: date = DAY
) -> Seeded:
    """An institution and an inspection of it: T1.1 failed with a photo, T1.2 partly, T1.3 passed."""
    with db.begin() as s:
        template_id = import_checklist(s, "system", small_spec()).template_id
        institution_id = create_institution(s, ACTOR, InstitutionData(name=name, code=code, level=2))
        s.flush()
        inspection_id = start_inspection(
            s, ACTOR, institution_id=institution_id, on=on, inspectors=[ACTOR, "李娜"], template_ids=[template_id]
        )
        items = {i.code: i.item_id for i in load_inspection(s, inspection_id).items()}
        record_answer(s, ACTOR, inspection_id, items["T1.1"], response="fail", note="未设置预检分诊标识")
        add_item_photo(s, ACTOR, inspection_id, items["T1.1"], jpeg(), filename="分诊点.jpg")
        record_answer(s, ACTOR, inspection_id, items["T1.2"], response="partial", note="两人不知晓流调要点")
        record_answer(s, ACTOR, inspection_id, items["T1.3"], response="pass")
        findings: tuple[uuid.UUID, ...] = ()
        if finalize:
            findings = finalize_inspection(
                s, ACTOR, inspection_id, signatures={"检查组": ACTOR}, hospital_rep="院感科 王主任"
            ).finding_ids
    return Seeded(institution_id, inspection_id, findings, template_id)


def checksum(db: Database) -> dict[str, str]:
    """A digest of every row of every table, to prove an operation changed nothing."""
    digests = {}
    with db.session() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return digests


@pytest.fixture
def new_db(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """Open more SQLite databases (another laptop, the hospital's copy) by name."""
    opened: list[Database] = []

    def make(name: str) -> Database:
        database = open_database(None, tmp_path / name)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


def rewrite(src: Path, dst: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of a package with data.json changed by ``mutate`` and the manifest's hashes made to match again
    (what a careful forger would do)."""
    with zipfile.ZipFile(src) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    data = json.loads(entries["data.json"])
    mutate(data)
    entries["data.json"] = json.dumps(data, ensure_ascii=False).encode()
    manifest = json.loads(entries["manifest.json"])
    for entry in manifest["entries"]:
        payload = entries[entry["path"]]
        entry["sha256"], entry["size"] = hashlib.sha256(payload).hexdigest(), len(payload)
    entries["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
    return dst
