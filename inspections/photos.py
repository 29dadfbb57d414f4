"""Photos: checked to be real images, turned upright, downscaled to JPEG, stored once by sha256, attached with audit."""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, UserError
from models.audit import append_audit
from models.base import new_id
from models.finding import FindingEvent
from models.inspection import Attachment, Blob, ItemResult

MAX_LONG_EDGE = 2048
"""Stored photos are at most this many pixels on their long edge: sharp in an A4 report, ~0.5 MB each."""

DRAFT_MIN_EDGE = 1600
"""A JPEG may be decoded at reduced size as long as its long edge keeps this many pixels (see prepare_photo)."""

JPEG_QUALITY = 85
MAX_PHOTO_FILE_BYTES = 50 * 1024 * 1024
"""A photo file larger than this is refused before it is read."""

MAX_PIXELS = 120_000_000
"""Larger images are refused as decompression bombs; 108-megapixel phone photos still pass."""

THUMBNAIL_SIZE = 160
STORED_MIME = "image/jpeg"

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; the warning is turned into an error below.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_WANTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF", "AVIF", "HEIF")
_BROKEN_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


@dataclass(frozen=True)
class PhotoInfo:
    """A stored photo: its sha256 (the Blob key), size in pixels, MIME type and size in bytes."""

    sha256: str
    width: int
    height: int
    mime: str
    size: int


def _allowed_formats() -> list[str]:
    Image.init()
    return [f for f in _WANTED_FORMATS if f in Image.OPEN]


def _label(filename: str) -> str:
    return f"照片「{filename}」" if filename else "照片"


def prepare_photo(data: bytes, *, filename: str = "") -> tuple[bytes, PhotoInfo]:
    """The bytes to store for a photo and their description; no database work, so it can run in a worker thread.

    The image is checked to be a real JPEG/PNG/WebP/BMP/GIF (first frame)/AVIF (HEIC when a plugin is installed),
    turned upright by its EXIF orientation, downscaled to MAX_LONG_EDGE, flattened on white if transparent, and
    saved as an RGB JPEG without metadata. Anything else is a UserError that names the file.
    """
    label = _label(filename)
    if not data:
        raise UserError(f"{label}是空文件（0 字节），不是图片")
    if len(data) > MAX_PHOTO_FILE_BYTES:
        raise UserError(
            f"{label}太大（{len(data) / 1024 / 1024:.1f} MB），超过 {MAX_PHOTO_FILE_BYTES // 1024 // 1024} MB 的上限"
        )
    image = _open(data, filename)
    try:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise UserError(_too_many_pixels(label, width, height))
        if image.format in ("JPEG", "MPO"):
            # libjpeg can decode at 1/2, 1/4 or 1/8 size: a 12-megapixel photo then loads (and needs no resize)
            # in a fraction of the time. Any reduction whose long edge keeps DRAFT_MIN_EDGE pixels is good enough.
            scale = min(1.0, DRAFT_MIN_EDGE / max(width, height))
            image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
        try:
            image.load()
        except _BROKEN_IMAGE_ERRORS:
            raise UserError(f"{label}不完整或已损坏，无法读取；请重新拍摄或重新复制该照片") from None
        output = _normalized(image)
    finally:
        image.close()
    buffer = io.BytesIO()
    # Nothing of the original's metadata goes along: Pillow would carry a JPEG comment (COM) over on its own.
    output.info = {}
    output.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, comment=b"")
    stored = buffer.getvalue()
    info = PhotoInfo(hashlib.sha256(stored).hexdigest(), output.width, output.height, STORED_MIME, len(stored))
    return stored, info


def _open(data: bytes, filename: str) -> Image.Image:
    label = _label(filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_allowed_formats())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(
            f"{label}的像素数过大（超过 {MAX_PIXELS // 1_000_000} 百万像素），可能是恶意构造的文件，已拒绝"
        ) from None
    except UnidentifiedImageError:
        if filename.lower().endswith((".heic", ".heif")):
            raise UserError(
                f"{label}是 HEIC 格式，本程序无法读取；请在手机“设置 → 相机 → 格式”中选择“兼容性最佳”，或先转换为 JPEG"
            ) from None
        raise UserError(f"{label}不是可识别的图片文件（支持 JPEG、PNG、WebP、BMP、GIF）") from None
    except _BROKEN_IMAGE_ERRORS:
        raise UserError(f"{label}不完整或已损坏，无法读取") from None
    return image


_SOF = (0xC0, 0xC1, 0xC2)
_PLAIN_SEGMENTS = (0xC4, 0xDB, 0xDD)  # Huffman tables, quantization tables, restart interval
_FOREIGN = "院感督导导出的照片都经过处理、不含这些内容；数据包可能被改动，已拒绝"


