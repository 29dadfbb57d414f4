"""The exchange package file: a zip with manifest.json (sha256 and size of every entry), data.json, checklists, photos.

Reading checks everything before anything is used: that it is a zip at all, entry names (no paths leaving the
package), sizes and compression ratios from the central directory (zip bombs), every entry's size and sha256 while
streaming it with a cap, and the format version. Every failure is an InvalidInputError with a Chinese message.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from inspections.errors import InvalidInputError, Problem
from inspections.signing import Signer, package_statement

FORMAT_NAME = "yuangan-duzao-package"
FORMAT_VERSION = 3
"""1: the first format. 2: an inspection record may carry its 反馈单's document number (doc_number); a reader of
version 2 reads version 1 packages (no numbers), a version 1 reader asks to upgrade rather than refuse the field.
3: the manifest names its signer and carries the key certificates needed to check it; signature.json holds the
signer's Ed25519 signature over manifest.json; records may carry their own signatures (seals)."""
KINDS: dict[str, str] = {
    "inspections": "检查数据包",
    "rectification": "整改通知包",
    "feedback": "整改反馈包",
    "assignment": "检查分工包",
    "part": "分工结果包",
}
TEAM_KINDS = ("assignment", "part")
"""Expert teams: the lead sends a member the inspection with its parts (assignment); a member sends back their part
(part), to the lead or to another member. Their data.json carries a ``team`` object (schema.TEAM_SCHEMA)."""
SUFFIX = ".ygpkg"
"""The extension of package files (a zip inside; the installer opens them in the application). ``.zip`` reads too."""

MANIFEST = "manifest.json"
DATA = "data.json"
SIGNATURE = "signature.json"
"""The signature over manifest.json (which lists every other entry's sha256); not itself in the manifest."""

MAX_PACKAGE_BYTES = 4 * 1024**3
"""A package file larger than this is refused before it is opened."""
MAX_TOTAL_UNCOMPRESSED = 4 * 1024**3
MAX_ENTRIES = 200_000
MAX_JSON_BYTES = 256 * 1024**2
MAX_CHECKLIST_BYTES = 5 * 1024**2
MAX_PHOTO_BYTES = 50 * 1024**2
MAX_RATIO = 100
MAX_MANIFEST_TEXT = 200
"""The exporter, creation time, application version and institution id in a manifest."""
MAX_DESCRIPTION = 2000
"""Entries above 1 MB that expand more than this many times are refused (real JSON compresses ~10×, JPEG ~1×)."""
_RATIO_FLOOR = 1024**2
_CHUNK = 1024**2

Progress = Callable[[int, int, str], None]
"""Called with (done, total, what) as long work proceeds, for a progress bar."""

_PHOTO_NAME = re.compile(r"^photos/([0-9a-f]{64})\.jpg$")
_CHECKLIST_NAME = re.compile(r"^checklists/[A-Za-z0-9_.\-]{1,120}\.yaml$")


def app_version() -> str:
    """The application's version (written into every package)."""
    from models.version import __version__

    return __version__


