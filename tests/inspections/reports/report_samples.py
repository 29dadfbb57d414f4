"""Sample report data for the document tests: realistic Chinese content, built by hand (no database)."""

from __future__ import annotations

import io
import random
import re
from datetime import date, datetime, timedelta

from PIL import Image
from pypdf import PdfReader

from inspections.checklists.spec import ScoringRule
from inspections.docnumbers import format_doc_number
from inspections.reports.data import (
    BulletinData,
    ChecklistScoreRow,
    CoverageData,
    CriticalFailureRow,
    FailedItemRow,
    FeedbackReportData,
    FindingRow,
    ItemDetailRow,
    LedgerRow,
    NotDoneRow,
    NoticeData,
    NoticeFindingRow,
    OverdueRow,
    PhotoRow,
    RankingRow,
    ScoreBin,
    SignatureRow,
    TrendPoint,
    scoring_formula_text,
)

AS_OF = datetime(2026, 11, 28, 14, 3)
DAY = date(2026, 11, 28)

PROBLEMS = [
    "缓冲间两侧门无互锁装置，现场可同时开启",
    "预检分诊处未询问流行病学史，登记本缺少近三日记录",
    "医务人员通道与患者通道交叉，污物运送路线经过清洁区",
    "手卫生设施不足，速干手消毒剂过期未更换",
    "医疗废物暂存间未上锁，交接登记不完整",
]
REQUIREMENTS = [
    "加装缓冲间门互锁装置，并对值班人员开展培训",
    "完善预检分诊流程，逐一询问并登记流行病学史",
    "重新规划通道及污物运送路线，设置醒目标识",
    "按规范配置手卫生设施，建立消毒剂效期检查制度",
    "医疗废物暂存间专人管理、上锁，完善交接登记",
]


