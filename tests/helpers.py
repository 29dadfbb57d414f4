"""Shared test helpers: institutions, answered inspections, photos, database checksums."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterable

from PIL import Image
from sqlalchemy import inspect, text

from inspections.workflow import add_item_photo, load_inspection, record_answer
from models.database import Database
from models.reference import Institution


def make_institution(db: Database, name: str, *, level: int = 2, fever: bool = False, category: str = "综合医院",
                     district: str = "上街区") -> uuid.UUID:
    """Insert an institution directly (the institutions service has its own tests)."""
    with db.begin() as s:
        inst = Institution(name=name, level=level, has_fever_clinic=fever, category=category, district=district)
        s.add(inst)
        s.flush()
        return inst.id


def jpeg_bytes(width: int = 640, height: int = 480, colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def answer_all(db: Database, inspection_id: uuid.UUID, *, fail_codes: Iterable[str] = (),
               partial_codes: Iterable[str] = ()) -> dict[str, str]:
    """Answer every item 符合 except the given codes; failed ones get a note and, where required, a photo.
    Returns item code → note of the failed items."""
    fail, partial = set(fail_codes), set(partial_codes)
    notes: dict[str, str] = {}
    with db.session() as s:
        items = load_inspection(s, inspection_id).items()
    assert fail | partial <= {i.code for i in items}, "unknown item codes in the test"
    with db.begin() as s:
        for item in items:
            if item.code in fail or item.code in partial:
                notes[item.code] = f"{item.code} 现场发现问题"
                response = "fail" if item.code in fail else "partial"
                record_answer(s, "张三", inspection_id, item.item_id, response=response, note=notes[item.code])
                if item.spec.evidence != "none":
                    add_item_photo(s, "张三", inspection_id, item.item_id, jpeg_bytes(), filename=f"{item.code}.jpg")
            else:
                record_answer(s, "张三", inspection_id, item.item_id, response="pass")
                if item.spec.evidence == "photo-always":
                    add_item_photo(s, "张三", inspection_id, item.item_id, jpeg_bytes(), filename=f"{item.code}.jpg")
    return notes


def content_checksum(db: Database) -> str:
    """sha256 over every row of every table, in a stable order: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    with db.session() as s:
        names = sorted(inspect(s.connection()).get_table_names())
        for name in names:
            digest.update(name.encode())
            for row in s.execute(text(f'SELECT * FROM "{name}"')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
