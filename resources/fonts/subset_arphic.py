"""Rebuild the bundled AR PL UMing / UKai subsets from Debian's fonts-arphic-uming / fonts-arphic-ukai.

The full collections are 21 MB and 17 MB, most of it glyphs of no use to a Chinese commission's documents and
embedded bitmaps ReportLab never draws. The subsets keep the simplified-Chinese face (index 0, "CN") with the
GB 2312 characters, ASCII, and the common punctuation and full-width forms; a character outside them falls back
to WenQuanYi Micro Hei in the documents (inspections/reports/fonts.py), never a box.

    apt-get install -y fonts-arphic-uming fonts-arphic-ukai
    .venv/bin/python resources/fonts/subset_arphic.py      # needs fonttools (dev dependency)
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/truetype/arphic")
HERE = Path(__file__).resolve().parent


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    chars: set[int] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned cells
                chars.add(ord(bytes([high, low]).decode("gb2312")))
    return chars


def wanted() -> set[int]:
    chars = gb2312()
    chars |= set(range(0x20, 0x7F))  # ASCII
    chars |= set(range(0x2000, 0x2070))  # general punctuation (— … ‰ “ ”)
    chars |= set(range(0x2460, 0x24A0))  # ①–⒇
    chars |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation (、。〔〕《》)
    chars |= set(range(0xFF00, 0xFFF0))  # full-width forms
    chars |= {0x00B7, 0x00D7, 0x00F7, 0x2103, 0x2116, 0x2190, 0x2191, 0x2192, 0x2193, 0x2605, 0x2606, 0x2715}
    return chars


def build(source: str, target: str) -> None:
    font = TTCollection(str(SOURCE / source)).fonts[0]  # the CN face
    options = subset.Options()
    options.drop_tables += ["EBDT", "EBLC", "BDF ", "FFTM", "GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted()))
    subsetter.subset(font)
    font.save(str(HERE / target))
    print(target, (HERE / target).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    build("uming.ttc", "arphic-uming-gb.ttf")
    build("ukai.ttc", "arphic-ukai-gb.ttf")
