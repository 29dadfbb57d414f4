"""整改通知书 (a 公文 to one institution, laid out per GB/T 9704, its open findings attached) and the 整改台账 PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from inspections.reports.data import (
    LedgerData,
    LedgerRow,
    NoticeData,
    SignatureRow,
    cn_date,
    cn_datetime,
)
from inspections.reports.flowables import (
    Cell,
    ClosingBlock,
    EndWithText,
    Imprint,
    Short,
    SignatureBlock,
    data_table,
    form_head,
    red_head,
)
from inspections.reports.output import Output
from inspections.reports.styles import BODY_LEADING, CELL_PADDING, HEADER_FILL, Para, esc, styles
from inspections.reports.templates import (
    BODY_WIDTH,
    LANDSCAPE,
    LANDSCAPE_BOTTOM,
    LANDSCAPE_MARGIN,
    OfficialDocTemplate,
    PageDecor,
)

NOTICE_TITLE = "医院感染防控督导整改通知书"
SELF_NOTICE_TITLE = "医院感染防控问题整改通知书"


def notice_title(data: NoticeData) -> str:
    """The commission's inspections call it a 督导整改通知书; findings of a 自查 alone do not."""
    return SELF_NOTICE_TITLE if _self_only(data) else NOTICE_TITLE


def _self_only(data: NoticeData) -> bool:
    return bool(data.inspection_kinds) and set(data.inspection_kinds) <= {"自查"}


def notice_story(data: NoticeData) -> list[Flowable]:
    """The notice's flowables: 版头, title, 主送, text, 附件说明 and 落款 (kept on one page with the text's end), the
    list of findings as 附件 on pages of its own, the 签收回执, and the 版记."""
    st = styles()
    story: list[Flowable] = [*red_head(data.issuer, data.doc_number, BODY_WIDTH)]
    story.append(Para(esc(notice_title(data)), st.title))
    story.append(Spacer(1, BODY_LEADING - 4))
    story.append(Para(f"{esc(data.institution)}：", st.salutation))
    paragraphs = _notice_paragraphs(data)
    attachment = f"{data.institution}待整改问题清单"
    tail: list[Flowable] = []
    if data.findings:
        tail += [Spacer(1, BODY_LEADING), Para(f"附件：{esc(attachment)}", st.body_indent)]
    tail.append(ClosingBlock(data.issuer, cn_date(data.issue_date)))
    story.append(EndWithText([Para(esc(text), st.body_indent) for text in paragraphs], tail))

    if data.findings:
        story.append(PageBreak())
        story.append(Para("附件", st.attachment_label))
        story.append(Para(esc(attachment), st.attachment_title))
        story.append(_findings_table(data))
    story.append(Spacer(1, 8 * mm))
    story.append(
        KeepTogether(
            [
                Para("签收回执", st.h2.clone("receipt", firstLineIndent=0)),
                Para(
                    esc(f"{data.institution}已收到{data.doc_number or '本'}整改通知书，将按期完成整改并报送整改报告。"),
                    st.note,
                ),
                SignatureBlock([SignatureRow(f"{data.institution}签收人")]),
            ]
        )
    )
    story.append(Imprint(data.copy_to, f"{data.issuer}办公室", cn_date(data.issue_date)))
    return story


def _findings_table(data: NoticeData) -> Flowable:
    st = styles()
    rows: list[list[Cell]] = []
    overdue_rows: list[int] = []
    for index, finding in enumerate(data.findings):
        status = esc(finding.status)
        if finding.overdue_days > 0:
            overdue_rows.append(index)
            status += f'<br/><font color="#E60012">逾期 {finding.overdue_days} 天</font>'
        rows.append(
            [
                Short(str(index + 1)),
                finding.item_code or "—",
                finding.problem,
                finding.requirement,
                Short(finding.severity, red=finding.severity == "严重"),
                Short(finding.deadline.isoformat() if finding.deadline else "—"),
                Para(status, st.cell_center),
            ]
        )
    return data_table(
        ["序号", "检查项", "存在问题", "整改要求", "严重程度", "整改期限", "状态"],
        rows,
        [10 * mm, 16 * mm, 38 * mm, 37 * mm, 18 * mm, 21 * mm, 16 * mm],
        highlight_rows=overdue_rows,
    )


def build_notice(data: NoticeData, out: Output, *, invariant: bool = False) -> None:
    """Write the 整改通知书 as a PDF to a path or a binary stream."""
    doc = OfficialDocTemplate(
        out,
        decor=PageDecor(draft=data.is_draft),
        invariant=invariant,
        title=f"{notice_title(data)}（{data.institution}）",
        author=data.issuer,
        subject=data.doc_number,
    )
    doc.render(notice_story(data))


