"""Package cases of issue 18: a genuine package re-zipped with folder entries is read, a symbolic link entry is
refused, a manifest listing 150,000 missing files gives a short message."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspections.errors import MAX_LISTED_PROBLEMS, InvalidInputError
from inspections.packages import export_inspections, import_package
from models.database import Database, open_database
from tests.inspections.packages.conftest import ACTOR, checksum, seed


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
