"""督导检查反馈单: the findings report an inspection team leaves, signed on the spot."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table

from inspections.reports.data import (
    STATUS_LABELS,
    FeedbackReportData,
    cn_date,
    cn_datetime,
    format_percent,
    format_points,
)
from inspections.reports.flowables import Cell, Short, SignatureBlock, data_table, official_head, photo_grid, section
from inspections.reports.output import Output
from inspections.reports.styles import HEADER_FILL, esc, key_value_table_style, styles
from inspections.reports.templates import MARGIN_SIDE, PORTRAIT, OfficialDocTemplate, PageDecor

BODY_WIDTH = PORTRAIT[0] - 2 * MARGIN_SIDE


def feedback_decor(data: FeedbackReportData) -> PageDecor:
    """Header, footer and watermark of a feedback report."""
    check = f"校验码 {data.content_hash_short}" if data.content_hash_short else "未签署 · 无校验码"
    return PageDecor(
        running_title=f"{data.title} · {data.institution}",
        doc_number=data.doc_number,
        data_as_of=f"数据截至 {cn_datetime(data.data_as_of)}",
        check_code=check,
        draft=data.is_draft,
    )


def feedback_story(data: FeedbackReportData) -> list[Flowable]:
    """The report's flowables, in reading order."""
    st = styles()
    story: list[Flowable] = [*official_head(data.issuer, data.title, data.doc_number, red=False)]
    story.append(_info_table(data))

    story.extend(section("一、否决项不符合情况"))
    if data.critical_failures:
        story.append(
            Paragraph(
                f"本次检查发现 {len(data.critical_failures)} 项否决项（关键项）不符合，"
                "所在检查表判定为不合格（否决），须立即整改：",
                st.body,
            )
        )
        rows: list[list[Cell]] = [
            [Short(str(index)), f"{row.item_code}\n{row.item_text}", row.checklist_title, row.problem]
            for index, row in enumerate(data.critical_failures, start=1)
        ]
        story.append(
            data_table(
                ["序号", "检查项", "所属检查表", "问题描述"],
                rows,
                [10 * mm, 55 * mm, 40 * mm, 65 * mm],
                highlight_rows=range(len(rows)),
                zebra=False,
            )
        )
    else:
        story.append(Paragraph("本次检查未发现否决项（关键项）不符合。", st.body))

    story.extend(section("二、评分结果"))
    story.extend(_score_section(data))

    story.extend(section(f"三、存在问题及整改要求（共 {len(data.findings)} 项）"))
    story.extend(_findings_section(data))

    story.append(CondPageBreak(40 * mm))
    story.append(
        KeepTogether(
            [
                Paragraph("四、签字确认", st.h1),
                Paragraph(
                    "以上检查结果已与受检机构现场沟通。受检机构对检查结果如有异议，请于收到本反馈单之日起"
                    " 3 个工作日内向督导组书面说明。",
                    st.body_indent,
                ),
                Spacer(1, 4 * mm),
                SignatureBlock(data.signatures),
            ]
        )
    )

    appendix = 1
    if data.item_details:
        story.append(PageBreak())
        story.extend(section(f"附件{appendix}：逐项检查结果（共 {len(data.item_details)} 项）"))
        story.append(_details_table(data))
        appendix += 1
    if data.photos:
        story.append(PageBreak())
        story.extend(section(f"附件{appendix}：现场照片（共 {len(data.photos)} 张）"))
        story.append(photo_grid(data.photos, BODY_WIDTH))
    return story


def build_feedback_report(data: FeedbackReportData, out: Output, *, invariant: bool = False) -> None:
    """Write the 督导检查反馈单 as a PDF to a path or a binary stream."""
    doc = OfficialDocTemplate(
        out,
        decor=feedback_decor(data),
        invariant=invariant,
        title=f"{data.title}（{data.institution}）",
        author=data.issuer or "、".join(data.team),
        subject=data.doc_number,
    )
    doc.render(feedback_story(data))


def _info_table(data: FeedbackReportData) -> Table:
    st = styles()

    def label(text: str) -> Paragraph:
        return Paragraph(esc(text), st.label)

    def value(text: str) -> Paragraph:
        return Paragraph(esc(text), st.value)

    rows = [
        [label("受检机构"), value(data.institution), "", ""],
        [label("检查日期"), value(cn_date(data.inspection_date)), label("检查类型"), value(data.kind_label)],
        [label("督导组成员"), value("、".join(data.team)), "", ""],
        [
            label("受检机构陪同人员"),
            value(data.hospital_representative),
            label("文书状态"),
            value(STATUS_LABELS[data.status]),
        ],
    ]
    table = Table(rows, colWidths=[36 * mm, 58 * mm, 24 * mm, 52 * mm])
    style = key_value_table_style([(0, 0), (0, 1), (2, 1), (0, 2), (0, 3), (2, 3)])
    style.add("SPAN", (1, 0), (3, 0))
    style.add("SPAN", (1, 2), (3, 2))
    table.setStyle(style)
    return table


