"""Benchmark of the PDF builders: a 150-item inspection with 40 findings and 20 photos, a 500-institution bulletin.

Run: ``.venv/bin/python bench/report_bench.py [--repeat N] [--no-accel]``. Prints medians (targets: < 1 s and
< 5 s) and a bare-ReportLab baseline that draws the same text and images on a canvas, for the ratio.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "--no-accel" in sys.argv:
    # Before ReportLab is imported: it then falls back to its pure-Python string widths, escapes and ASCII85.
    sys.modules["_rl_accel"] = None  # type: ignore[assignment]

from PIL import Image, ImageFilter
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from inspections.checklists.spec import ScoringRule
from inspections.docnumbers import format_doc_number
from inspections.reports.bulletin import build_bulletin
from inspections.reports.data import (
    BulletinData,
    ChecklistScoreRow,
    CoverageData,
    CriticalFailureRow,
    FailedItemRow,
    FeedbackReportData,
    FindingRow,
    ItemDetailRow,
    NotDoneRow,
    OverdueRow,
    PhotoRow,
    RankingRow,
    ScoreBin,
    TrendPoint,
    scoring_formula_text,
)
from inspections.reports.feedback import build_feedback_report
from inspections.reports.flowables import JpegReader
from inspections.reports.fonts import register_fonts

DAY = date(2026, 11, 28)
AS_OF = datetime(2026, 11, 28, 14, 3)
TEXTS = [
    "缓冲间两侧门无互锁装置，现场可同时开启，医务人员穿脱防护用品区域未张贴流程图",
    "预检分诊处未询问流行病学史，登记本缺少近三日记录，体温测量记录不完整",
    "医务人员通道与患者通道交叉，污物运送路线经过清洁区，未设置醒目标识",
    "手卫生设施不足，速干手消毒剂过期未更换，抽查 3 名医务人员手卫生依从性不达标",
    "医疗废物暂存间未上锁，交接登记不完整，转运工具未按规定清洗消毒",
]


def photo(seed: int, width: int = 2048, height: int = 1536) -> bytes:
    """A 2048 px JPEG that compresses like a photo: smooth shapes plus sensor-like grain."""
    rng = random.Random(seed)
    shapes = Image.effect_noise((width // 32, height // 32), 90).resize((width, height), Image.Resampling.BICUBIC)
    shapes = shapes.filter(ImageFilter.GaussianBlur(6))
    grain = Image.effect_noise((width, height), 18 + rng.randint(0, 8))
    tint = Image.new("RGB", (width, height), (rng.randint(90, 200), rng.randint(90, 200), rng.randint(90, 200)))
    luminance = Image.blend(shapes, grain, 0.35)
    image = Image.blend(tint, Image.merge("RGB", (luminance, luminance, luminance)), 0.6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def inspection(photos: list[bytes]) -> FeedbackReportData:
    formula = scoring_formula_text(ScoringRule())
    titles = ['发热门诊"三区两通道"设置与管理', "预检分诊管理", "病区管理（陪护探视）", "医疗废物管理"]
    return FeedbackReportData(
        doc_number=format_doc_number("上卫院感", 2026, 3),
        institution="上街区人民医院",
        inspection_date=DAY,
        kind_label="督导",
        team=("张三", "李四", "王芳"),
        hospital_representative="王五（感控科科长）",
        status="finalized",
        content_hash_short="3f9a1c7e",
        data_as_of=AS_OF,
        issuer="上街区卫生健康委员会",
        checklists=tuple(
            ChecklistScoreRow(title, 1, 30 + i, 40, (30 + i) * 2.5, "良好", vetoed=i == 0, formula=formula)
            for i, title in enumerate(titles)
        ),
        critical_failures=(CriticalFailureRow("FZ2.3", "缓冲间设置", titles[0], TEXTS[0]),),
        findings=tuple(
            FindingRow(
                f"FZ{i // 10 + 1}.{i % 10 + 1}",
                titles[i % 4],
                TEXTS[i % 5],
                "按规范整改并对相关人员开展培训，完善制度与登记，整改后拍照报送",
                ("一般", "较重", "严重")[i % 3],
                DAY + timedelta(days=14),
                "感控科",
                repeat=i % 6 == 0,
            )
            for i in range(40)
        ),
        photos=tuple(PhotoRow(f"FZ1.{i + 1}", TEXTS[i % 5][:20], data) for i, data in enumerate(photos)),
        item_details=tuple(
            ItemDetailRow(
                f"IT{i // 10 + 1}.{i % 10 + 1}",
                TEXTS[i % 5],
                titles[i * 4 // 150],
                ("符合", "部分符合", "不符合", "不适用")[i % 4],
                (2.0, 1.0, 0.0, None)[i % 4],
                2,
                critical=i % 9 == 0,
            )
            for i in range(150)
        ),
    )


def bulletin(institutions: int = 500) -> BulletinData:
    rng = random.Random(1)
    scores = sorted((round(rng.uniform(50, 100), 1) for _ in range(institutions)), reverse=True)
    return BulletinData(
        month="2026-11",
        title="关于2026年11月医院感染防控督导检查情况的通报",
        issuer="上街区卫生健康委员会",
        doc_number=format_doc_number("上卫通", 2026, 1),
        issue_date=date(2026, 12, 3),
        data_as_of=AS_OF,
        coverage=CoverageData(
            institutions + 20, institutions, tuple(NotDoneRow(f"第{i}卫生院", "停诊装修") for i in range(20))
        ),
        ranking=tuple(
            RankingRow(i + 1, f"第{i + 1}社区卫生服务中心", "一级", s, "良好", i % 37 == 3, 1.5, "上街街道")
            for i, s in enumerate(scores)
        ),
        distribution=tuple(
            ScoreBin(f"{lo}–{lo + 9.9}", sum(lo <= s < lo + 10 for s in scores)) for lo in range(50, 100, 10)
        ),
        failed_items=tuple(FailedItemRow(f"FZ2.{i}", TEXTS[i % 5], "发热门诊", 100 - i * 7, 480) for i in range(10)),
        overdue=tuple(OverdueRow(f"第{i}社区卫生服务中心", 1 + i % 4, 3 + i, ("FZ2.3", "TR1.4")) for i in range(50)),
        trend=tuple(TrendPoint(f"2026-{m:02d}", 78 + m, 80 + m) for m in range(1, 13)),
    )


def baseline(data: FeedbackReportData, *, tuned: bool) -> bytes:
    """Bare ReportLab: the same item lines, findings and photos drawn straight on a canvas, no layout engine.

    ``tuned=False`` is ReportLab as it comes (ImageReader, ASCII85 streams); ``tuned=True`` uses the two choices
    the builders make (JPEG bytes never decoded, binary streams), so the ratio shows the layout's own cost.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0 if tuned else previous
    try:
        return _baseline(data, JpegReader if tuned else lambda jpeg: ImageReader(io.BytesIO(jpeg)))
    finally:
        rl_config.useA85 = previous


