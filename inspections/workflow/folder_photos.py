"""Photos from a phone's folder (DCIM, a memory card): each matched by the time it was taken to the item that was
being answered then, proposed for confirmation, then attached through the usual photo pipeline.

The rule, in full:
- When a photo was taken is its EXIF DateTimeOriginal (else DateTime). With EXIF OffsetTimeOriginal (else OffsetTime)
  that is the time in that UTC offset; without one it is taken to be local time of this computer (or of the ``tz``
  given, ``--utc-offset`` on the command line).
- An item's save times are every time its answer, points or note was saved (the audit log's inspection.answer and
  inspection.amend events), and its result's last change.
- A photo goes to the item with the first save at or after the photo was taken, no later than ``window`` (10 minutes)
  after it: the inspector photographs, then answers or writes the problem. Nothing saved in that window: unmatched,
  the user places it.
- Only photos taken on the inspection's day or within the span of its saves (± the window) are considered; photos
  from other days in the folder are counted and left alone. Files Pillow cannot open are listed as skipped.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import UserError
from inspections.workflow.loading import get_inspection
from inspections.workflow.photos import add_item_photo
from inspections.workflow.views import load_inspection
from models.audit import AuditEvent
from models.inspection import Attachment, ItemResult

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif")
MATCH_WINDOW = timedelta(minutes=10)
MAX_FOLDER_FILES = 20_000
"""A folder with more image files than this is refused (choose the day's sub-folder instead)."""

UNREADABLE = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    Image.DecompressionBombError,
)
_PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "HEIF", "AVIF")

_EXIF_IFD = 0x8769
_DATETIME = 0x0132
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME = 0x9010
_OFFSET_TIME_ORIGINAL = 0x9011


@dataclass(frozen=True)
class PhotoMatch:
    """One photo of the folder and the item proposed for it (``item_id`` None: unmatched, for the user to place)."""

    path: Path
    name: str  # the path relative to the chosen folder
    taken_at: datetime | None  # aware; None: the photo carries no time
    item_id: uuid.UUID | None
    item_code: str
    item_text: str
    saved_at: datetime | None  # the save that matched, aware


@dataclass(frozen=True)
class SkippedFile:
    name: str
    reason: str


@dataclass(frozen=True)
class FolderProposal:
    """What importing a folder would do: matched and unmatched photos in the order taken, and what was left out."""

    folder: Path
    photos: tuple[PhotoMatch, ...]
    skipped: tuple[SkippedFile, ...]
    other_days: int  # photos taken on other days, not considered

    @property
    def matched(self) -> list[PhotoMatch]:
        return [p for p in self.photos if p.item_id is not None]

    @property
    def unmatched(self) -> list[PhotoMatch]:
        return [p for p in self.photos if p.item_id is None]