def _score_section(data: FeedbackReportData) -> list[Flowable]:
    st = styles()
    rows: list[list[Cell]] = []
    vetoed_rows: list[int] = []
    for index, row in enumerate(data.checklists):
        if row.vetoed:
            vetoed_rows.append(index)
        rows.append(
            [
                row.title,
                Short(f"第{row.version}版"),
                Short(format_points(row.earned)),
                Short(format_points(row.maximum)),
                Short(format_percent(row.percent)),
                Short(row.grade, red=row.vetoed),
                Short("✕ 否决" if row.vetoed else "—", red=row.vetoed),
            ]
        )
    story: list[Flowable] = [
        data_table(
            ["检查表", "版本", "得分", "满分", "得分率", "等级", "否决"],
            rows,
            [62 * mm, 14 * mm, 17 * mm, 17 * mm, 20 * mm, 22 * mm, 18 * mm],
            highlight_rows=vetoed_rows,
        )
    ]
    notes: list[str] = []
    for row in data.checklists:
        if row.veto_items:
            notes.append(f"{row.title}：否决项不符合 —— {'；'.join(row.veto_items)}。")
        if row.not_checked:
            notes.append(f"{row.title}：{row.not_checked} 项未检查，未计入满分。")
    for note in notes:
        story.append(Paragraph(esc(note), st.note))
    formulas = list(dict.fromkeys(row.formula for row in data.checklists if row.formula))
    if len(formulas) == 1:
        story.append(Paragraph(f"评分方法：{esc(formulas[0])}", st.note))
    else:
        story.extend(
            Paragraph(f"评分方法（{esc(row.title)}）：{esc(row.formula)}", st.note)
            for row in data.checklists
            if row.formula
        )
    return story


def _findings_section(data: FeedbackReportData) -> list[Flowable]:
    st = styles()
    if not data.findings:
        return [Paragraph("本次检查未发现需要整改的问题。", st.body)]
    rows: list[list[Cell]] = []
    for index, finding in enumerate(data.findings, start=1):
        code = esc(finding.item_code or "—")
        if finding.repeat:
            code += '<br/><font color="#C00000" size="8">重复问题</font>'
        rows.append(
            [
                Short(str(index)),
                Paragraph(code, st.cell),
                finding.problem,
                finding.requirement,
                Short(finding.severity, red=finding.severity == "严重"),
                Short(cn_date(finding.deadline) if finding.deadline else "—"),
                finding.responsible_department or "—",
            ]
        )
    story: list[Flowable] = [
        data_table(
            ["序号", "检查项", "问题描述", "整改要求", "严重程度", "整改期限", "责任科室"],
            rows,
            [10 * mm, 18 * mm, 40 * mm, 40 * mm, 17 * mm, 28 * mm, 17 * mm],
        )
    ]
    story.append(
        Paragraph(
            "请受检机构于整改期限届满前完成整改，并将整改措施、责任科室及整改后照片报督导组复查；"
            "标注“重复问题”的为上次检查已发现、本次仍未整改到位的问题。",
            st.note,
        )
    )
    return story


def _details_table(data: FeedbackReportData) -> Table:
    st = styles()
    rows: list[list[Cell]] = []
    failed: list[int] = []
    title_rows: list[int] = []
    current = None
    for item in data.item_details:
        if item.checklist_title != current:
            current = item.checklist_title
            title_rows.append(len(rows))
            rows.append([Paragraph(esc(current), st.cell), "", "", "", ""])
        text = esc(item.item_text)
        if item.critical:
            text = '<font color="#C00000">★</font> ' + text
        if item.note:
            text += f'<br/><font color="#666666" size="8">{esc(item.note)}</font>'
        if item.response == "不符合":
            failed.append(len(rows))
        rows.append(
            [
                Paragraph(esc(item.item_code), st.cell),
                Paragraph(text, st.cell),
                Short(item.response),
                Short(format_points(item.points)),
                Short(format_points(item.maximum)),
            ]
        )
    table = data_table(
        ["检查项", "检查内容（★ 否决项）", "检查结果", "得分", "分值"],
        rows,
        [20 * mm, 96 * mm, 22 * mm, 16 * mm, 16 * mm],
        highlight_rows=failed,
        zebra=False,
    )
    table.setStyle([("SPAN", (0, r + 1), (-1, r + 1)) for r in title_rows])
    table.setStyle([("BACKGROUND", (0, r + 1), (-1, r + 1), HEADER_FILL) for r in title_rows])
    return table
