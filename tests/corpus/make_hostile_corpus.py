"""Writes hostile and malformed inputs under tests/corpus/hostile/<importer>/ with what each must produce.

Run ``.venv/bin/python tests/corpus/make_hostile_corpus.py`` after changing it; the files are committed.
The other corpus folders (checklists/, institutions/, photos/) hold the everyday mistakes; these are the files an
attacker, a broken tool or a wrong "Save as" produces. Each folder's ``expected.json`` maps a file to the substrings
its Chinese error must contain (``[]``: any clear error), or to ``{"load": ...}`` for a file that must be read
correctly (``{"created": n, "names": [...]}`` for institutions, ``{"items": n}`` for checklists).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parent / "hostile"

CHECKLIST_HEAD = "format: 1\ncode: hostile\nversion: 1\ntitle: 恶意输入测试\n"
ITEM = (
    "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n      - code: A1.1\n        text: 设置预检分诊点\n"
    "        method: 现场查看\n        criteria: 未设置不得分\n        points: 5\n"
)


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_zip(data: bytes, replace: dict[str, bytes], *, level: int = 6) -> bytes:
    """The same zip with some members' contents replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def _sheet_xml(rows_xml: str, *, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + doctype
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def _inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


CHECKLIST_HEADER = ["检查项目", "检查内容", "检查方法", "评分标准", "分值"]


def checklist_files() -> dict[str, tuple[bytes, Any]]:
    base = _xlsx([CHECKLIST_HEADER, ["预检分诊", "设置预检分诊点", "现场查看", "未设置不得分", 5]])
    row = ["预检分诊", "设置预检分诊点", "现场查看", "未设置不得分", "5"]
    # An XML external entity in the sheet: the file's contents must never end up in a checklist.
    xxe = _xml_attack(CHECKLIST_HEADER, [row[0], "&xxe;", *row[2:]], xxe=True)
    # Exponential entity expansion ("billion laughs") in the sheet XML.
    xml_bomb = _xml_attack(CHECKLIST_HEADER, [row[0], "&l9;", *row[2:]], xxe=False)
    # A sheet that inflates to ~100 MB of whitespace from a ~100 KB file (a zip bomb aimed at the XML parser).
    padding = b" " * (100 * 1024 * 1024)
    zip_bomb = _rewrite_zip(
        base,
        {
            "xl/worksheets/sheet1.xml": _sheet_xml(_inline_row(1, CHECKLIST_HEADER)).replace(
                b"<sheetData>", padding + b"<sheetData>"
            )
        },
        level=9,
    )
    deep = "[" * 5000 + "]" * 5000
    aliases = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]\n"
        for n in range(1, 10)
    )
    good_gbk = (CHECKLIST_HEAD + ITEM).replace("恶意输入测试", "国标编码检查表").encode("gbk")
    return {
        "yaml-python-object.yaml": (
            (
                CHECKLIST_HEAD.replace(
                    "title: 恶意输入测试", 'title: !!python/object/apply:os.system ["echo 已被入侵"]'
                )
                + ITEM
            ).encode(),
            [],
        ),
        "yaml-alias-bomb.yaml": ((CHECKLIST_HEAD + aliases + "title2: *a9\n" + ITEM).encode(), []),
        "yaml-alias-bomb-in-title.yaml": (
            (
                aliases.replace("a0:", "x0:") + CHECKLIST_HEAD.replace("title: 恶意输入测试", "title: *a9") + ITEM
            ).encode(),
            [],
        ),
        "yaml-deep-nesting.yaml": ((CHECKLIST_HEAD + f"basis: {deep}\n" + ITEM).encode(), []),
        "yaml-top-level-list.yaml": (b"- format: 1\n- code: x\n", []),
        "yaml-empty.yaml": (b"", []),
        "yaml-only-comments.yaml": ("# 只有注释\n# 没有内容\n".encode(), []),
        "yaml-nul-bytes.yaml": ((CHECKLIST_HEAD + ITEM).encode().replace(b"version", b"ver\x00sion"), []),
        "yaml-infinite-points.yaml": ((CHECKLIST_HEAD + ITEM.replace("points: 5", "points: .inf")).encode(), ["A1.1"]),
        "yaml-nan-points.yaml": ((CHECKLIST_HEAD + ITEM.replace("points: 5", "points: .nan")).encode(), ["A1.1"]),
        "yaml-duplicate-key.yaml": ((CHECKLIST_HEAD + "title: 第二个标题\n" + ITEM).encode(), ["title"]),
        "yaml-multiple-documents.yaml": ((CHECKLIST_HEAD + ITEM + "---\n" + CHECKLIST_HEAD + ITEM).encode(), []),
        "yaml-huge-version.yaml": (
            (CHECKLIST_HEAD.replace("version: 1", "version: 99999999999999999999999") + ITEM).encode(),
            ["version"],
        ),
        "yaml-utf16-bom.yaml": (
            "\ufeff".encode("utf-16-le") + (CHECKLIST_HEAD + ITEM).encode("utf-16-le"),
            {"load": {"items": 1}},
        ),
        "yaml-gbk.yaml": (good_gbk, {"load": {"items": 1}}),
        "xlsx-external-entity.xlsx": (xxe, []),
        "xlsx-entity-expansion.xlsx": (xml_bomb, []),
        "xlsx-zip-bomb.xlsx": (zip_bomb, []),
        "xlsx-empty-zip.xlsx": (_empty_zip(), []),
        "xlsx-really-a-pdf.xlsx": (_pdf(), []),
        # Issue 18: absurd numbers and sizes are refused with the limit stated; a hidden first sheet is not read.
        "yaml-points-1e308.yaml": (
            (CHECKLIST_HEAD + ITEM.replace("points: 5", "points: 1.0e+308")).encode(),
            ["A1.1", "超出 0–1000 分"],
        ),
        "yaml-title-5000-characters.yaml": (
            CHECKLIST_HEAD.replace("恶意输入测试", "标" * 5000).encode() + ITEM.encode(),
            ["标题", "上限 200 个"],
        ),
        "yaml-title-terminal-escapes.yaml": (
            (CHECKLIST_HEAD.replace("title: 恶意输入测试", 'title: "\\e[2J\\e]0;x\\a恶意\\r标题\\u202e"') + ITEM)
            .encode(),
            ["标题", "控制字符"],
        ),
        "xlsx-hidden-first-sheet.xlsx": (_hidden_first_sheet(), {"load": {"items": 1}}),
    }


