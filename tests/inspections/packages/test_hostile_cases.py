"""Package cases of issue 18: a genuine package re-zipped with folder entries is read, a symbolic link entry is
refused, a manifest listing 150,000 missing files gives a short message, and photos get the local pipeline's limits
and checks (no decompression bomb, no 144-megapixel photo, no metadata, comment or appended data stored as is)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from inspections.errors import MAX_LISTED_PROBLEMS, InvalidInputError
from inspections.packages import export_inspections, import_package
from inspections.photos import check_stored_photo, prepare_photo
from models.database import Database, open_database
from models.inspection import Blob, Inspection
from models.reference import Institution
from tests.inspections.packages.conftest import ACTOR, checksum, seed

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A genuine inspection package with a photo (made once for the module)."""
    folder = tmp_path_factory.mktemp("laptop")
    laptop = open_database(None, folder)
    try:
        seeded = seed(laptop)
        path = folder / "检查数据.ygpkg.zip"
        with laptop.session() as s:
            export_inspections(s, path, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
        yield path
    finally:
        laptop.close()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Database]:
    commission = open_database(None, tmp_path / "commission")
    try:
        seed(commission, name="第二人民医院", code="H002")
        yield commission
    finally:
        commission.close()


def _refused(target: Database, path: Path) -> str:
    before = checksum(target)
    with pytest.raises(InvalidInputError) as err, target.begin() as s:
        import_package(s, "王磊", path)
    assert checksum(target) == before
    return str(err.value)