def check_stored_photo(data: bytes, *, filename: str = "") -> tuple[int, int]:
    """Check that ``data`` is a photo as prepare_photo stores it, before it is decoded; returns (width, height).

    For photos that arrive already processed (in a package), whose sha256 is their identity — it is signed into
    finalized inspections, so they cannot be re-encoded. The same limits as prepare_photo apply, read from the JPEG
    header before any decoding: the file size, MAX_PIXELS and MAX_LONG_EDGE. And it must be what prepare_photo
    writes: a JFIF JPEG without metadata (EXIF — which can hold the place it was taken —, XMP, ICC or any other
    APPn segment), without comments, with nothing after its end. Then it is decoded fully. A UserError otherwise.
    """
    label = _label(filename)
    if len(data) > MAX_PHOTO_FILE_BYTES:
        megabytes = len(data) / 1024 / 1024
        raise UserError(f"{label}太大（{megabytes:.1f} MB），超过 {MAX_PHOTO_FILE_BYTES // 1024 // 1024} MB 的上限")
    width, height = _stored_layout(data, label)
    if width * height > MAX_PIXELS:
        raise UserError(_too_many_pixels(label, width, height))
    if max(width, height) > MAX_LONG_EDGE or min(width, height) < 1:
        raise UserError(f"{label}的尺寸为 {width}×{height} 像素，超出处理后照片的 {MAX_LONG_EDGE} 像素上限；{_FOREIGN}")
    image = _open(data, filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        if image.size != (width, height):
            raise UserError(f"{label}的文件头与图像内容不符；{_FOREIGN}")
    except _BROKEN_IMAGE_ERRORS:
        raise UserError(f"{label}不完整或已损坏，无法读取") from None
    finally:
        image.close()
    return width, height


def _stored_layout(data: bytes, label: str) -> tuple[int, int]:
    """Walk the JPEG's segments without decoding: (width, height), or a UserError for anything prepare_photo
    never writes."""
    if data[:2] != b"\xff\xd8":
        raise UserError(f"{label}不是 JPEG 文件；{_FOREIGN}")
    size: tuple[int, int] | None = None
    at = 2
    while True:
        if at + 2 > len(data) or data[at] != 0xFF:
            raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:  # end of image
            break
        if at + 4 > len(data):
            raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        body = data[at + 4 : at + 2 + length]
        if length < 2 or len(body) != length - 2:
            raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
        if marker == 0xE0 and body.startswith(b"JFIF\0"):
            pass
        elif 0xE0 <= marker <= 0xEF:
            raise UserError(f"{label}含有元数据（EXIF、拍摄位置、XMP 或色彩配置等）；{_FOREIGN}")
        elif marker == 0xFE:
            raise UserError(f"{label}含有注释段；{_FOREIGN}")
        elif marker in _SOF:
            if len(body) < 5:
                raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
            size = (int.from_bytes(body[3:5], "big"), int.from_bytes(body[1:3], "big"))
        elif marker == 0xDA:  # start of scan: skip the entropy-coded data up to the next real marker
            if size is None:
                raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
            at += 2 + length
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= len(data):
                    raise UserError(f"{label}不完整或已损坏（缺少 JPEG 结束标记）")
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    at += 1
                    continue
                break
            continue
        elif marker not in _PLAIN_SEGMENTS:
            raise UserError(f"{label}含有不支持的 JPEG 段（0xFF{marker:02X}）；{_FOREIGN}")
        at += 2 + length
    if size is None:
        raise UserError(f"{label}不完整或已损坏（JPEG 结构错误）")
    if at + 2 != len(data):
        raise UserError(f"{label}在图像结束后还附加了 {len(data) - at - 2} 字节的其他数据；{_FOREIGN}")
    return size


def _too_many_pixels(label: str, width: int, height: int) -> str:
    return f"{label}的尺寸过大（{width}×{height} 像素，超过 {MAX_PIXELS // 1_000_000} 百万像素），已拒绝"


def _normalized(image: Image.Image) -> Image.Image:
    """Upright, colours in sRGB, RGB on white, at most MAX_LONG_EDGE."""
    try:
        upright = ImageOps.exif_transpose(image)
    except _BROKEN_IMAGE_ERRORS:
        # A malformed EXIF block only costs the orientation; the pixels are fine.
        upright = image
    rgb = _to_rgb(_to_srgb(upright, image.info.get("icc_profile")))
    if max(rgb.size) > MAX_LONG_EDGE:
        scale = MAX_LONG_EDGE / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.BICUBIC)
    return rgb


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    # Phones tag photos with Display P3 and print shops with CMYK profiles; the stored JPEG carries no profile.
    if not isinstance(icc, bytes) or not icc or image.mode not in ("RGB", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        # An unusable profile (or one for another colour space) leaves the pixels as they are.
        return image
    return converted if converted is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit greyscale: scale to 8 bits instead of letting every value clip to white.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if (image.mode == "P" and "transparency" in image.info) or image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image


def ingest_photo(session: Session, data: bytes, *, filename: str = "") -> PhotoInfo:
    """Check, normalize and store a photo; the same picture stored twice is kept once (content-addressed)."""
    stored, info = prepare_photo(data, filename=filename)
    store_prepared(session, stored, info)
    return info


def store_prepared(session: Session, stored: bytes, info: PhotoInfo) -> None:
    """Store bytes made by prepare_photo, unless a Blob with the same sha256 is already there."""
    if session.get(Blob, info.sha256) is None:
        session.add(
            Blob(sha256=info.sha256, mime=info.mime, width=info.width, height=info.height, size=info.size, data=stored)
        )
        # Attachments have no relationship() to Blob, so the unit of work cannot order the two inserts itself.
        session.flush()


def attach_photo(
    session: Session,
    actor: str,
    *,
    item_result_id: uuid.UUID | None = None,
    finding_event_id: uuid.UUID | None = None,
    data: bytes,
    filename: str,
) -> uuid.UUID:
    """Store a photo and attach it to an item result or a finding event (exactly one); audited as photo.add.

    The caller checks that the owner may still be changed (an unfinalized inspection, an open finding).
    """
    if (item_result_id is None) == (finding_event_id is None):
        raise ValueError("attach_photo needs exactly one of item_result_id and finding_event_id")
    if item_result_id is not None and session.get(ItemResult, item_result_id) is None:
        raise NotFoundError("要添加照片的检查结果不存在（可能已被删除）")
    if finding_event_id is not None and session.get(FindingEvent, finding_event_id) is None:
        raise NotFoundError("要添加照片的整改记录不存在（可能已被删除）")
    info = ingest_photo(session, data, filename=filename)
    attachment = Attachment(
        id=new_id(),
        sha256=info.sha256,
        item_result_id=item_result_id,
        finding_event_id=finding_event_id,
        filename=_base_name(filename),
        created_by=actor,
    )
    session.add(attachment)
    append_audit(
        session,
        actor=actor,
        action="photo.add",
        entity="attachment",
        entity_id=attachment.id,
        after=_attachment_record(attachment, info.width, info.height, info.size),
    )
    return attachment.id


def _base_name(filename: str) -> str:
    # The file chooser may hand over a whole path, from Windows (backslashes) as well.
    return PurePosixPath(filename.replace("\\", "/")).name[:255]


def remove_attachment(session: Session, actor: str, attachment_id: uuid.UUID, reason: str = "") -> None:
    """Remove an attachment (audited as photo.remove); the caller checks that its owner may still be changed.

    The stored bytes stay, so the audit record can still show which photo was removed.
    """
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFoundError("要删除的照片不存在（可能已被删除）")
    blob = session.get(Blob, attachment.sha256)
    before = _attachment_record(attachment, *((blob.width, blob.height, blob.size) if blob else (0, 0, 0)))
    session.delete(attachment)
    append_audit(
        session,
        actor=actor,
        action="photo.remove",
        entity="attachment",
        entity_id=attachment_id,
        before=before,
        reason=reason,
    )


def _attachment_record(attachment: Attachment, width: int, height: int, size: int) -> dict[str, object]:
    return {
        "sha256": attachment.sha256,
        "filename": attachment.filename,
        "item_result_id": attachment.item_result_id,
        "finding_event_id": attachment.finding_event_id,
        "width": width,
        "height": height,
        "size": size,
    }


def photo_bytes(session: Session, sha256: str) -> bytes:
    """The stored JPEG bytes of a photo."""
    blob = session.get(Blob, sha256)
    if blob is None:
        raise NotFoundError(f"照片（{sha256[:12]}）不存在，数据可能不完整")
    return blob.data


def thumbnail(session: Session, sha256: str, size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG at most ``size`` pixels on its long edge, for lists and galleries."""
    return thumbnail_of(photo_bytes(session, sha256), size)


def thumbnail_of(data: bytes, size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG thumbnail of stored photo bytes (already upright and RGB)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (size, size))
        small = image.convert("RGB")
        small.thumbnail((size, size), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def load_photo_file(path: Path) -> bytes:
    """The bytes of a photo file chosen by the user; a missing or too large file is a UserError naming it."""
    label = _label(path.name)
    try:
        size = path.stat().st_size
        if size > MAX_PHOTO_FILE_BYTES:
            raise UserError(
                f"{label}太大（{size / 1024 / 1024:.1f} MB），超过 {MAX_PHOTO_FILE_BYTES // 1024 // 1024} MB 的上限"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_PHOTO_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{label}不存在（{path}）") from None
    except IsADirectoryError:
        raise UserError(f"「{path.name}」是一个文件夹，不是照片") from None
    except PermissionError:
        raise UserError(f"没有读取{label}的权限") from None
    if len(data) > MAX_PHOTO_FILE_BYTES:
        raise UserError(f"{label}太大，超过 {MAX_PHOTO_FILE_BYTES // 1024 // 1024} MB 的上限")
    return data