@dataclass(frozen=True)
class Entry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a package says about itself."""

    kind: str
    exporter: str
    created_at: str
    app_version: str
    format_version: int
    entries: tuple[Entry, ...]
    institution_id: str | None = None
    description: str = ""
    signer: dict[str, Any] | None = None  # username, display_name, role, fingerprint, institution_id
    certificates: tuple[dict[str, Any], ...] = ()

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass
class Package:
    """A validated package: its manifest, data and checklist texts in memory; photos read on demand."""

    path: Path
    manifest: Manifest
    data: dict[str, Any]
    checklist_texts: dict[str, str]  # entry path → YAML
    photo_sizes: dict[str, int] = field(default_factory=dict)  # sha256 → size
    manifest_bytes: bytes = b""  # exactly as signed
    signature: dict[str, Any] | None = None  # signature.json (None: an unsigned package)

    @property
    def name(self) -> str:
        return self.path.name

    def photo(self, sha256: str) -> bytes:
        """The bytes of ``photos/<sha256>.jpg``, re-checked against the manifest while read."""
        entry = f"photos/{sha256}.jpg"
        size = self.photo_sizes.get(sha256)
        if size is None:
            raise _invalid(self.name, entry, "数据包中没有这张照片")
        with zipfile.ZipFile(self.path) as zf:
            data = _read_entry(zf, zf.getinfo(entry), self.name, MAX_PHOTO_BYTES)
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            raise _invalid(self.name, entry, "照片内容与校验值不符（数据包在导入过程中被修改？）")
        return data


def _invalid(source: str, location: str, message: str) -> InvalidInputError:
    return InvalidInputError([Problem(source, location, message)])


# --- writing ------------------------------------------------------------------------------------------------------


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def write_package(
    path: Path,
    *,
    kind: str,
    exporter: str,
    created_at: datetime,
    data: dict[str, Any],
    checklists: dict[str, str],
    photos: Iterable[str],
    photo_bytes: Callable[[str], bytes],
    institution_id: str | None = None,
    description: str = "",
    progress: Progress | None = None,
    signer: Signer | None = None,
    signer_info: dict[str, Any] | None = None,
    certificates: Sequence[dict[str, Any]] = (),
) -> list[Entry]:
    """Write a package atomically (a temporary file renamed into place): a half-written file is never left.
    With ``signer`` the manifest names it (``signer_info``) and signature.json signs the manifest."""
    if kind not in KINDS:
        raise ValueError(f"unknown package kind {kind!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    fd, tmp_name = tempfile.mkstemp(prefix=".yg-package-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:

            def add(name: str, payload: bytes, compress: bool) -> None:
                zf.writestr(name, payload, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
                entries.append(Entry(name, hashlib.sha256(payload).hexdigest(), len(payload)))

            add(DATA, _json_bytes(data), True)
            for name, text in sorted(checklists.items()):
                add(name, text.encode("utf-8"), True)
            shas = sorted(set(photos))
            for n, sha in enumerate(shas, 1):
                add(f"photos/{sha}.jpg", photo_bytes(sha), False)
                if progress is not None:
                    progress(n, len(shas), "写入照片")
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "kind": kind,
                "exporter": exporter,
                "created_at": created_at.isoformat(),
                "app_version": app_version(),
                "institution_id": institution_id,
                "description": description,
                "entries": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in entries],
                "signer": signer_info if signer is not None else None,
                "certificates": list(certificates),
            }
            manifest_bytes = _json_bytes(manifest)
            zf.writestr(MANIFEST, manifest_bytes)
            if signer is not None:
                signature = {
                    "algorithm": "Ed25519",
                    "fingerprint": signer.fingerprint,
                    "signer": signer.username,
                    "signature": signer.sign(package_statement(manifest_bytes)),
                }
                zf.writestr(SIGNATURE, _json_bytes(signature))
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return entries


# --- reading ------------------------------------------------------------------------------------------------------


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, cap: int) -> bytes:
    """An entry's bytes, streamed: more than its declared size (or ``cap``) is refused without reading it all."""
    limit = min(info.file_size, cap)
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as handle:
            while True:
                chunk = handle.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise _invalid(source, info.filename, "解压后的大小超过其声明的大小或上限，可能是恶意构造的文件")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        if isinstance(err, InvalidInputError):
            raise
        raise _invalid(source, info.filename, "数据包中的这个文件已损坏，无法解压（数据包可能不完整）") from None
    return b"".join(chunks)


_UNSAFE = "文件路径不安全（指向数据包之外或为绝对路径），已拒绝整个数据包"


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    """Whether a zip entry is a symbolic link (a Unix mode in the high bits of its external attributes)."""
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def _name_problem(name: str) -> str | None:
    """Why an entry name is not allowed (paths leaving the package, absolute paths, odd characters)."""
    if (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name)
        or any(part in ("..", ".", "") for part in name.split("/"))
        or any(ord(ch) < 32 for ch in name)
    ):
        return _UNSAFE
    if name in (MANIFEST, DATA, SIGNATURE) or _PHOTO_NAME.match(name) or _CHECKLIST_NAME.match(name):
        return None
    return "数据包中有不应存在的文件"


def _entry_cap(name: str) -> int:
    if name == SIGNATURE:
        return 64 * 1024
    if name in (MANIFEST, DATA):
        return MAX_JSON_BYTES
    if name.startswith("checklists/"):
        return MAX_CHECKLIST_BYTES
    return MAX_PHOTO_BYTES


def read_package(path: Path) -> Package:
    """Open and check a package completely; InvalidInputError (nothing imported) when anything is wrong."""
    path = Path(path)
    source = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _invalid(source, "", f"文件不存在（{path}）") from None
    if path.is_dir():
        raise _invalid(source, "", "这是一个文件夹，不是数据包")
    if size > MAX_PACKAGE_BYTES:
        raise _invalid(source, "", f"文件太大（{size / 1024**3:.1f} GB），超过数据包 4 GB 的上限")
    with path.open("rb") as handle:
        head = handle.read(4)
        declared = _declared_entries(handle, size)
    if head[:2] != b"PK":
        raise _invalid(source, "", "不是院感督导数据包（文件不是 zip 格式）")
    if declared is not None and declared > MAX_ENTRIES:
        # Checked from the end record before the zip directory is read: millions of entries would fill the memory.
        raise _invalid(source, "", f"数据包包含 {declared} 个文件，超过 {MAX_ENTRIES} 个的上限")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError):
        raise _invalid(
            source, "", "数据包不完整或已损坏（zip 目录无法读取，文件可能没有完整复制），请重新导出或重新复制"
        ) from None
    with zf:
        return _read_open(path, zf)