def jpeg(width: int = 480, height: int = 360, seed: int = 0) -> bytes:
    """A small noisy JPEG (a stand-in for a downscaled photo)."""
    rng = random.Random(seed)
    image = Image.effect_noise((width, height), 40 + rng.randint(0, 30)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_feedback(
    *, status: str = "finalized", findings: int = 5, photos: int = 3, details: int = 0, long_text: bool = False
) -> FeedbackReportData:
    formula = scoring_formula_text(ScoringRule())
    problem_tail = "，且" + "现场发现多处同类问题未按要求整改" * 30 if long_text else ""
    return FeedbackReportData(
        doc_number=format_doc_number("上卫院感", 2026, 3),
        institution="上街区人民医院",
        inspection_date=DAY,
        kind_label="督导",
        team=("张三", "李四"),
        hospital_representative="王五（感控科科长）",
        status=status,  # type: ignore[arg-type]
        content_hash_short="" if status == "draft" else "3f9a1c7e",
        data_as_of=AS_OF,
        issuer="上街区卫生健康委员会",
        overall_percent=84.6,
        overall_grade="不合格（否决）",
        contact_person="赵六",
        contact_phone="0371-68511234",
        checklists=(
            ChecklistScoreRow(
                title='发热门诊"三区两通道"设置与管理',
                version=2,
                earned=36.5,
                maximum=45,
                percent=81.1,
                grade="不合格（否决）",
                vetoed=True,
                veto_items=("FZ2.3 缓冲间设置",),
                formula=formula,
            ),
            ChecklistScoreRow(
                title="预检分诊管理",
                version=1,
                earned=27,
                maximum=30,
                percent=90.0,
                grade="优秀",
                formula=formula,
                not_checked=1,
            ),
        ),
        critical_failures=(CriticalFailureRow("FZ2.3", "缓冲间设置", '发热门诊"三区两通道"设置与管理', PROBLEMS[0]),),
        findings=tuple(
            FindingRow(
                item_code=f"FZ{i // 10 + 1}.{i % 10 + 1}",
                checklist_title='发热门诊"三区两通道"设置与管理',
                problem=PROBLEMS[i % 5] + problem_tail,
                requirement=REQUIREMENTS[i % 5],
                severity=("一般", "较重", "严重")[i % 3],
                deadline=DAY + timedelta(days=14 + i),
                responsible_department=("感控科", "门诊部", "总务科")[i % 3],
                repeat=i % 4 == 0,
            )
            for i in range(findings)
        ),
        photos=tuple(
            PhotoRow(f"FZ1.{i + 1}", PROBLEMS[i % 5], jpeg(480 if i % 2 else 360, 360 if i % 2 else 480, i))
            for i in range(photos)
        ),
        signatures=(SignatureRow("督导组成员", "张三、李四"), SignatureRow("受检机构负责人")),
        item_details=tuple(
            ItemDetailRow(
                item_code=f"TR{i // 10 + 1}.{i % 10 + 1}",
                item_text="建立预检分诊制度，设置醒目标识，对就诊患者测量体温并询问流行病学史",
                checklist_title="预检分诊管理",
                response=("符合", "部分符合", "不符合", "不适用")[i % 4],
                points=(2.0, 1.0, 0.0, None)[i % 4],
                maximum=2,
                critical=i % 7 == 0,
                note="现场抽查 5 名患者" if i % 3 == 0 else "",
            )
            for i in range(details)
        ),
    )


def make_bulletin(institutions: int = 30, *, status: str = "finalized") -> BulletinData:
    rng = random.Random(7)
    scores = sorted((round(rng.uniform(55, 99), 1) for _ in range(institutions)), reverse=True)
    bins = [("90–100", 90, 101), ("80–89.9", 80, 90), ("70–79.9", 70, 80), ("60–69.9", 60, 70), ("<60", 0, 60)]
    return BulletinData(
        month="2026-11",
        title="关于2026年11月医院感染防控督导检查情况的通报",
        issuer="上街区卫生健康委员会",
        doc_number=format_doc_number("上卫通", 2026, 1),
        issue_date=date(2026, 12, 3),
        data_as_of=AS_OF,
        status=status,  # type: ignore[arg-type]
        summary="11月，区卫健委组织院感督导专家对辖区一级以上医疗机构开展了医院感染防控督导检查，现将有关情况通报如下。",
        coverage=CoverageData(
            planned=institutions + 2,
            done=institutions,
            not_done=(
                NotDoneRow("济源路社区卫生服务中心", "装修停诊，12月补查"),
                NotDoneRow("峡窝镇卫生院", "暴雨道路中断"),
            ),
        ),
        ranking=tuple(
            RankingRow(
                rank=i + 1,
                institution=f"第{i + 1}医疗机构（社区卫生服务中心）",
                level=("一级", "二级", "三级")[i % 3],
                score=score,
                grade="不合格（否决）"
                if i % 11 == 5
                else "优秀"
                if score >= 90
                else "良好"
                if score >= 80
                else "合格"
                if score >= 60
                else "不合格",
                vetoed=i % 11 == 5,
                change=round(rng.uniform(-5, 5), 1),
                district=("上街街道", "中心路街道", "峡窝镇")[i % 3],
            )
            for i, score in enumerate(scores)
        ),
        distribution=tuple(ScoreBin(label, sum(lo <= s < hi for s in scores)) for label, lo, hi in bins),
        failed_items=tuple(
            FailedItemRow(f"FZ2.{i + 1}", PROBLEMS[i % 5], '发热门诊"三区两通道"设置与管理', 20 - 3 * i, 40)
            for i in range(5)
        ),
        overdue=(
            OverdueRow("上街区人民医院", 3, 12, ("FZ2.3", "TR1.4", "WD3.1")),
            OverdueRow("济源路社区卫生服务中心", 2, 5, ("TR1.4", "FZ1.2")),
        ),
        trend=tuple(
            TrendPoint(f"{2025 + (m + 11) // 12}-{(m + 11) % 12 + 1:02d}", 80 + m * 0.6 + rng.uniform(-2, 2), 85 + m)
            for m in range(12)
        ),
    )


def make_notice(findings: int = 4, *, status: str = "finalized") -> NoticeData:
    return NoticeData(
        institution="上街区人民医院",
        doc_number=format_doc_number("上卫整改", 2026, 7),
        issuer="上街区卫生健康委员会",
        issue_date=DAY,
        data_as_of=AS_OF,
        contact="区卫健委医政科 赵六 0371-6851xxxx",
        status=status,  # type: ignore[arg-type]
        findings=tuple(
            NoticeFindingRow(
                item_code=f"FZ2.{i + 1}",
                problem=PROBLEMS[i % 5],
                requirement=REQUIREMENTS[i % 5],
                deadline=DAY + timedelta(days=i * 5 - 7),
                severity=("一般", "较重", "严重")[i % 3],
                status=("待整改", "复查未通过")[i % 2],
                inspection_date=date(2026, 11, 12),
                overdue_days=max(0, 7 - i * 5),
            )
            for i in range(findings)
        ),
    )


def make_ledger(rows: int = 20) -> list[LedgerRow]:
    return [
        LedgerRow(
            institution=f"第{i % 37 + 1}医疗机构",
            item_code=f"FZ{i % 4 + 1}.{i % 9 + 1}",
            item_text="缓冲间设置",
            problem=PROBLEMS[i % 5],
            requirement=REQUIREMENTS[i % 5],
            severity=("一般", "较重", "严重")[i % 3],
            deadline=DAY + timedelta(days=(i % 30) - 15),
            status=("待整改", "已反馈", "复查通过", "复查未通过")[i % 4],
            overdue_days=max(0, 15 - i % 30) if i % 4 in (0, 3) else 0,
            feedback="已加装互锁装置并培训值班人员" if i % 4 else "",
            reinspection="2026-11-20 复查通过" if i % 4 == 2 else "",
            found_on=date(2026, 11, 3),
            responsible_department=("感控科", "门诊部", "总务科")[i % 3],
        )
        for i in range(rows)
    ]


# --- reading the PDFs back (pypdf) --------------------------------------------------------------------------------


def page_texts(pdf: bytes) -> list[str]:
    """The extracted text of each page."""
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """Text without line breaks and spaces, so wrapped Chinese reads as one string."""
    return "".join(text.split())


def unembedded_fonts(pdf: bytes) -> list[str]:
    """Fonts any page uses without a font file in the PDF (should be none)."""
    reader = PdfReader(io.BytesIO(pdf))
    missing = []
    for number, page in enumerate(reader.pages, start=1):
        fonts = page["/Resources"].get("/Font", {})
        for name, ref in fonts.items():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if font["/Subtype"] == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else None
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(f"page {number}: {name} {font.get('/BaseFont')}")
    return missing


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]