def _hidden_first_sheet() -> bytes:
    """A hidden first sheet of three items nobody reviewed, then the visible checklist of one item."""
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    assert hidden is not None
    hidden.title = "隐藏"
    for n in range(3):
        hidden.append(CHECKLIST_HEADER if n == 0 else [])
    for row in (["预检分诊", f"隐藏的检查项 {n}", "现场查看", "未设置不得分", 5] for n in range(3)):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    visible = workbook.create_sheet("预检分诊检查表")
    visible.append(CHECKLIST_HEADER)
    visible.append(["预检分诊", "设置预检分诊点", "现场查看", "未设置不得分", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _empty_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w"):
        pass
    return out.getvalue()


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


INSTITUTION_HEADER = ["机构名称", "机构编码", "医院等级", "所属区", "发热门诊"]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in rows)


def institution_files() -> dict[str, tuple[bytes, Any]]:
    rare = "䶮城社区卫生服务中心"  # 䶮 is in GB18030 but not in GBK
    many_bad = [INSTITUTION_HEADER] + [[f"机构{n}", f"C{n}", "五级", "南区", "是"] for n in range(2000)]
    formula = _xlsx([INSTITUTION_HEADER, ['=CONCATENATE("第一","医院")', "F1", "二级", "南区", "是"]])
    return {
        "csv-gbk.csv": (
            _csv(
                [
                    INSTITUTION_HEADER,
                    ["第一人民医院", "G1", "三级", "南区", "是"],
                    ["城关卫生院", "G2", "一级", "南区", "否"],
                ]
            ).encode("gbk"),
            {"load": {"created": 2, "names": ["第一人民医院", "城关卫生院"]}},
        ),
        "csv-gb18030-rare-character.csv": (
            _csv([INSTITUTION_HEADER, [rare, "R1", "一级", "北区", "否"]]).encode("gb18030"),
            {"load": {"created": 1, "names": [rare]}},
        ),
        "csv-utf16-excel-unicode-text.csv": (
            "\ufeff".encode("utf-16-le")
            + _csv([INSTITUTION_HEADER, ["口腔医院", "U1", "二级", "东区", "否"]], delimiter="\t").encode("utf-16-le"),
            {"load": {"created": 1, "names": ["口腔医院"]}},
        ),
        "csv-utf16-without-bom.csv": (
            _csv([INSTITUTION_HEADER, ["口腔医院", "U1", "二级", "东区", "否"]], delimiter="\t").encode("utf-16-le"),
            ["编码"],
        ),
        "csv-2000-bad-rows.csv": (_csv(many_bad).encode(), ["第 2 行", "五级"]),
        "csv-unclosed-quote.csv": (
            (_csv([INSTITUTION_HEADER]) + '"第一人民医院,G1,三级,南区,是\r\n' * 3).encode(),
            [],
        ),
        "csv-very-long-name.csv": (
            _csv([INSTITUTION_HEADER, ["医" * 5000, "L1", "二级", "南区", "是"]]).encode(),
            ["第 2 行"],
        ),
        "csv-control-characters.csv": (
            _csv([INSTITUTION_HEADER, ["第一\x07人民\x1b[31m医院", "K1", "二级", "南区", "是"]]).encode(),
            ["第 2 行"],
        ),
        "xlsx-formula-name.xlsx": (formula, ["第 2 行"]),
        "xlsx-external-entity.xlsx": (_xml_attack(INSTITUTION_HEADER, ["第一人民医院", "&xxe;"], xxe=True), []),
        "xlsx-entity-expansion.xlsx": (_xml_attack(INSTITUTION_HEADER, ["&l9;", "X1"], xxe=False), []),
        "xlsx-really-a-zip-of-photos.xlsx": (
            _zip({"photo1.jpg": b"\xff\xd8\xff\xe0 not really", "说明.txt": "照片".encode()}),
            [],
        ),
        # Issue 18: a name with a zero-width space and a full-width code are the institution already there (the
        # corpus database holds 上街区人民医院), not a second one that looks the same.
        "csv-zero-width-space-in-name.csv": (
            _csv([INSTITUTION_HEADER, ["上街区\u200b人民医院\u202c", "", "二级", "上街区", "否"]]).encode(),
            {"load": {"created": 0, "names": ["上街区人民医院"]}},
        ),
        "csv-full-width-code-twice.csv": (
            _csv(
                [
                    INSTITUTION_HEADER,
                    ["甲医院", "T001", "二级", "南区", "否"],
                    ["乙医院", "Ｔ００１", "二级", "南区", "否"],
                ]
            ).encode(),
            ["第 3 行", "编码「T001」与第 2 行重复"],
        ),
    }


def _entities() -> str:
    return '<!ENTITY l0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )


def _xml_attack(header: list[str], row: list[str], *, xxe: bool) -> bytes:
    """A workbook whose sheet XML declares an external entity (xxe) or exponentially expanding entities."""
    doctype = '<!ENTITY xxe SYSTEM "file:///etc/passwd">' if xxe else _entities()
    return _rewrite_zip(
        _xlsx([header, row]),
        {
            "xl/worksheets/sheet1.xml": _sheet_xml(
                _inline_row(1, header) + _inline_row(2, row), doctype=f"<!DOCTYPE worksheet [{doctype}]>"
            )
        },
    )


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, *, colour_type: int = 2, depth: int = 8) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def _real(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(buffer, fmt)
    return buffer.getvalue()


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real 8×8 JPEG whose frame header (SOF0) claims a huge size."""
    data = bytearray(_real("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif_claiming(width: int, height: int) -> bytes:
    """A real 8×8 GIF whose logical screen and image descriptor claim a huge size."""
    data = bytearray(_real("GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    image = data.index(b"\x2c", 13)
    data[image + 5 : image + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def _webp_claiming(width: int, height: int) -> bytes:
    vp8x = (
        b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00\x00\x00\x00"
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def photo_files() -> dict[str, tuple[bytes, Any]]:
    return {
        "bomb-png-65535x65535.png": (_png(65535, 65535), ["像素"]),
        "bomb-jpeg-65500x65500.jpg": (_jpeg_claiming(65500, 65500), ["像素"]),
        "bomb-jpeg-12000x12000.jpg": (_jpeg_claiming(12000, 12000), ["像素"]),
        "bomb-gif-65535x65535.gif": (_gif_claiming(65535, 65535), ["像素"]),
        "bomb-webp-16383x16383.webp": (_webp_claiming(16383, 16383), []),
        "pdf-renamed.jpg": (_pdf(), ["不是可识别的图片"]),
        "html-renamed.png": ("<html><body><script>alert('入侵')</script></body></html>".encode(), ["不是可识别的图片"]),
        "svg-with-script.png": (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>',
            ["不是可识别的图片"],
        ),
        "zip-renamed.jpg": (_zip({"a.jpg": b"x"}), ["不是可识别的图片"]),
        "exe-renamed.jpg": (b"MZ\x90\x00\x03" + b"\x00" * 59 + b"PE\x00\x00" + b"\x00" * 200, ["不是可识别的图片"]),
        "png-header-only.png": (b"\x89PNG\r\n\x1a\n", []),
        "png-bad-crc.png": (_png(16, 16)[:29] + b"\x00\x00\x00\x00" + _png(16, 16)[33:], []),
        "ico-icon.jpg": (_ico(), ["不是可识别的图片"]),
    }


def _ico() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buffer, "ICO")
    return buffer.getvalue()


def _package(
    data: Any = None,
    *,
    extra: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
    manifest_changes: dict[str, Any] | None = None,
    entry_changes: dict[str, dict[str, Any]] | None = None,
    raw_data: bytes | None = None,
    symlink: str | None = None,
) -> bytes:
    """An inspection package as the exporter writes it (manifest.json with sha256 and size of every entry), then
    spoiled as asked: extra or dropped members, changed manifest fields or entries, raw data.json bytes."""
    payload = raw_data if raw_data is not None else json.dumps(data, ensure_ascii=False).encode()
    entries = {"data.json": {"path": "data.json", "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}}
    for name, changes in (entry_changes or {}).items():
        entries[name] = {**entries.get(name, {"path": name}), **changes}
    manifest = {
        "format": "yuangan-duzao-package",
        "format_version": 1,
        "kind": "inspections",
        "exporter": "张伟",
        "created_at": "2026-11-20T10:00:00",
        "app_version": "0.1.0",
        "institution_id": None,
        "description": "",
        "entries": list(entries.values()),
        **(manifest_changes or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if "data.json" not in drop:
            if symlink is not None:
                info = zipfile.ZipInfo("data.json")
                info.external_attr = 0o120777 << 16  # a symbolic link to ``symlink``
                archive.writestr(info, symlink)
            else:
                archive.writestr("data.json", payload)
        for name, member in (extra or {}).items():
            archive.writestr(name, member)
        if "manifest.json" not in drop:
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
    return out.getvalue()


def package_files() -> dict[str, tuple[bytes, Any]]:
    data = {"inspections": [], "institutions": [], "findings": []}
    whole = _package(data)
    bomb = _package(raw_data=b"\0" * 40_000_000)
    nested = b"[" * 200_000 + b"]" * 200_000
    return {
        "pkg-not-a-zip.ygpkg.zip": ("这不是数据包，只是一段文字。".encode(), ["不是 zip"]),
        "pkg-truncated.ygpkg.zip": (whole[: len(whole) // 2], ["不完整或已损坏"]),
        "pkg-empty-zip.ygpkg.zip": (_empty_zip(), []),
        "pkg-zip-slip.ygpkg.zip": (_package(data, extra={"../../../tmp/yg-owned.txt": b"owned"}), ["路径不安全"]),
        "pkg-absolute-path.ygpkg.zip": (
            _package(data, extra={"/etc/cron.d/yg-owned": b"* * * * * root id"}),
            ["路径不安全"],
        ),
        "pkg-windows-path.ygpkg.zip": (_package(data, extra={"..\\..\\Windows\\yg.dll": b"MZ"}), ["路径不安全"]),
        "pkg-zip-bomb.ygpkg.zip": (bomb, ["压缩炸弹"]),
        "pkg-no-manifest.ygpkg.zip": (_package(data, drop=("manifest.json",)), ["缺少 manifest.json"]),
        "pkg-wrong-sha256.ygpkg.zip": (
            _package(data, entry_changes={"data.json": {"sha256": "0" * 64}}),
            ["data.json", "sha256"],
        ),
        "pkg-file-not-in-manifest.ygpkg.zip": (
            _package(data, extra={"photos/" + "a" * 64 + ".jpg": b"\xff\xd8\xff"}),
            ["不在清单"],
        ),
        "pkg-listed-file-missing.ygpkg.zip": (
            _package(data, entry_changes={"checklists/x.yaml": {"sha256": "0" * 64, "size": 3}}),
            ["不存在"],
        ),
        "pkg-newer-format.ygpkg.zip": (_package(data, manifest_changes={"format_version": 99}), ["升级"]),
        "pkg-other-program.ygpkg.zip": (_package(data, manifest_changes={"format": "someone-else"}), ["清单格式不符"]),
        "pkg-data-not-json.ygpkg.zip": (_package(raw_data="检查数据：很多".encode()), ["不是有效的 JSON"]),
        "pkg-data-deeply-nested.ygpkg.zip": (_package(raw_data=nested), ["不是有效的 JSON"]),
        "pkg-data-wrong-shape.ygpkg.zip": (_package({"inspections": "全部合格", "institutions": 3}), []),
        "pkg-data-bad-records.ygpkg.zip": (
            _package({"inspections": [{"id": "不是编号", "date": "昨天"}], "institutions": [], "findings": []}),
            [],
        ),
        "pkg-symlink-entry.ygpkg.zip": (_package(data, symlink="/etc/passwd"), ["符号链接"]),
    }


def write(folder: Path, files: dict[str, tuple[bytes, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    expected: dict[str, Any] = {}
    for name, (content, outcome) in files.items():
        (folder / name).write_bytes(content)
        expected[name] = outcome
    text = json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True)
    (folder / "expected.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(ROOT / "checklists", checklist_files())
    write(ROOT / "institutions", institution_files())
    write(ROOT / "photos", photo_files())
    write(ROOT / "packages", package_files())