def _notice_paragraphs(data: NoticeData) -> list[str]:
    """The text: what was inspected and what is still owed; what to do, by when, and whom to report to."""
    dates = sorted({f.inspection_date for f in data.findings if f.inspection_date})
    when = "、".join(cn_date(d) for d in dates) if dates else "近期"
    kinds = set(data.inspection_kinds)
    if _self_only(data):
        opening = f"{when}，你单位开展了医院感染防控自查。"
    elif "自查" in kinds:
        opening = f"{when}，我委组织督导专家对你单位开展了医院感染防控督导检查，你单位也开展了自查。"
    else:
        opening = f"{when}，我委组织督导专家对你单位开展了医院感染防控督导检查。"
    as_of = cn_date(data.data_as_of.date())
    if not data.findings:
        return [opening + f"截至{as_of}，你单位检查发现的问题均已整改完毕。"]
    overdue = sum(1 for f in data.findings if f.overdue_days > 0)
    severe = sum(1 for f in data.findings if f.severity == "严重")
    opening += f"截至{as_of}，你单位尚有 {len(data.findings)} 项问题未完成整改"
    extras = [f"其中 {overdue} 项已逾期"] if overdue else []
    extras += [f"{severe} 项为严重问题"] if severe else []
    opening += f"（{'，'.join(extras)}）。" if extras else "。"
    opening += "问题及整改要求见附件。"
    deadlines = [f.deadline for f in data.findings if f.deadline]
    reply_by = data.reply_by or (max(deadlines) if deadlines else None)
    request = "请你单位高度重视，落实整改责任，按附件所列期限逐项完成整改"
    # A default reply date already past (every finding overdue) would read as a mistake: ask for it at once.
    if reply_by and (data.reply_by or reply_by >= data.issue_date):
        request += f"，并于{cn_date(reply_by)}前"
    else:
        request += "，并立即"
    request += "将整改报告（含整改措施、责任科室及整改前后照片）报送我委"
    request += f"（联系人及电话：{data.contact}）。" if data.contact else "。"
    request += "逾期未整改的，将在月度督导通报中予以通报。"
    return [opening, request]


# --- 整改台账 ---------------------------------------------------------------------------------------------------

LEDGER_HEADER = [
    "序号",
    "医疗机构",
    "检查项",
    "存在问题",
    "整改要求",
    "严重程度",
    "整改期限",
    "状态",
    "责任科室",
    "整改反馈及复查",
]
LEDGER_WIDTHS = [9 * mm, 26 * mm, 30 * mm, 44 * mm, 44 * mm, 16 * mm, 19 * mm, 17 * mm, 19 * mm, 43 * mm]


def ledger_story(data: LedgerData, *, room: tuple[float, float] | None = None) -> list[Flowable]:
    """The ledger's flowables: title, scope line and the table grouped by institution with subtotals, cut into
    one table a page. ``room``: the frame's width and height (the landscape page's by default)."""
    st = styles()
    story: list[Flowable] = [*form_head(data.title, "", data.issuer)]
    overdue = sum(1 for row in data.rows if row.overdue_days > 0)
    institutions = len({row.institution for row in data.rows})
    scope = f"{data.scope} · " if data.scope else ""
    which = "尚未完成整改的问题" if data.open_only else "问题"
    story.append(
        Para(
            esc(
                f"{scope}{institutions} 家医疗机构{which}共 {len(data.rows)} 项，其中逾期 {overdue} 项；"
                f"数据截至{cn_datetime(data.data_as_of)}。检查项的完整内容见各机构的督导检查反馈单。"
            ),
            st.note,
        )
    )
    story.append(Spacer(1, 2 * mm))
    if not data.rows:
        story.append(Para("没有符合条件的整改项。", st.form_plain))
        return story
    width, height = room or (LANDSCAPE[0] - 2 * LANDSCAPE_MARGIN, LANDSCAPE[1] - LANDSCAPE_MARGIN - LANDSCAPE_BOTTOM)
    used = sum(f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story)
    story.extend(_ledger_pages(_ledger_rows(data.rows), height - used - 2, height - 2))
    return story


@dataclass
class _LedgerLine:
    cells: list[Cell]
    overdue: bool = False
    subtotal: bool = False
    institution: str = ""


