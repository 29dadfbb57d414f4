"""Hostile or broken package files are refused with a clear Chinese message, and the database is left unchanged."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspections.errors import InvalidInputError
from inspections.packages import export_inspections, import_package
from inspections.packages.format import FORMAT_VERSION
from models.database import Database, open_database
from tests.inspections.packages.conftest import ACTOR, checksum, seed


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A genuine inspection package (made once for the module)."""
    folder = tmp_path_factory.mktemp("laptop")
    laptop = open_database(None, folder)
    try:
        seeded = seed(laptop)
        path = folder / "检查数据.zip"
        with laptop.session() as s:
            export_inspections(s, path, exporter=ACTOR, inspection_ids=[seeded.inspection_id])
        yield path
    finally:
        laptop.close()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The commission's database, with data of its own; every test proves it is left unchanged."""
    commission = open_database(None, tmp_path_factory.mktemp("commission"))
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
    message = str(err.value)
    assert message.startswith("未导入任何内容") or "未导入任何内容" in message.splitlines()[0]
    return message


def _copy_with(src: Path, dst: Path, extra: dict[str, bytes], *, drop: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name not in drop:
                zout.writestr(name, zin.read(name))
        for name, payload in extra.items():
            zout.writestr(name, payload)
    return dst


def test_an_entry_whose_path_leaves_the_folder_is_refused(package: Path, target: Database, tmp_path: Path) -> None:
    evil = _copy_with(package, tmp_path / "evil.zip", {"../../outside.txt": b"owned"})
    message = _refused(target, evil)
    assert "../../outside.txt" in message and "路径不安全" in message
    assert not (tmp_path.parent / "outside.txt").exists()


def test_a_zip_bomb_is_refused_from_its_directory_before_being_expanded(
    package: Path, target: Database, tmp_path: Path
) -> None:
    bomb = _copy_with(package, tmp_path / "bomb.zip", {"data.json": b"\0" * 30_000_000}, drop=("data.json",))
    assert bomb.stat().st_size < 1_000_000
    message = _refused(target, bomb)
    assert "压缩炸弹" in message


def test_a_changed_photo_fails_its_hash(package: Path, target: Database, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as zf:
        photo = next(n for n in zf.namelist() if n.startswith("photos/"))
        payload = bytearray(zf.read(photo))
    payload[200] ^= 0xFF
    tampered = _copy_with(package, tmp_path / "tampered.zip", {photo: bytes(payload)}, drop=(photo,))
    message = _refused(target, tampered)
    assert photo in message and "校验失败" in message


def test_a_truncated_file_is_refused(package: Path, target: Database, tmp_path: Path) -> None:
    data = package.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) * 2 // 3])
    message = _refused(target, cut)
    assert "不完整" in message


def test_a_newer_format_version_asks_to_upgrade(package: Path, target: Database, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["format_version"] = FORMAT_VERSION + 1
    newer = _copy_with(
        package, tmp_path / "newer.zip", {"manifest.json": json.dumps(manifest).encode()}, drop=("manifest.json",)
    )
    message = _refused(target, newer)
    assert f"格式版本为 {FORMAT_VERSION + 1}" in message and "请先升级" in message


def test_a_file_that_is_not_a_zip_is_refused(target: Database, tmp_path: Path) -> None:
    text = tmp_path / "检查数据.zip"
    text.write_text("这不是数据包", encoding="utf-8")
    message = _refused(target, text)
    assert "不是院感督导数据包" in message and "zip" in message


def test_a_forged_finalized_inspection_fails_its_signed_hash(package: Path, target: Database, tmp_path: Path) -> None:
    from tests.inspections.packages.conftest import rewrite

    def better_score(data: dict[str, object]) -> None:
        inspection = data["inspections"][0]  # type: ignore[index]
        for result in inspection["results"]:
            result["response"], result["note"] = "pass", ""

    forged = rewrite(package, tmp_path / "forged.zip", better_score)
    message = _refused(target, forged)
    assert "签名哈希不符" in message


def test_a_record_id_used_twice_is_refused_before_anything_is_written(
    package: Path, target: Database, tmp_path: Path
) -> None:
    from tests.inspections.packages.conftest import rewrite

    def reuse_id(data: dict[str, object]) -> None:
        results = data["inspections"][0]["results"]  # type: ignore[index]
        results[1]["id"] = results[0]["id"]

    message = _refused(target, rewrite(package, tmp_path / "dup.zip", reuse_id))
    assert "重复出现" in message


def test_a_file_left_out_of_the_manifest_is_refused(package: Path, target: Database, tmp_path: Path) -> None:
    extra = _copy_with(package, tmp_path / "extra.zip", {"checklists/extra.yaml": b"format: 1"})
    message = _refused(target, extra)
    assert "checklists/extra.yaml" in message and "不在清单" in message


def test_two_results_for_one_item_are_refused_in_words(package: Path, target: Database, tmp_path: Path) -> None:
    from tests.inspections.packages.conftest import rewrite

    def answer_twice(data: dict[str, object]) -> None:
        results = data["inspections"][0]["results"]  # type: ignore[index]
        results[1]["item_code"] = results[0]["item_code"]

    message = _refused(target, rewrite(package, tmp_path / "twice.zip", answer_twice))
    assert "有两条检查结果" in message
