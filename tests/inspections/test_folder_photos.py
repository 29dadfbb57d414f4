"""Photos from a phone's folder: matched by EXIF time to the item answered then, confirmed, attached like any photo."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from inspections.cli import main
from inspections.errors import UserError
from inspections.workflow import (
    import_folder_photos,
    load_inspection,
    propose_folder_photos,
    record_answer,
    start_inspection,
)
from models.database import Database
from models.inspection import Attachment, Blob, ItemResult
from tests.helpers import make_institution

DAY = date(2026, 11, 28)
BEIJING = timezone(timedelta(hours=8))


def exif_jpeg(path: Path, taken: str, offset: str | None = None, colour: tuple[int, int, int] = (90, 120, 200)) -> None:
    """A JPEG as a phone writes it: DateTimeOriginal (and OffsetTimeOriginal) in the EXIF sub-IFD."""
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    exif[0x010F] = "PhoneMaker"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (800, 600), colour).save(path, "JPEG", exif=exif)


class Clock:
    """Stands in for utcnow in answering and in the audit log, so answers are saved at known times."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr("models.audit.utcnow", c)
    monkeypatch.setattr("inspections.workflow.answering.utcnow", c)
    yield c


def _inspection_answered_at(ws: Database, clock: Clock, times: list[str]) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An inspection whose first items are answered at the given Beijing times (HH:MM) on DAY."""
    inst = make_institution(ws, "上街区人民医院", fever=True)
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"])
    with ws.session() as s:
        items = [i.item_id for i in load_inspection(s, inspection_id).items()[: len(times)]]
    for item_id, hhmm in zip(items, times, strict=True):
        hour, minute = map(int, hhmm.split(":"))
        clock.now = datetime(2026, 11, 28, hour, minute, tzinfo=BEIJING).astimezone(UTC)
        with ws.begin() as s:
            record_answer(s, "张三", inspection_id, item_id, response="fail", note="现场发现问题")
    return inspection_id, items


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _phone_folder(root: Path) -> Path:
    dcim = root / "DCIM"
    exif_jpeg(dcim / "100PHONE" / "IMG_0001.JPG", "2026:11:28 08:59:00", "+08:00")  # → item A (09:00)
    exif_jpeg(dcim / "100PHONE" / "IMG_0002.jpg", "2026:11:28 09:03:10")  # no offset: --utc-offset/local → B (09:05)
    exif_jpeg(dcim / "100PHONE" / "IMG_0003.jpg", "2026:11:28 09:07:00", "+08:00")  # C at 09:20 is too late
    exif_jpeg(dcim / "101PHONE" / "IMG_0004.jpeg", "2026:11:28 09:19:30", "+08:00")  # sub-folder → C (09:20)
    exif_jpeg(dcim / "100PHONE" / "IMG_0005.jpg", "2026:10:01 09:00:00", "+08:00")  # another day: left alone
    (dcim / "100PHONE" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (dcim / "100PHONE" / "bomb.png").write_bytes(_png_header(100_000, 100_000))  # 10 gigapixels declared
    (dcim / "notes.txt").write_text("not a photo")
    return dcim


def test_photos_are_proposed_for_the_item_answered_just_after_they_were_taken(
    ws: Database, clock: Clock, tmp_path: Path
) -> None:
    inspection_id, (a, b, c) = _inspection_answered_at(ws, clock, ["09:00", "09:05", "09:20"])
    folder = _phone_folder(tmp_path)
    with ws.session() as s:
        proposal = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    by_name = {p.name: p.item_id for p in proposal.photos}
    assert by_name == {
        "100PHONE/IMG_0001.JPG": a,
        "100PHONE/IMG_0002.jpg": b,
        "100PHONE/IMG_0003.jpg": None,
        "101PHONE/IMG_0004.jpeg": c,
    }
    assert [s.name for s in proposal.skipped] == ["100PHONE/bomb.png", "100PHONE/broken.jpg"]
    assert proposal.other_days == 1
    # The photo without an offset is read in the zone given: as UTC it would be 8 hours off and match nothing.
    with ws.session() as s:
        as_utc = propose_folder_photos(s, inspection_id, folder, tz=UTC)
    assert {p.name: p.item_id for p in as_utc.photos}.get("100PHONE/IMG_0002.jpg") is None


def test_a_later_note_moves_the_save_time_a_photo_follows_it(ws: Database, clock: Clock, tmp_path: Path) -> None:
    inspection_id, (a, _b) = _inspection_answered_at(ws, clock, ["09:00", "09:05"])
    clock.now = datetime(2026, 11, 28, 9, 31, tzinfo=BEIJING).astimezone(UTC)
    with ws.begin() as s:  # back to A: the problem written down after a photo taken at 09:30
        record_answer(s, "张三", inspection_id, a, note="缓冲间两侧门可同时开启")
    exif_jpeg(tmp_path / "f" / "IMG_1.jpg", "2026:11:28 09:30:00", "+08:00")
    with ws.session() as s:
        proposal = propose_folder_photos(s, inspection_id, tmp_path / "f")
    assert [p.item_id for p in proposal.photos] == [a]


def test_confirmed_photos_go_through_the_photo_pipeline(ws: Database, clock: Clock, tmp_path: Path) -> None:
    inspection_id, (a, b, c) = _inspection_answered_at(ws, clock, ["09:00", "09:05", "09:20"])
    folder = _phone_folder(tmp_path)
    with ws.session() as s:
        proposal = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    unmatched = proposal.unmatched[0]
    placements = [(p.path, p.item_id) for p in proposal.matched if p.item_id] + [(unmatched.path, a)]
    with ws.begin() as s:
        ids = import_folder_photos(s, "张三", inspection_id, placements)
    assert len(ids) == 4
    with ws.session() as s:
        rows = s.execute(
            select(ItemResult.item_id, Attachment.filename).join(ItemResult, Attachment.item_result_id == ItemResult.id)
        ).all()
        assert sorted((item_id == a, item_id == b, item_id == c, name) for item_id, name in rows) == [
            (False, False, True, "IMG_0004.jpeg"),
            (False, True, False, "IMG_0002.jpg"),
            (True, False, False, "IMG_0001.JPG"),
            (True, False, False, "IMG_0003.jpg"),
        ]
        for blob in s.scalars(select(Blob)):
            stored = Image.open(io.BytesIO(blob.data))
            assert stored.format == "JPEG" and not stored.getexif()  # re-encoded, metadata stripped


def test_a_folder_that_does_not_exist_is_a_clear_error(ws: Database, clock: Clock, tmp_path: Path) -> None:
    inspection_id, _ = _inspection_answered_at(ws, clock, ["09:00"])
    with ws.session() as s, pytest.raises(UserError, match="不存在"):
        propose_folder_photos(s, inspection_id, tmp_path / "nowhere")


def test_command_line_lists_matches_and_imports_with_yes(
    ws: Database, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inspection_id, (a, b, c) = _inspection_answered_at(ws, clock, ["09:00", "09:05", "09:20"])
    folder = _phone_folder(tmp_path)
    data = str(tmp_path / "data")
    base = ["--data-dir", data, "photos", "import", str(inspection_id), str(folder), "--utc-offset", "+08:00"]
    assert main([*base, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "IMG_0001.JPG" in out and "未匹配" in out and "已跳过 100PHONE/broken.jpg" in out
    assert "将导入 3 张照片，1 张未匹配" in out
    with ws.session() as s:
        assert s.scalar(select(Attachment.id)) is None  # a dry run changes nothing
    code = main([*base, "--yes", "--place", "IMG_0003.jpg=" + _code_of(ws, inspection_id, b)])
    assert code == 0
    assert "已导入 4 张照片" in capsys.readouterr().out
    with ws.session() as s:
        placed = dict(
            s.execute(
                select(Attachment.filename, ItemResult.item_id).join(
                    ItemResult, Attachment.item_result_id == ItemResult.id
                )
            ).all()
        )
        assert placed == {"IMG_0001.JPG": a, "IMG_0002.jpg": b, "IMG_0003.jpg": b, "IMG_0004.jpeg": c}
    # Placing a photo imported before says so, not that the photo is missing from the folder.
    assert main([*base, "--yes", "--place", "IMG_0003.jpg=" + _code_of(ws, inspection_id, c)]) == 2
    err = capsys.readouterr().err
    assert "已导入过" in err and "不在该文件夹中" not in err
    assert main([*base[:-2], "--utc-offset", "8"]) == 2
    assert "错误：" in capsys.readouterr().err


def _code_of(ws: Database, inspection_id: uuid.UUID, item_id: uuid.UUID) -> str:
    with ws.session() as s:
        return next(i.code for i in load_inspection(s, inspection_id).items() if i.item_id == item_id)


def test_captions_are_kept_audited_and_printed_under_the_photos(ws: Database, clock: Clock, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from inspections.reports.documents import inspection_report
    from inspections.workflow import set_photo_caption
    from models.audit import AuditEvent

    inspection_id, _items = _inspection_answered_at(ws, clock, ["09:00", "09:05", "09:20"])
    folder = _phone_folder(tmp_path)
    with ws.session() as s:
        proposal = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    with ws.begin() as s:
        first, second, _third = import_folder_photos(
            s, "张三", inspection_id, [(p.path, p.item_id) for p in proposal.matched if p.item_id]
        )
        set_photo_caption(s, "张三", first, "缓冲间  东侧门\n未关闭")
        set_photo_caption(s, "张三", second, "手卫生设施缺少干手纸")
    with ws.session() as s:
        photos = {p.attachment_id: p.caption for item in load_inspection(s, inspection_id).items() for p in item.photos}
        assert photos[first] == "缓冲间 东侧门 未关闭" and photos[second] == "手卫生设施缺少干手纸"
        assert s.scalar(select(AuditEvent.after).where(AuditEvent.action == "photo.caption").limit(1)) == (
            "缓冲间 东侧门 未关闭"
        )
        with pytest.raises(UserError, match="最多 200"):
            set_photo_caption(s, "张三", first, "长" * 201)
        buffer = io.BytesIO()
        inspection_report(s, inspection_id, buffer)
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(buffer.getvalue())).pages)
    assert "缓冲间东侧门未关闭" in text and "手卫生设施缺少干手纸" in text


def test_captions_travel_in_an_exchange_package(ws: Database, clock: Clock, tmp_path: Path) -> None:
    from inspections.packages import export_inspections, import_package
    from inspections.workflow import set_photo_caption
    from inspections.workspace import open_workspace

    inspection_id, (a, _b) = _inspection_answered_at(ws, clock, ["09:00", "09:05"])
    exif_jpeg(tmp_path / "f" / "IMG_1.jpg", "2026:11:28 08:59:00", "+08:00")
    with ws.begin() as s:
        (photo,) = import_folder_photos(s, "张三", inspection_id, [(tmp_path / "f" / "IMG_1.jpg", a)])
        set_photo_caption(s, "张三", photo, "缓冲间东侧门未关闭")
    with ws.session() as s:
        export_inspections(s, tmp_path / "p.ygpkg", exporter="张三", inspection_ids=[inspection_id])
    (tmp_path / "commission").mkdir()
    commission = open_workspace(None, tmp_path / "commission")
    try:
        with commission.begin() as s:
            import_package(s, "王磊", tmp_path / "p.ygpkg")
        with commission.session() as s:
            captions = [p.caption for item in load_inspection(s, inspection_id).items() for p in item.photos]
        assert captions == ["缓冲间东侧门未关闭"]
    finally:
        commission.close()


def test_the_same_folder_imported_again_adds_no_second_copy(ws: Database, clock: Clock, tmp_path: Path) -> None:
    # The phone is plugged in again later in the day: what was imported before is not proposed again.
    inspection_id, (a, _b, c) = _inspection_answered_at(ws, clock, ["09:00", "09:05", "09:20"])
    folder = _phone_folder(tmp_path)
    with ws.session() as s:
        first = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    placements = [(p.path, p.item_id) for p in first.matched if p.item_id]
    with ws.begin() as s:
        import_folder_photos(s, "张三", inspection_id, placements)
    exif_jpeg(folder / "100PHONE" / "IMG_0006.jpg", "2026:11:28 09:19:50", "+08:00")  # taken since → C
    with ws.session() as s:
        again = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    assert [(p.name, p.item_id) for p in again.matched] == [("100PHONE/IMG_0006.jpg", c)]
    assert {s.name: s.reason for s in again.skipped}["100PHONE/IMG_0001.JPG"] == "已导入过"
    # A different picture that happens to carry a name already used is not mistaken for it.
    exif_jpeg(folder / "102PHONE" / "IMG_0001.JPG", "2026:11:28 08:59:30", "+08:00", colour=(200, 30, 30))
    with ws.session() as s:
        third = propose_folder_photos(s, inspection_id, folder, tz=BEIJING)
    assert ("102PHONE/IMG_0001.JPG", a) in [(p.name, p.item_id) for p in third.matched]
