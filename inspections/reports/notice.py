"""整改通知书 (one institution's open findings, with deadlines) and the 整改台账 ledger as PDF."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from inspections.reports.data import (
    LedgerData,
    NoticeData,
    SignatureRow,
    cn_date,
    cn_datetime,
)
from inspections.reports.flowables import Cell, Short, SignatureBlock, data_table, official_head
from inspections.reports.output import Output
from inspections.reports.styles import esc, styles
from inspections.reports.templates import LANDSCAPE, OfficialDocTemplate, PageDecor


def notice_story(data: NoticeData) -> list[Flowable]:
    """The notice's flowables, in reading order."""
    st = styles()
    story: list[Flowable] = [*official_head(data.issuer, "医院感染防控督导整改通知书", data.doc_number, red=True)]
    story.append(Paragraph(f"{esc(data.institution)}：", st.salutation))
    story.append(Paragraph(esc(_notice_text(data)), st.body_indent))

    rows: list[list[Cell]] = []
    overdue_rows: list[int] = []
    for index, finding in enumerate(data.findings):
        status = esc(finding.status)
        if finding.overdue_days > 0:
            overdue_rows.append(index)
            status += f'<br/><font color="#C00000">逾期 {finding.overdue_days} 天</font>'
        rows.append(
            [
                Short(str(index + 1)),
                finding.item_code or "—",
                finding.problem,
                finding.requirement,
                Short(finding.severity, red=finding.severity == "严重"),
                Short(cn_date(finding.deadline) if finding.deadline else "—"),
                Paragraph(status, st.cell_center),
            ]
        )
    if rows:
        story.append(
            data_table(
                ["序号", "检查项", "存在问题", "整改要求", "严重程度", "整改期限", "状态"],
                rows,
                [10 * mm, 16 * mm, 41 * mm, 39 * mm, 17 * mm, 27 * mm, 20 * mm],
                highlight_rows=overdue_rows,
            )
        )
    if data.contact:
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(f"联系人及电话：{esc(data.contact)}", st.body))
    story.append(Spacer(1, 8 * mm))
    story.append(
        KeepTogether(
            [
                Paragraph(esc(data.issuer), st.closing),
                Paragraph(cn_date(data.issue_date), st.closing),
                Spacer(1, 10 * mm),
                Paragraph("签收回执", st.h2),
                SignatureBlock([SignatureRow(f"{data.institution}签收人")]),
            ]
        )
    )
    return story


def build_notice(data: NoticeData, out: Output, *, invariant: bool = False) -> None:
    """Write the 整改通知书 as a PDF to a path or a binary stream."""
    decor = PageDecor(
        running_title=f"整改通知书 · {data.institution}",
        doc_number=data.doc_number,
        data_as_of=f"数据截至 {cn_datetime(data.data_as_of)}",
        draft=data.is_draft,
    )
    doc = OfficialDocTemplate(
        out,
        decor=decor,
        invariant=invariant,
        title=f"整改通知书（{data.institution}）",
        author=data.issuer,
        subject=data.doc_number,
    )
    doc.render(notice_story(data))


def ledger_story(data: LedgerData) -> list[Flowable]:
    """The ledger's flowables: title, scope line and one long table."""
    st = styles()
    story: list[Flowable] = [*official_head(data.issuer, data.title, "", red=False)]
    overdue = sum(1 for row in data.rows if row.overdue_days > 0)
    scope = f"{data.scope} · " if data.scope else ""
    story.append(
        Paragraph(
            esc(f"{scope}共 {len(data.rows)} 项，其中逾期 {overdue} 项 · 数据截至 {cn_datetime(data.data_as_of)}"),
            st.note,
        )
    )
    rows: list[list[Cell]] = []
    overdue_rows: list[int] = []
    for index, row in enumerate(data.rows):
        status = esc(row.status)
        if row.overdue_days > 0:
            overdue_rows.append(index)
            status += f'<br/><font color="#C00000">逾期 {row.overdue_days} 天</font>'
        feedback = esc(row.feedback) if row.feedback else "—"
        if row.responsible_department:
            feedback = f'<font color="#666666">责任科室 {esc(row.responsible_department)}</font><br/>{feedback}'
        item = esc(row.item_code or "—")
        if row.item_text:
            item += f"<br/>{esc(row.item_text)}"
        rows.append(
            [
                Short(str(index + 1)),
                row.institution,
                Paragraph(item, st.cell),
                row.problem,
                row.requirement,
                Short(row.severity, red=row.severity == "严重"),
                Short(cn_date(row.deadline) if row.deadline else "—"),
                Paragraph(status, st.cell_center),
                Paragraph(feedback, st.cell),
                row.reinspection or "—",
            ]
        )
    story.append(Spacer(1, 2 * mm))
    story.append(
        data_table(
            [
                "序号",
                "医疗机构",
                "检查项",
                "存在问题",
                "整改要求",
                "严重程度",
                "整改期限",
                "状态",
                "整改反馈",
                "复查情况",
            ],
            rows,
            [10 * mm, 31 * mm, 20 * mm, 40 * mm, 39 * mm, 16 * mm, 28 * mm, 20 * mm, 32 * mm, 21 * mm],
            highlight_rows=overdue_rows,
        )
    )
    return story


def build_ledger_pdf(data: LedgerData, out: Output, *, invariant: bool = False) -> None:
    """Write the 整改台账 as a landscape A4 PDF to a path or a binary stream."""
    decor = PageDecor(
        running_title=data.title,
        data_as_of=f"数据截至 {cn_datetime(data.data_as_of)}",
        header_on_first_page=False,
    )
    doc = OfficialDocTemplate(
        out, decor=decor, pagesize=LANDSCAPE, invariant=invariant, title=data.title, author=data.issuer
    )
    doc.render(ledger_story(data))


def _notice_text(data: NoticeData) -> str:
    dates = sorted({f.inspection_date for f in data.findings if f.inspection_date})
    when = "、".join(cn_date(d) for d in dates) if dates else "近期"
    overdue = sum(1 for f in data.findings if f.overdue_days > 0)
    deadlines = [f.deadline for f in data.findings if f.deadline]
    reply_by = data.reply_by or (max(deadlines) if deadlines else None)
    text = f"{when}，我委组织督导专家对你单位开展了医院感染防控督导检查。"
    if not data.findings:
        return text + f"截至{cn_date(data.data_as_of.date())}，你单位检查发现的问题均已整改完毕。"
    text += f"截至{cn_date(data.data_as_of.date())}，你单位尚有以下 {len(data.findings)} 项问题未完成整改"
    text += f"（其中 {overdue} 项已逾期）。" if overdue else "。"
    text += "请你单位高度重视，落实整改责任，按下表所列期限完成整改"
    # A default reply date already past (every finding overdue) would read as a mistake: ask for it at once.
    if reply_by and (data.reply_by or reply_by >= data.issue_date):
        text += f"，并于{cn_date(reply_by)}前"
    else:
        text += "，并立即"
    text += "将整改报告（含整改措施、责任科室及整改前后照片）报送我委。逾期未整改的，将在月度督导通报中予以通报。"
    return text