def _rezip(src: Path, dst: Path, *, folders: bool = False, replace: dict[str, bytes] | None = None,
           link: str | None = None) -> Path:
    """``src`` written again entry by entry, as an archive tool does: with folder entries, a member replaced, or
    data.json turned into a symbolic link."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        if folders:
            for folder in sorted({n.rsplit("/", 1)[0] + "/" for n in names if "/" in n}):
                zout.writestr(zipfile.ZipInfo(folder), b"")
        for name in names:
            payload = (replace or {}).get(name, zin.read(name))
            if link is not None and name == "data.json":
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o120777 << 16
                zout.writestr(info, link)
            else:
                zout.writestr(name, payload)
    return dst


def test_a_genuine_package_rezipped_with_folder_entries_is_imported(package: Path, target: Database,
                                                                    tmp_path: Path) -> None:
    rezipped = _rezip(package, tmp_path / "重新压缩.ygpkg.zip", folders=True)
    with zipfile.ZipFile(rezipped) as zf:
        assert {"photos/", "checklists/"} <= set(zf.namelist())
    with target.begin() as s:
        result = import_package(s, "王磊", rezipped)
    assert "导入" in result.message


def test_a_symbolic_link_entry_is_refused(package: Path, target: Database, tmp_path: Path) -> None:
    message = _refused(target, _rezip(package, tmp_path / "链接.ygpkg.zip", link="/etc/passwd"))
    assert "data.json" in message and "符号链接" in message


def test_a_manifest_listing_150000_missing_files_gives_a_short_message(package: Path, target: Database,
                                                                        tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    empty = hashlib.sha256(b"").hexdigest()
    manifest["entries"] += [{"path": f"photos/{n:064x}.jpg", "sha256": empty, "size": 0} for n in range(150_000)]
    spoiled = _rezip(package, tmp_path / "缺文件.ygpkg.zip", replace={"manifest.json": json.dumps(manifest).encode()})
    message = _refused(target, spoiled)
    lines = message.splitlines()
    assert len(lines) == MAX_LISTED_PROBLEMS + 2, len(lines)
    assert lines[0] == "发现 150000 个问题，未导入任何内容"
    assert lines[-1] == f"……另有 {150_000 - MAX_LISTED_PROBLEMS} 个问题未列出"
    assert len(message) < 5_000


# --- photos: the same limits and the same "no metadata" as the local photo pipeline ---------------------------------


@pytest.fixture(scope="module")
def draft_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A genuine package of a draft inspection with one photo (a draft's photos are not signed, so a test can swap
    one and mend every reference, as an attacker would)."""
    folder = tmp_path_factory.mktemp("draft-laptop")
    laptop = open_database(None, folder)
    try:
        seeded = seed(laptop, finalize=False)
        path = folder / "草稿.ygpkg.zip"
        with laptop.session() as s:
            export_inspections(s, path, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
        yield path
    finally:
        laptop.close()


def _with_photo(src: Path, dst: Path, photo: bytes, size: tuple[int, int]) -> Path:
    """``src`` with its one photo replaced by ``photo`` and every reference (data.json, manifest) mended."""
    with zipfile.ZipFile(src) as zin:
        old_name = next(n for n in zin.namelist() if n.startswith("photos/"))
        old_sha = old_name[len("photos/") : -len(".jpg")]
        new_sha = hashlib.sha256(photo).hexdigest()
        data = json.loads(zin.read("data.json").decode("utf-8").replace(old_sha, new_sha))
        for record in data["photos"]:
            if record["sha256"] == new_sha:
                record.update(width=size[0], height=size[1], size=len(photo))
        data_bytes = json.dumps(data, ensure_ascii=False).encode("utf-8")
        manifest = json.loads(zin.read("manifest.json"))
        members = {n: zin.read(n) for n in zin.namelist() if n not in (old_name, "data.json", "manifest.json")}
    members[f"photos/{new_sha}.jpg"] = photo
    members["data.json"] = data_bytes
    manifest["entries"] = [
        {"path": name, "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        for name, payload in members.items()
    ]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, payload in members.items():
            zout.writestr(name, payload)
        zout.writestr("manifest.json", json.dumps(manifest))
    return dst


def _jpeg(size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 160, 90)).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def _claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose header claims ``width``×``height`` pixels (a decompression bomb)."""
    data = bytearray(_jpeg((8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def _with_gps_script_and_zip() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (34.0, 45.0, 30.0), 3: "E", 4: (113.0, 38.0, 0.0)})
    appended = io.BytesIO()
    with zipfile.ZipFile(appended, "w") as zf:
        zf.writestr("payload.txt", "hidden")
    return _jpeg(exif=exif.tobytes(), comment=b"<script>alert(1)</script>") + appended.getvalue()


@pytest.mark.parametrize(
    ("photo", "size", "words"),
    [
        (_claiming(16000, 16000), (16000, 16000), ["16000×16000", "百万像素"]),  # DecompressionBombError before
        (_claiming(12000, 12000), (12000, 12000), ["12000×12000", "120 百万像素"]),  # 144 MP, stored byte for byte
        (_claiming(4000, 3000), (4000, 3000), ["4000×3000", "2048 像素"]),  # larger than any processed photo
        (_with_gps_script_and_zip(), (64, 48), ["元数据"]),  # GPS EXIF, <script> comment, a zip after the image
        (_jpeg(comment=b"<script>alert(1)</script>"), (64, 48), ["注释"]),
        (_jpeg() + b"PK\x03\x04appended", (64, 48), ["附加了", "字节"]),
    ],
    ids=["16000x16000", "144-megapixels", "4000x3000", "gps-script-zip", "script-comment", "appended-data"],
)
def test_a_package_photo_gets_the_local_pipelines_limits_and_checks(
    draft_package: Path, target: Database, tmp_path: Path, photo: bytes, size: tuple[int, int], words: list[str]
) -> None:
    spoiled = _with_photo(draft_package, tmp_path / "照片.ygpkg.zip", photo, size)
    message = _refused(target, spoiled)
    assert "photos/" in message
    for word in words:
        assert word in message, message
    with target.session() as s:
        assert s.get(Blob, hashlib.sha256(photo).hexdigest()) is None


def test_a_package_photo_as_the_pipeline_writes_it_is_stored_as_is(draft_package: Path, target: Database,
                                                                   tmp_path: Path) -> None:
    stored, info = prepare_photo(_with_gps_script_and_zip())  # what a laptop stores for that same file
    package = _with_photo(draft_package, tmp_path / "处理过.ygpkg.zip", stored, (info.width, info.height))
    with target.begin() as s:
        import_package(s, "王磊", package)
    with target.session() as s:
        blob = s.get(Blob, info.sha256)
        assert blob is not None and blob.data == stored


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "photos").glob("good*")))
def test_every_photo_the_pipeline_stores_passes_the_package_check(name: str) -> None:
    stored, info = prepare_photo((CORPUS / "photos" / name).read_bytes(), filename=name)
    assert check_stored_photo(stored) == (info.width, info.height)


def _with_data(src: Path, dst: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """``src`` with data.json changed by ``change`` and the manifest mended."""
    with zipfile.ZipFile(src) as zin:
        members = {n: zin.read(n) for n in zin.namelist() if n != "manifest.json"}
        manifest = json.loads(zin.read("manifest.json"))
    data = json.loads(members["data.json"])
    change(data)
    members["data.json"] = json.dumps(data, ensure_ascii=False).encode("utf-8")
    manifest["entries"] = [
        {"path": name, "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        for name, payload in members.items()
    ]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, payload in members.items():
            zout.writestr(name, payload)
        zout.writestr("manifest.json", json.dumps(manifest))
    return dst


def test_absurd_numbers_in_a_package_are_refused(draft_package: Path, target: Database, tmp_path: Path) -> None:
    def points(data: dict[str, Any]) -> None:
        data["inspections"][0]["results"][0]["points"] = 1e308

    message = _refused(target, _with_data(draft_package, tmp_path / "分值.ygpkg.zip", points))
    assert "字段 points 的值无效" in message and "1e+308" in message


def test_a_package_institution_that_looks_like_a_local_one_is_that_one(draft_package: Path, target: Database,
                                                                        tmp_path: Path) -> None:
    # The commission has 第二人民医院 (H002); the package names it with a zero-width space and a full-width code,
    # under an id of its own.
    def lookalike(data: dict[str, Any]) -> None:
        record = data["institutions"][0]
        old_id, new_id = record["id"], "7a1c0f7e-8c1e-4d35-9a51-3c3c0b9e2f10"
        record.update(id=new_id, name="第二人民\u200b医院\u202c", code="Ｈ００２")
        for inspection in data["inspections"]:
            if inspection["institution_id"] == old_id:
                inspection["institution_id"] = new_id

    package = _with_data(draft_package, tmp_path / "相似.ygpkg.zip", lookalike)
    with target.session() as s:
        before = {(i.name, i.code) for i in s.scalars(select(Institution))}
    with target.begin() as s:
        import_package(s, "王磊", package)
    with target.session() as s:
        after = {(i.name, i.code) for i in s.scalars(select(Institution))}
        inspected = s.scalars(select(Inspection.institution_id)).all()
        local = s.scalar(select(Institution.id).where(Institution.name == "第二人民医院"))
    assert after == before and ("第二人民医院", "H002") in after
    assert inspected.count(local) == 2  # the commission's own inspection and the imported one


def test_too_many_entries_are_refused_before_the_zip_directory_is_read(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from inspections.packages import format as package_format
    from inspections.packages.format import read_package

    many = tmp_path / "很多文件.ygpkg.zip"
    with zipfile.ZipFile(many, "w") as zf:  # more than 65535 entries: the count is in the zip64 end record
        for n in range(70_000):
            zf.writestr(f"photos/{n:064x}.jpg", b"")
    monkeypatch.setattr(package_format, "MAX_ENTRIES", 66_000)

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the zip directory was read")

    monkeypatch.setattr(package_format.zipfile, "ZipFile", never)
    with pytest.raises(InvalidInputError, match="包含 70000 个文件，超过 66000 个的上限"):
        read_package(many)


def test_an_overlong_manifest_description_is_refused(package: Path, target: Database, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["description"] = "说" * 100_000
    spoiled = _rezip(package, tmp_path / "说明.ygpkg.zip", replace={"manifest.json": json.dumps(manifest).encode()})
    message = _refused(target, spoiled)
    assert "description" in message and len(message) < 1000


def test_control_characters_in_a_package_institution_name_are_refused(draft_package: Path, target: Database,
                                                                       tmp_path: Path) -> None:
    def escape(data: dict[str, Any]) -> None:
        data["institutions"][0]["name"] = "第一\x1b[2J人民医院\r\n"
        data["inspections"][0]["inspectors"] = ["张伟\x07"]

    message = _refused(target, _with_data(draft_package, tmp_path / "控制字符.ygpkg.zip", escape))
    assert "字段 name 的值无效" in message and "字段 inspectors 的值无效" in message
