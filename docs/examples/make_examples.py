"""Renders the example documents in docs/examples/ from the test sample data (needs pdftoppm for the PNG pages).

Run: ``.venv/bin/python docs/examples/make_examples.py``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "inspections" / "reports"))

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from report_samples import AS_OF, make_bulletin, make_feedback, make_ledger, make_notice  # noqa: E402

from inspections.reports.bulletin import build_bulletin  # noqa: E402
from inspections.reports.data import LedgerData, PhotoRow, SectionScoreRow  # noqa: E402
from inspections.reports.feedback import build_feedback_report  # noqa: E402
from inspections.reports.fonts import FONT_PATH  # noqa: E402
from inspections.reports.notice import build_ledger_pdf, build_notice  # noqa: E402
from inspections.reports.xlsx import write_ledger_workbook  # noqa: E402


def scene(label: str, seed: int, size: tuple[int, int] = (1024, 768)) -> bytes:
    """A stand-in photo: a corridor wall, a door and a sign, with some grain."""
    width, height = size
    image = Image.new("RGB", size, (200 - seed * 7 % 40, 205, 198))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 0.72, width, height), fill=(150, 145, 135))
    left = 180 + seed * 60 % 400
    draw.rectangle((left, 140, left + 260, height * 0.72), fill=(120, 150, 170), outline=(60, 70, 80), width=6)
    draw.rectangle((left + 210, 380, left + 230, 430), fill=(200, 200, 200))
    draw.rectangle((left + 300, 160, left + 300 + 360, 240), fill=(20, 110, 60))
    font = ImageFont.truetype(str(FONT_PATH), 44, index=0)
    draw.text((left + 320, 175), label, font=font, fill=(255, 255, 255))
    noise = Image.effect_noise(size, 12).convert("RGB")
    image = Image.blend(image, noise, 0.08).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def png_pages(pdf: Path, pages: list[int], stem: str) -> None:
    """Selected pages (negative: from the end) at 150 dpi, in a 256-colour palette to stay a few hundred KB."""
    count = len(PdfReader(pdf).pages)
    with tempfile.TemporaryDirectory() as tmp:
        for page in (p if p > 0 else count + 1 + p for p in pages):
            prefix = Path(tmp) / f"p{page}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "150",
                    "-png",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(pdf),
                    str(prefix),
                ],
                check=True,
            )
            image = Image.open(f"{prefix}.png").convert("RGB").quantize(256)
            image.save(HERE / f"{stem}-p{page}.png", optimize=True)


def main() -> None:
    signs = ["缓冲间", "预检分诊", "患者通道", "手卫生", "医废暂存", "污染区"]
    feedback = make_feedback(findings=14, photos=0, details=24)
    photos = tuple(
        PhotoRow(f"FZ{i // 3 + 1}.{i % 3 + 1}", text, scene(signs[i], i))
        for i, text in enumerate(
            [
                "缓冲间两侧门无互锁装置，现场可同时开启",
                "预检分诊处未设置醒目标识",
                "患者通道与医务人员通道交叉",
                "速干手消毒剂过期未更换",
                "医疗废物暂存间未上锁",
                "污染区防护用品穿脱流程图缺失",
            ]
        )
    )
    sections = (
        SectionScoreRow("1", "一、布局与流程", 12, 15, 80.0),
        SectionScoreRow("2", "二、人员防护", 14.5, 15, 96.7),
        SectionScoreRow("3", "三、消毒与医废", 10, 15, 66.7),
    )
    checklists = (replace(feedback.checklists[0], sections=sections), *feedback.checklists[1:])
    feedback = replace(feedback, photos=photos, checklists=checklists)
    build_feedback_report(feedback, HERE / "feedback.pdf", invariant=True)
    build_feedback_report(
        replace(feedback, status="draft", content_hash_short="", doc_number=""),
        HERE / "feedback-draft.pdf",
        invariant=True,
    )
    build_bulletin(replace(make_bulletin(120), copy_to="市卫生健康委员会"), HERE / "bulletin.pdf", invariant=True)
    build_notice(replace(make_notice(5), copy_to="市卫生健康委员会"), HERE / "notice.pdf", invariant=True)
    rows = tuple(make_ledger(60))
    build_ledger_pdf(
        LedgerData(rows, AS_OF, scope="2026年11月 · 全部机构", issuer="上街区卫生健康委员会"),
        HERE / "ledger.pdf",
        invariant=True,
    )
    write_ledger_workbook(rows, HERE / "ledger.xlsx", data_as_of=AS_OF)

    for old in HERE.glob("*.png"):
        old.unlink()
    png_pages(HERE / "feedback.pdf", [1, 2, 3, -1], "feedback")
    png_pages(HERE / "feedback-draft.pdf", [1], "feedback-draft")
    png_pages(HERE / "bulletin.pdf", [1, 2, 3, 4, -1], "bulletin")
    png_pages(HERE / "notice.pdf", [1, 2, -1], "notice")
    png_pages(HERE / "ledger.pdf", [1, 2], "ledger")


if __name__ == "__main__":
    main()