# What GB/T 15834 practice (避头尾) forbids at the start and at the end of a line.
CANNOT_START = "，。、；：？！）》」』”’〕】…—"
CANNOT_END = "（《「『“‘〔【"
PAGE_NUMBER = re.compile(r"— \d+ —")


def _page_chunks(page: object) -> list[tuple[int, float, float, str]]:
    """(text object, height, x, text) of every piece of text shown on a page."""
    chunks: list[tuple[int, float, float, str]] = []
    state = {"bt": 0}

    def before(operator: bytes, *_: object) -> None:
        if operator == b"BT":
            state["bt"] += 1

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            chunks.append((state["bt"], round(y, 1), x, text))

    page.extract_text(visitor_operand_before=before, visitor_text=visit)  # type: ignore[attr-defined]
    return chunks


def page_lines(pdf: bytes) -> list[list[str]]:
    """The visual lines of each page, as drawn: text shown in one text object (a paragraph, a cell) at one height
    is one line, its pieces (faces, colours) joined left to right."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        lines: dict[tuple[int, float], list[tuple[float, str]]] = {}
        for bt, y, x, text in _page_chunks(page):
            lines.setdefault((bt, y), []).append((x, text))
        # Pieces in drawing order left to right (a stable sort: pieces drawn one after another share a start).
        pages.append(
            ["".join(t for _, t in sorted(parts, key=lambda p: p[0])).replace("\n", "") for parts in lines.values()]
        )
    return pages


def kinsoku_breaks(pdf: bytes) -> list[str]:
    """Lines that begin with closing punctuation or end with opening punctuation (page numbers aside)."""
    bad = []
    for number, lines in enumerate(page_lines(pdf), start=1):
        for line in lines:
            line = line.strip()
            if line in ("", "—") or PAGE_NUMBER.fullmatch(line):  # an empty cell's dash, a page number
                continue
            if line[0] in CANNOT_START or line[-1] in CANNOT_END:
                bad.append(f"page {number}: {line}")
    return bad


def embedded_font_names(pdf: bytes) -> set[str]:
    """The base names of the fonts the pages use (subset prefixes removed)."""
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            names.add(str(font.get("/BaseFont")).lstrip("/").split("+")[-1])
    return names
