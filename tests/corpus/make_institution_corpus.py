"""Writes the sample institution lists and photos (mostly bad ones) under tests/corpus/ with their expected outcomes.

Run ``.venv/bin/python tests/corpus/make_institution_corpus.py`` after changing it; the files are committed.
Each ``expected.json`` maps a file to the substrings its error message must contain, or (for a file that must load)
to ``{"created": n}`` (institutions) or ``null`` (photos).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import openpyxl
from PIL import Image

ROOT = Path(__file__).resolve().parent
INSTITUTIONS = ROOT / "institutions"
PHOTOS = ROOT / "photos"

HEADER = [
    "机构名称",
    "机构编码",
    "医院等级",
    "机构类别",
    "所属区",
    "地址",
    "联系人",
    "联系电话",
    "发热门诊",
    "发热哨点",
]


def _xlsx(rows: list[list[Any]], *, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "机构名单"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[str]], *, delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in rows)


def institution_files() -> dict[str, tuple[bytes, Any]]:
    good_xlsx = _xlsx(
        [
            HEADER,
            ["第一人民医院", 1001, "三级甲等", "综合医院", "东城区", "健康路 1 号", "张三", 13800000001, "√", None],
            ["妇幼保健院", 1002.0, 2, "专科医院", "西城区", "", "李四", "", "", "是"],
            ["东城社区卫生服务中心", None, "一级", "基层医疗机构", "东城区", "", "", "", "无", "有"],
        ],
        title="2026 年东城区医疗机构名单",
    )
    bad_rows = _xlsx(
        [
            HEADER,
            ["第一人民医院", "A1", "三级", "", "", "", "", "", "是", ""],  # row 2: fine
            ["中医院", "A2", "四级", "", "", "", "", "", "是", ""],  # row 3: unknown level
            ["", "A3", "二级", "", "", "", "", "", "否", ""],  # row 4: no name
            ["口腔医院", "A4", "二级", "", "", "", "", "", "也许", ""],  # row 5: bad yes/no
            ["第一人民医院", "A5", "三级", "", "", "", "", "", "是", ""],  # row 6: same name as row 2
            ["眼科医院", "A1", "二级", "", "", "", "", "", "否", ""],  # row 7: same code as row 2
        ]
    )
    truncated = good_xlsx[: len(good_xlsx) // 2]
    empty_sheet = io.BytesIO()
    openpyxl.Workbook().save(empty_sheet)
    return {
        "good-title-row.xlsx": (good_xlsx, {"created": 3}),
        "good-gbk-semicolon.csv": (
            _csv(
                [
                    ["名称", "级别", "区", "发热门诊"],
                    ["人民医院", "三甲", "南区", "有"],
                    ["街道卫生院", "未定级", "南区", ""],
                ],
                delimiter=";",
            ).encode("gbk"),
            {"created": 2},
        ),
        "good-utf8-bom-tab.csv": (
            ("\ufeff" + _csv([["名称", "等级", "电话"], ["传染病医院", "3", "010-1234"]], delimiter="\t")).encode(),
            {"created": 1},
        ),
        "bad-rows.xlsx": (
            bad_rows,
            [
                "第 3 行",
                "级别「四级」无法识别",
                "第 4 行",
                "机构名称为空",
                "第 5 行",
                "「发热门诊」应填 是/否",
                "「也许」",
                "第 6 行",
                "名称「第一人民医院」与第 2 行重复",
                "第 7 行",
                "编码「A1」与第 2 行重复",
            ],
        ),
        "bad-missing-name-column.csv": (
            _csv([["级别", "所属区"], ["三级", "东城区"]]).encode(),
            ["缺少必需的列", "「名称」"],
        ),
        "bad-no-header.csv": (_csv([["第一人民医院", "三级"], ["中医院", "二级"]]).encode(), ["找不到表头"]),
        "bad-duplicate-column.csv": (
            _csv([["名称", "级别", "等级"], ["中医院", "二级", "二级"]]).encode(),
            ["第 1 行", "「级别」「等级」", "第 B、C 列", "只保留一列"],
        ),
        "bad-header-only.csv": (_csv([["名称", "级别"]]).encode(), ["没有数据行"]),
        "bad-empty.csv": (b"", ["文件是空的"]),
        "bad-binary.csv": (bytes(range(256)) * 4, ["无法识别文件的文字编码"]),
        "bad-text-renamed.xlsx": ("名称,级别\n中医院,二级\n".encode(), ["不是有效的 Excel"]),
        "bad-truncated.xlsx": (truncated, ["不是有效的 Excel"]),
        "bad-old-format.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, ["旧版 Excel", ".xls"]),
        "bad-empty-sheet.xlsx": (empty_sheet.getvalue(), ["是空的"]),
        "bad-unsupported.docx": (b"PK\x03\x04 not really a document", ["不支持的文件类型", ".docx"]),
    }


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge 1-bit image: a decompression bomb as Pillow sees it at open."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def _image(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo_files() -> dict[str, tuple[bytes, Any]]:
    base = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
    jpeg = _image(base, "JPEG", quality=80)
    # 40×20 stored, EXIF orientation 6 (rotate 90° clockwise to view): upright it is 20×40.
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = _image(Image.new("RGB", (40, 20), (200, 30, 30)), "JPEG", exif=exif.tobytes())
    transparent = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    frames = [Image.new("P", (16, 16), i) for i in (1, 2)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    return {
        "good.jpg": (jpeg, None),
        "good-exif-rotated.jpg": (rotated, None),
        "good-transparent.png": (_image(transparent, "PNG"), None),
        "good-cmyk.jpg": (_image(Image.new("CMYK", (24, 24), (0, 255, 255, 0)), "JPEG"), None),
        "good-animated.gif": (gif.getvalue(), None),
        "good.webp": (_image(base, "WEBP"), None),
        "good.bmp": (_image(base, "BMP"), None),
        "good-16bit-grey.png": (_image(Image.new("I;16", (8, 8), 40000), "PNG"), None),
        "bad-empty.jpg": (b"", ["bad-empty.jpg", "空文件"]),
        "bad-text-renamed.jpg": ("这不是照片，只是一段文字。\n".encode(), ["bad-text-renamed.jpg", "不是可识别的图片"]),
        "bad-truncated.jpg": (jpeg[: len(jpeg) // 2], ["bad-truncated.jpg", "不完整或已损坏"]),
        "bad-bomb.png": (_png_claiming(30_000, 30_000), ["bad-bomb.png", "像素数过大"]),
        "bad-bomb-warning.png": (_png_claiming(12_000, 12_000), ["bad-bomb-warning.png", "像素数过大"]),
        "bad-tiff.tif": (_image(base, "TIFF"), ["bad-tiff.tif", "不是可识别的图片"]),
    }


def write(folder: Path, files: dict[str, tuple[bytes, Any]]) -> None:
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    expected: dict[str, Any] = {}
    for name, (content, outcome) in files.items():
        (folder / name).write_bytes(content)
        expected[name] = outcome
    text = json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True)
    (folder / "expected.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(INSTITUTIONS, institution_files())
    write(PHOTOS, photo_files())
