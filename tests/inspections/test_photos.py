"""Photo ingestion: real images only, upright, downscaled JPEG without metadata, stored once, attached with audit."""

from __future__ import annotations

import io
import json
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, UserError
from inspections.photos import (
    MAX_LONG_EDGE,
    MAX_PHOTO_FILE_BYTES,
    attach_photo,
    ingest_photo,
    load_photo_file,
    photo_bytes,
    prepare_photo,
    remove_attachment,
    thumbnail,
)
from models.audit import AuditEvent, verify_audit_chain
from models.checklist import ChecklistItem, ChecklistSection, ChecklistTemplate
from models.database import Database
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Blob, Inspection, ItemResult
from models.reference import Institution

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "photos"
EXPECTED: dict[str, Any] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e is None))
def test_every_good_sample_becomes_an_rgb_jpeg(name: str) -> None:
    stored, info = prepare_photo((CORPUS / name).read_bytes(), filename=name)
    image = opened(stored)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (info.width, info.height))
    assert (info.mime, info.size) == ("image/jpeg", len(stored))


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e is not None))
def test_every_bad_sample_is_refused_with_a_message_naming_it(name: str) -> None:
    with pytest.raises(UserError) as excinfo:
        prepare_photo((CORPUS / name).read_bytes(), filename=name)
    for part in EXPECTED[name]:
        assert part in str(excinfo.value)


def test_a_nameless_photo_is_still_described() -> None:
    with pytest.raises(UserError, match="照片是空文件"):
        prepare_photo(b"")


def test_exif_orientation_is_applied_and_dropped() -> None:
    stored, info = prepare_photo((CORPUS / "good-exif-rotated.jpg").read_bytes())
    assert (info.width, info.height) == (20, 40)  # stored 40×20 with "rotate 90°": upright it is portrait
    assert 0x0112 not in opened(stored).getexif()


def test_metadata_is_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(Image.new("RGB", (50, 40), (10, 120, 200)), "JPEG", exif=exif.tobytes(), icc_profile=icc)
    assert opened(source).getexif()
    stored, _ = prepare_photo(source)
    image = opened(stored)
    assert not image.getexif()
    assert "icc_profile" not in image.info
    red, green, blue = image.getpixel((25, 20))  # type: ignore[misc]
    assert abs(red - 10) < 8 and abs(green - 120) < 8 and abs(blue - 200) < 8


def test_transparent_png_is_flattened_on_white() -> None:
    stored, _ = prepare_photo((CORPUS / "good-transparent.png").read_bytes())
    assert all(c >= 250 for c in opened(stored).getpixel((5, 5)))  # type: ignore[union-attr]