def _ledger_rows(rows: Sequence[LedgerRow]) -> list[_LedgerLine]:
    """Each institution's rows, then its subtotal; text cells as paragraphs, made once and measured once."""
    st = styles()
    lines: list[_LedgerLine] = []
    number = 0
    for institution, group in groupby(sorted(rows, key=lambda r: r.institution), key=lambda r: r.institution):
        items = list(group)
        for row in items:
            number += 1
            late = row.overdue_days > 0
            status = f"{row.status}\n逾期 {row.overdue_days} 天" if late else row.status
            progress = [part for part in (row.feedback, row.reinspection) if part]
            texts = [
                row.institution,
                row.item_label,
                row.problem,
                row.requirement,
            ]
            cells: list[Cell] = [Short(str(number)), *(Para(esc(t), st.small) for t in texts)]
            cells += [
                Short(row.severity, red=row.severity == "严重"),
                Short(row.deadline.isoformat() if row.deadline else "—"),
                Short(status, red=late),  # plain text: a paragraph per cell was a fifth of a long ledger's time
                Short(row.responsible_department or "—"),
                Para(esc("\n".join(progress)), st.small) if progress else Short("—"),
            ]
            lines.append(_LedgerLine(cells, overdue=row.overdue_days > 0, institution=row.institution))
        overdue_count = sum(1 for row in items if row.overdue_days > 0)
        severe = sum(1 for row in items if row.severity == "严重")
        summary = f"小计：{institution} 共 {len(items)} 项，逾期 {overdue_count} 项，严重问题 {severe} 项"
        lines.append(_LedgerLine([Para(esc(summary), st.small_group), *[""] * 9], subtotal=True))
    return lines


def _ledger_table(lines: Sequence[_LedgerLine]) -> Table:
    table = data_table(
        LEDGER_HEADER,
        [line.cells for line in lines],
        LEDGER_WIDTHS,
        highlight_rows=[i for i, line in enumerate(lines) if line.overdue],
        zebra=False,
        compact=True,
    )
    style = TableStyle([])
    for index, line in enumerate(lines):
        if line.subtotal:
            style.add("SPAN", (0, index + 1), (-1, index + 1))
            style.add("BACKGROUND", (0, index + 1), (-1, index + 1), HEADER_FILL)
    table.setStyle(style)
    return table


def _ledger_pages(lines: Sequence[_LedgerLine], first_room: float, page_room: float) -> list[Flowable]:
    """The rows cut into one table a page, each with the header at its top (and nowhere else): measured once,
    instead of ReportLab splitting one long table again at every page (quadratic in the rows). A row taller than
    a page gets a table of its own, which splits inside the row."""
    probe = _ledger_table(lines)
    probe.wrap(sum(LEDGER_WIDTHS), 1e9)
    heights = list(probe._rowHeights)
    header = heights[0]
    limit = page_room - header - 2
    if any(height > limit for height in heights[1:]):
        lines = [part for line, h in zip(lines, heights[1:], strict=True) for part in _split_tall(line, h, limit)]
        probe = _ledger_table(lines)
        probe.wrap(sum(LEDGER_WIDTHS), 1e9)
        heights = list(probe._rowHeights)
    chunks: list[tuple[int, int]] = []
    start, room, used = 0, first_room, header
    for index, height in enumerate(heights[1:]):
        if used + height > room and index > start:
            chunks.append((start, index))
            start, room, used = index, page_room, header
        used += height
    chunks.append((start, len(lines)))
    story: list[Flowable] = []
    for number, (a, b) in enumerate(chunks):
        if number:
            story.append(PageBreak())
        story.append(_ledger_table(lines[a:b]))
    return story


def _split_tall(line: _LedgerLine, height: float, limit: float) -> list[_LedgerLine]:
    """A row taller than a page as several rows that fit, each continuation carrying the row's 序号 and 机构 (the
    text cells continue, the short values are not repeated)."""
    if height <= limit:
        return [line]
    st = styles()
    room = limit - 8  # the cell's top and bottom padding
    widths = [w - 2 * CELL_PADDING for w in LEDGER_WIDTHS]
    parts: list[_LedgerLine] = []
    current = list(line.cells)
    while True:
        now: list[Cell] = []
        rest: list[Cell] = []
        for index, cell in enumerate(current):
            if isinstance(cell, Para) and cell.wrap(widths[index], room)[1] > room:
                pieces = cell.split(widths[index], room)
                if len(pieces) == 2:
                    now.append(pieces[0])
                    rest.append(pieces[1])
                    continue
            now.append(cell)
            rest.append("")
        parts.append(_LedgerLine(now, overdue=line.overdue, institution=line.institution))
        if not any(isinstance(cell, Para) for cell in rest):
            return parts
        rest[0] = line.cells[0]
        rest[1] = Para(esc(f"{line.institution}（续）"), st.small)
        current = rest


def build_ledger_pdf(data: LedgerData, out: Output, *, invariant: bool = False) -> None:
    """Write the 整改台账 as a landscape A4 PDF to a path or a binary stream."""
    doc = OfficialDocTemplate(
        out,
        decor=PageDecor(footnote=f"{data.title} · 数据截至 {cn_datetime(data.data_as_of)}"),
        pagesize=LANDSCAPE,
        invariant=invariant,
        title=data.title,
        author=data.issuer,
    )
    doc.render(ledger_story(data))