def photo_taken_at(path: Path, tz: tzinfo | None = None) -> datetime | None:
    """When the photo at ``path`` was taken, aware (see the module's rule); None if it carries no time.

    Raises one of UNREADABLE when the file cannot be read as a photo (only its header is read here: the photo's
    pixels are checked when it is imported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path, formats=_formats()) as image:
            exif = image.getexif()
    sub = exif.get_ifd(_EXIF_IFD)
    stamp = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    offset = sub.get(_OFFSET_TIME_ORIGINAL) or sub.get(_OFFSET_TIME)
    return _parse_exif_time(stamp, offset, tz)


def _formats() -> list[str]:
    Image.init()
    return [f for f in _PHOTO_FORMATS if f in Image.OPEN]


def _parse_exif_time(stamp: object, offset: object, tz: tzinfo | None) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        naive = datetime.strptime(stamp.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _parse_offset(offset) or tz
    return naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()


def _parse_offset(text: object) -> tzinfo | None:
    if not isinstance(text, str):
        return None
    text = text.strip().rstrip("\x00")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_utc_offset(text: str) -> tzinfo:
    """``+08:00`` → a fixed zone (the command line's --utc-offset); a UserError otherwise."""
    zone = _parse_offset(text)
    if zone is None:
        raise UserError(f"时区“{text}”无效，应为 +08:00 这样的格式")
    return zone


def _image_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UserError(f"文件夹“{folder}”不存在或不是文件夹")
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in PHOTO_SUFFIXES and path.is_file() and not path.name.startswith("."):
            found.append(path)
            if len(found) > MAX_FOLDER_FILES:
                raise UserError(
                    f"文件夹“{folder}”中的图片超过 {MAX_FOLDER_FILES} 张；请选择检查当天的照片所在的子文件夹"
                )
    return found


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _save_times(session: Session, inspection_id: uuid.UUID) -> list[tuple[datetime, uuid.UUID]]:
    """Every save of an item of the inspection: (when, item id), oldest first."""
    view = load_inspection(session, inspection_id)
    by_code: dict[str, uuid.UUID] = {}
    for item in view.items():
        by_code.setdefault(item.code, item.item_id)
    prefix = f"{inspection_id}/"
    saves: list[tuple[datetime, uuid.UUID]] = []
    for at, entity_id in session.execute(
        select(AuditEvent.at, AuditEvent.entity_id).where(
            AuditEvent.entity == "item_result",
            AuditEvent.action.in_(("inspection.answer", "inspection.amend")),
            AuditEvent.entity_id.startswith(prefix, autoescape=True),
        )
    ):
        item_id = by_code.get(entity_id[len(prefix) :])
        if item_id is not None:
            saves.append((_aware(at), item_id))
    for at, item_id in session.execute(
        select(ItemResult.updated_at, ItemResult.item_id).where(ItemResult.inspection_id == inspection_id)
    ):
        saves.append((_aware(at), item_id))
    saves.sort(key=lambda s: s[0])
    return saves


def propose_folder_photos(
    session: Session,
    inspection_id: uuid.UUID,
    folder: Path,
    *,
    tz: tzinfo | None = None,
    window: timedelta = MATCH_WINDOW,
) -> FolderProposal:
    """Which item each photo in ``folder`` (recursively) goes to, by the module's rule; nothing is changed."""
    inspection = get_inspection(session, inspection_id)
    saves = _save_times(session, inspection.id)
    texts = {i.item_id: (i.code, i.spec.text) for i in load_inspection(session, inspection.id).items()}
    day: date = inspection.date
    first = saves[0][0] - window if saves else None
    last = saves[-1][0] + window if saves else None
    imported = _imported_photos(session, inspection.id)
    photos: list[PhotoMatch] = []
    skipped: list[SkippedFile] = []
    other_days = 0
    for path in _image_files(folder):
        name = path.relative_to(folder).as_posix()
        try:
            taken = photo_taken_at(path, tz)
        except UNREADABLE:
            reason = "HEIC 格式，本程序无法读取" if path.suffix.lower() in (".heic", ".heif") else "不是可读取的图片"
            skipped.append(SkippedFile(name, reason))
            continue
        if _already_imported(path, imported):
            skipped.append(SkippedFile(name, "已导入过"))
            continue
        if taken is not None:
            in_span = first is not None and last is not None and first <= taken <= last
            if taken.date() != day and not in_span:
                other_days += 1
                continue
        match = _first_save_after(saves, taken, window)
        code, text = texts.get(match[1], ("", "")) if match else ("", "")
        photos.append(
            PhotoMatch(path, name, taken, match[1] if match else None, code, text, match[0] if match else None)
        )
    far_future = datetime.max.replace(tzinfo=UTC)
    photos.sort(key=lambda p: (p.taken_at or far_future, p.name))
    return FolderProposal(folder, tuple(photos), tuple(skipped), other_days)


def _imported_photos(session: Session, inspection_id: uuid.UUID) -> dict[str, set[str]]:
    """The photos already on the inspection's items: file name → the stored pictures' sha256."""
    imported: dict[str, set[str]] = {}
    for filename, sha256 in session.execute(
        select(Attachment.filename, Attachment.sha256)
        .join(ItemResult, Attachment.item_result_id == ItemResult.id)
        .where(ItemResult.inspection_id == inspection_id)
    ):
        imported.setdefault(filename, set()).add(sha256)
    return imported


def _already_imported(path: Path, imported: dict[str, set[str]]) -> bool:
    """Whether this file is a photo the inspection already has: same name, and the same picture once stored
    (the photo pipeline re-encodes deterministically, so only a name that is already there costs a re-encoding)."""
    from inspections.photos import load_photo_file, prepare_photo

    shas = imported.get(path.name)
    if not shas:
        return False
    try:
        _stored, info = prepare_photo(load_photo_file(path), filename=path.name)
    except (UserError, *UNREADABLE):
        return False
    return info.sha256 in shas


def _first_save_after(
    saves: Sequence[tuple[datetime, uuid.UUID]], taken: datetime | None, window: timedelta
) -> tuple[datetime, uuid.UUID] | None:
    if taken is None:
        return None
    for at, item_id in saves:
        if at >= taken:
            return (at, item_id) if at - taken <= window else None
    return None


def import_folder_photos(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    placements: Sequence[tuple[Path, uuid.UUID]],
    *,
    reason: str = "",
) -> list[uuid.UUID]:
    """Attach each (photo file, item) the user confirmed, through the same pipeline as any photo (checked,
    re-encoded without metadata, size limits); returns the new attachments' ids. One bad file stops the whole
    import (the caller's unit of work rolls back) with a message naming it."""
    from inspections.photos import load_photo_file

    attached = []
    for path, item_id in placements:
        data = load_photo_file(path)
        attached.append(add_item_photo(session, actor, inspection_id, item_id, data, filename=path.name, reason=reason))
    return attached