def _baseline(data: FeedbackReportData, reader: Callable[[bytes], ImageReader]) -> bytes:
    buffer = io.BytesIO()
    font = register_fonts()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=font)
    height = A4[1]
    y = height - 60

    def line(text: str) -> None:
        nonlocal y
        if y < 60:
            canvas.showPage()
            y = height - 60
        canvas.setFont(font, 9)
        canvas.drawString(50, y, text)
        y -= 13

    for item in data.item_details:
        line(f"{item.item_code} {item.item_text} {item.response} {item.points}")
    for finding in data.findings:
        line(f"{finding.item_code} {finding.problem}")
        line(f"    {finding.requirement} {finding.deadline} {finding.responsible_department}")
    for index, shot in enumerate(data.photos):
        if index % 6 == 0:
            canvas.showPage()
        col, row = index % 2, (index % 6) // 2
        canvas.drawImage(reader(shot.jpeg), 50 + col * 255, 560 - row * 250, 245, 184)
        canvas.setFont(font, 9)
        canvas.drawString(50 + col * 255, 545 - row * 250, f"{shot.item_code} {shot.caption}")
    canvas.save()
    return buffer.getvalue()


def measure(label: str, render: Callable[[], bytes], repeat: int) -> float:
    render()  # warm-up: font registration and imports are not what we measure
    times = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(render())
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"{label:<46} median {median:6.3f} s   min {min(times):6.3f} s   max {max(times):6.3f} s   {size / 1e6:5.1f} MB"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-accel", action="store_true", help="measure without the rl_accel C extension")
    args = parser.parse_args()

    import reportlab.lib.rl_accel as accel

    print(f"rl_accel C functions in use: {'asciiBase85Encode' in accel._c_funcs} (asciiBase85Encode)")
    start = time.perf_counter()
    register_fonts()
    print(f"font registration (once per process): {time.perf_counter() - start:.3f} s")
    photos = [photo(seed) for seed in range(20)]
    print(f"photos: 20 × 2048×1536 JPEG, {sum(map(len, photos)) / 1e6:.1f} MB in total")
    data = inspection(photos)
    report = bulletin(500)

    def render_feedback() -> bytes:
        buffer = io.BytesIO()
        build_feedback_report(data, buffer)
        return buffer.getvalue()

    def render_bulletin() -> bytes:
        buffer = io.BytesIO()
        build_bulletin(report, buffer)
        return buffer.getvalue()

    feedback = measure("feedback: 150 items, 40 findings, 20 photos", render_feedback, args.repeat)
    bare = measure("baseline: bare canvas, ReportLab defaults", lambda: baseline(data, tuned=False), args.repeat)
    tuned = measure("baseline: bare canvas, same stream choices", lambda: baseline(data, tuned=True), args.repeat)
    bull = measure("bulletin: 500 institutions", render_bulletin, args.repeat)
    print(f"feedback / bare canvas: {feedback / bare:.2f} (defaults), {feedback / tuned:.2f} (same stream choices)")
    verdict = {True: "ok", False: "MISSED"}
    print(f"targets: feedback < 1 s: {verdict[feedback < 1]}; bulletin < 5 s: {verdict[bull < 5]}")


if __name__ == "__main__":
    main()