def _declared_entries(handle: Any, size: int) -> int | None:
    """The number of entries a zip's end record (zip64's, when there is one) declares; None when none is found
    (then opening the zip reports the damage)."""
    tail_size = min(size, 65_536 + 22)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        offset = int.from_bytes(tail[locator + 8 : locator + 16], "little")
        if 0 <= offset < size:
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                return int.from_bytes(record[32:40], "little")
    return count


def _read_open(path: Path, zf: zipfile.ZipFile) -> Package:
    source = path.name
    infos = zf.infolist()
    problems: list[Problem] = []
    if len(infos) > MAX_ENTRIES:
        raise _invalid(source, "", f"数据包包含 {len(infos)} 个文件，超过 {MAX_ENTRIES} 个的上限")
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _is_symlink(info):
            problems.append(Problem(source, name, "是符号链接，数据包中不允许出现，已拒绝整个数据包"))
            continue
        if info.is_dir() and info.file_size == 0 and _name_problem(name.rstrip("/") + "/x.json") is not _UNSAFE:
            continue  # a folder entry, as zip tools add when a package is re-zipped: nothing to read
        why = _name_problem(name)
        if why is not None:
            problems.append(Problem(source, name, why))
            continue
        if name in names:
            problems.append(Problem(source, name, "文件在数据包中出现了两次"))
        names.add(name)
        total += info.file_size
        if info.file_size > _entry_cap(name):
            problems.append(Problem(source, name, f"文件解压后有 {info.file_size} 字节，超过上限，已拒绝"))
        elif info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            problems.append(Problem(source, name, f"压缩比异常（{ratio} 倍），疑似“压缩炸弹”，已拒绝"))
    if total > MAX_TOTAL_UNCOMPRESSED:
        problems.append(Problem(source, "", f"解压后总大小 {total / 1024**3:.1f} GB，超过 4 GB 的上限，疑似压缩炸弹"))
    if problems:
        raise InvalidInputError(problems)
    if MANIFEST not in names:
        raise _invalid(source, "", "不是院感督导数据包（缺少 manifest.json）")

    manifest_bytes = _read_entry(zf, zf.getinfo(MANIFEST), source, MAX_JSON_BYTES)
    manifest = _manifest(source, manifest_bytes)
    signature = None
    if SIGNATURE in names:
        signature = _signature(source, _read_entry(zf, zf.getinfo(SIGNATURE), source, _entry_cap(SIGNATURE)))
    listed = {e.path: e for e in manifest.entries}
    for name in sorted(names - {MANIFEST, SIGNATURE}):
        if name not in listed:
            problems.append(Problem(source, name, "文件不在清单（manifest.json）中，可能被人为加入"))
    for name in sorted(set(listed) - names):
        problems.append(Problem(source, name, "清单中列出的文件在数据包中不存在（数据包不完整）"))
    if DATA not in listed:
        problems.append(Problem(source, "", "清单中没有 data.json"))
    if problems:
        raise InvalidInputError(problems)

    contents: dict[str, bytes] = {}
    photo_sizes: dict[str, int] = {}
    for entry in manifest.entries:
        info = zf.getinfo(entry.path)
        if info.file_size != entry.size:
            message = f"大小与清单不符（清单 {entry.size} 字节，实际 {info.file_size}）"
            problems.append(Problem(source, entry.path, message))
            continue
        data = _read_entry(zf, info, source, _entry_cap(entry.path))
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            problems.append(Problem(source, entry.path, "校验失败（sha256 不符），文件被修改或已损坏"))
            continue
        photo = _PHOTO_NAME.match(entry.path)
        if photo:
            if photo[1] != entry.sha256:
                problems.append(Problem(source, entry.path, "照片文件名与其内容的 sha256 不符"))
            photo_sizes[photo[1]] = entry.size
        else:
            contents[entry.path] = data
    if problems:
        raise InvalidInputError(problems)

    try:
        data_obj = json.loads(contents[DATA].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid(source, DATA, "不是有效的 JSON") from None
    if not isinstance(data_obj, dict):
        raise _invalid(source, DATA, "内容应为一个 JSON 对象")
    checklist_texts: dict[str, str] = {}
    for name, payload in contents.items():
        if name.startswith("checklists/"):
            try:
                checklist_texts[name] = payload.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(source, name, "不是 UTF-8 文本"))
    if problems:
        raise InvalidInputError(problems)
    return Package(path, manifest, data_obj, checklist_texts, photo_sizes, manifest_bytes, signature)