def test_16_bit_grey_is_scaled_not_clipped_to_white() -> None:
    stored, _ = prepare_photo((CORPUS / "good-16bit-grey.png").read_bytes())
    red, _green, _blue = opened(stored).getpixel((4, 4))  # type: ignore[misc]
    assert abs(red - 40000 // 256) < 4


def test_gif_keeps_its_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    stored, _ = prepare_photo(buffer.getvalue())
    red, _green, blue = opened(stored).getpixel((8, 8))  # type: ignore[misc]
    assert red > 200 and blue < 50


def test_a_big_phone_photo_is_downscaled_quickly() -> None:
    big = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    data = encode(big, "JPEG", quality=90)
    start = time.perf_counter()
    stored, info = prepare_photo(data, filename="IMG_0001.jpg")
    elapsed = time.perf_counter() - start
    assert max(info.width, info.height) <= MAX_LONG_EDGE
    assert max(info.width, info.height) >= 1600  # reduced, not thumbnailed
    assert abs(info.width / info.height - 4 / 3) < 0.01
    assert len(stored) < len(data)
    assert elapsed < 0.8, f"took {elapsed:.2f} s"


def test_a_wide_png_is_downscaled_to_the_long_edge() -> None:
    stored, info = prepare_photo(encode(Image.new("RGB", (3000, 1000), (0, 128, 0)), "PNG"))
    assert (info.width, info.height) == (MAX_LONG_EDGE, 683)
    assert opened(stored).size == (MAX_LONG_EDGE, 683)


def test_the_same_photo_is_stored_once(db: Database) -> None:
    data = (CORPUS / "good.jpg").read_bytes()
    with db.begin() as session:
        first = ingest_photo(session, data, filename="a.jpg")
        second = ingest_photo(session, data, filename="b.jpg")
    with db.begin() as session:
        third = ingest_photo(session, data, filename="c.jpg")
        assert first == second == third
        assert session.scalar(select(func.count()).select_from(Blob)) == 1
        assert photo_bytes(session, first.sha256)[:3] == b"\xff\xd8\xff"


def test_photo_bytes_and_thumbnail(db: Database) -> None:
    data = encode(Image.new("RGB", (1200, 600), (200, 200, 0)), "JPEG")
    with db.begin() as session:
        info = ingest_photo(session, data)
        small = opened(thumbnail(session, info.sha256))
        assert (small.format, small.size) == ("JPEG", (160, 80))
        assert opened(thumbnail(session, info.sha256, size=64)).size == (64, 32)
        with pytest.raises(NotFoundError, match="照片"):
            photo_bytes(session, "0" * 64)
        with pytest.raises(NotFoundError):
            thumbnail(session, "0" * 64)


def make_owners(session: Session) -> tuple[uuid.UUID, uuid.UUID]:
    """An item result and a finding event to attach photos to (the smallest valid records)."""
    institution = Institution(id=uuid.uuid4(), name="测试医院")
    template = ChecklistTemplate(id=uuid.uuid4(), code="t", version=1, title="测试表", content_hash="0" * 64)
    section = ChecklistSection(id=uuid.uuid4(), template_id=template.id, position=0, code="A", title="分区")
    item = ChecklistItem(
        id=uuid.uuid4(), template_id=template.id, section_id=section.id, position=0, code="A.1",
        text="设置预检分诊点", method="现场查看", criteria="未设置不得分", points=5,
    )  # fmt: skip
    inspection = Inspection(id=uuid.uuid4(), institution_id=institution.id, kind="supervision", date=date(2026, 3, 1))
    result = ItemResult(id=uuid.uuid4(), inspection_id=inspection.id, item_id=item.id, response="fail")
    finding = Finding(
        id=uuid.uuid4(), inspection_id=inspection.id, institution_id=institution.id, problem="未设置预检分诊点",
        severity="general", deadline=date(2026, 4, 1),
    )  # fmt: skip
    event = FindingEvent(id=uuid.uuid4(), finding_id=finding.id, kind="feedback")
    # Without relationships between them, the unit of work needs the parents flushed first.
    for batch in ([institution, template], [section], [item, inspection], [result, finding], [event]):
        session.add_all(batch)
        session.flush()
    return result.id, event.id


@pytest.mark.postgres
def test_attach_and_remove_photos_with_audit(db: Database) -> None:
    data = (CORPUS / "good.jpg").read_bytes()
    with db.begin() as session:
        result_id, event_id = make_owners(session)
        on_result = attach_photo(session, "张专家", item_result_id=result_id, data=data, filename="C:\\照片\\现场.jpg")
        on_event = attach_photo(session, "感控科", finding_event_id=event_id, data=data, filename="整改后.jpg")
    with db.begin() as session:
        first = session.get(Attachment, on_result)
        second = session.get(Attachment, on_event)
        assert first is not None and second is not None
        assert (first.item_result_id, first.finding_event_id, first.filename) == (result_id, None, "现场.jpg")
        assert (second.finding_event_id, second.created_by) == (event_id, "感控科")
        assert first.sha256 == second.sha256
        remove_attachment(session, "张专家", on_result, reason="拍错了")
    with db.begin() as session:
        assert session.get(Attachment, on_result) is None
        assert session.get(Blob, first.sha256) is not None  # still referenced by the other attachment
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [(e.action, e.entity, e.entity_id) for e in events] == [
            ("photo.add", "attachment", str(on_result)),
            ("photo.add", "attachment", str(on_event)),
            ("photo.remove", "attachment", str(on_result)),
        ]
        assert events[0].after["sha256"] == first.sha256
        assert events[0].after["item_result_id"] == str(result_id)
        assert events[2].before["filename"] == "现场.jpg"
        assert events[2].reason == "拍错了"
        assert verify_audit_chain(session) == []


def test_attach_needs_exactly_one_existing_owner(db: Database) -> None:
    data = (CORPUS / "good.jpg").read_bytes()
    with db.begin() as session:
        result_id, event_id = make_owners(session)
        with pytest.raises(ValueError, match="exactly one"):
            attach_photo(session, "a", data=data, filename="x.jpg")
        with pytest.raises(ValueError, match="exactly one"):
            attach_photo(session, "a", item_result_id=result_id, finding_event_id=event_id, data=data, filename="x")
        with pytest.raises(NotFoundError, match="检查结果不存在"):
            attach_photo(session, "a", item_result_id=uuid.uuid4(), data=data, filename="x.jpg")
        with pytest.raises(NotFoundError, match="整改记录不存在"):
            attach_photo(session, "a", finding_event_id=uuid.uuid4(), data=data, filename="x.jpg")
        with pytest.raises(NotFoundError, match="要删除的照片不存在"):
            remove_attachment(session, "a", uuid.uuid4())


def test_a_bad_photo_attaches_nothing(db: Database) -> None:
    with db.begin() as session:
        result_id, _event_id = make_owners(session)
    with db.begin() as session, pytest.raises(UserError, match=r"bad\.jpg"):
        attach_photo(session, "a", item_result_id=result_id, data=b"not an image", filename="bad.jpg")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_load_photo_file(tmp_path: Path) -> None:
    path = tmp_path / "现场.jpg"
    path.write_bytes(b"\xff\xd8\xff data")
    assert load_photo_file(path) == b"\xff\xd8\xff data"
    with pytest.raises(UserError, match=r"照片「没有\.jpg」不存在"):
        load_photo_file(tmp_path / "没有.jpg")
    with pytest.raises(UserError, match="是一个文件夹"):
        load_photo_file(tmp_path)
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:  # sparse: nothing is really written
        handle.truncate(MAX_PHOTO_FILE_BYTES + 1)
    with pytest.raises(UserError, match=r"照片「huge\.jpg」太大"):
        load_photo_file(huge)


def test_oversized_bytes_are_refused_before_decoding() -> None:
    with pytest.raises(UserError, match="太大"):
        prepare_photo(b"\xff" * (MAX_PHOTO_FILE_BYTES + 1), filename="x.jpg")