def _signature(source: str, payload: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid(source, SIGNATURE, "签名文件不是有效的 JSON") from None
    fields = ("algorithm", "fingerprint", "signer", "signature")
    if (
        not isinstance(raw, dict)
        or set(raw) != set(fields)
        or not all(isinstance(raw[k], str) and len(raw[k]) <= 200 for k in fields)
        or raw["algorithm"] != "Ed25519"
    ):
        raise _invalid(source, SIGNATURE, "签名文件格式无效")
    return raw


def _manifest(source: str, payload: bytes) -> Manifest:
    try:
        raw = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid(source, MANIFEST, "清单不是有效的 JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise _invalid(source, MANIFEST, "不是院感督导数据包（清单格式不符）")
    version = raw.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _invalid(source, MANIFEST, f"数据包格式版本无效：{version!r}")
    if version > FORMAT_VERSION:
        raise _invalid(
            source,
            "",
            f"数据包格式版本为 {version}，本程序只支持到第 {FORMAT_VERSION} 版；"
            f"导出它的程序版本为 {raw.get('app_version', '未知')}，请先升级院感督导再导入",
        )
    problems: list[Problem] = []
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(Problem(source, MANIFEST, f"未知的数据包类型：{kind!r}"))
    for key in ("exporter", "created_at", "app_version"):
        if not isinstance(raw.get(key), str) or len(raw[key]) > MAX_MANIFEST_TEXT:
            problems.append(Problem(source, MANIFEST, f"缺少或无效的字段 {key}"))
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        problems.append(Problem(source, MANIFEST, f"说明（description）无效或超过 {MAX_DESCRIPTION} 字"))
    institution_id = raw.get("institution_id")
    if institution_id is not None and (not isinstance(institution_id, str) or len(institution_id) > MAX_MANIFEST_TEXT):
        problems.append(Problem(source, MANIFEST, "institution_id 无效"))
    entries: list[Entry] = []
    raw_entries = raw.get("entries")
    if not isinstance(raw_entries, list):
        problems.append(Problem(source, MANIFEST, "缺少文件清单 entries"))
        raw_entries = []
    if len(raw_entries) > MAX_ENTRIES:
        raise _invalid(source, MANIFEST, f"清单列出了 {len(raw_entries)} 个文件，超过 {MAX_ENTRIES} 个的上限")
    seen: set[str] = set()
    for n, item in enumerate(raw_entries):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", item["sha256"]) is not None
            and isinstance(item.get("size"), int)
            and not isinstance(item.get("size"), bool)
            and item["size"] >= 0
        )
        if not ok:
            problems.append(Problem(source, f"{MANIFEST} entries[{n}]", "应有 path、sha256（64 位十六进制）和 size"))
            continue
        why = _name_problem(item["path"])
        if why is not None or item["path"] == MANIFEST:
            problems.append(Problem(source, item["path"], why or "清单不能列出自己"))
            continue
        if item["path"] in seen:
            problems.append(Problem(source, item["path"], "在清单中出现了两次"))
        seen.add(item["path"])
        entries.append(Entry(item["path"], item["sha256"], item["size"]))
    signer = raw.get("signer")
    if signer is not None and not (
        isinstance(signer, dict)
        and all(isinstance(signer.get(k), str) for k in ("username", "role", "fingerprint"))
        and all(isinstance(v, str | type(None)) and (v is None or len(v) <= 200) for v in signer.values())
    ):
        problems.append(Problem(source, MANIFEST, "签名者信息无效"))
    certificates = raw.get("certificates", [])
    if not isinstance(certificates, list) or not all(isinstance(c, dict) for c in certificates):
        problems.append(Problem(source, MANIFEST, "证书列表无效"))
        certificates = []
    if problems:
        raise InvalidInputError(problems)
    return Manifest(
        signer=signer,
        certificates=tuple(certificates),
        kind=str(kind),
        exporter=raw["exporter"],
        created_at=raw["created_at"],
        app_version=raw["app_version"],
        format_version=version,
        entries=tuple(entries),
        institution_id=institution_id,
        description=description,
    )
