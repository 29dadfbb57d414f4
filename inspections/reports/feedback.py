"""督导检查反馈单: the form an inspection team leaves, signed on the spot and attached to the commission's letter.

Page 1 states the result (综合得分率 and 等级); then the vetoes, each checklist's and section's score with one note on
the scoring, the findings with their 整改要求 and deadlines, whom to report back to and by when, and the signatures
with the issuer, date and room for the seal, kept on one page with the end of the text.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer, Table, TableStyle

from inspections.reports.data import (
    STATUS_LABELS,
    FeedbackReportData,
    cn_date,
    cn_datetime,
    format_percent,
    format_points,
)
from inspections.reports.flowables import (
    Cell,
    ClosingBlock,
    EndWithText,
    Short,
    SignatureBlock,
    data_table,
    form_head,
    photo_grid,
    section,
)
from inspections.reports.output import Output
from inspections.reports.styles import HEADER_FILL, RED, RULE, VETO_FILL, Para, esc, key_value_table_style, styles
from inspections.reports.templates import BODY_WIDTH, OfficialDocTemplate, PageDecor


def feedback_decor(data: FeedbackReportData) -> PageDecor:
    """Page numbers, the check code and the watermark of a feedback report."""
    check = f"校验码 {data.content_hash_short}" if data.content_hash_short else "未签署 · 无校验码"
    return PageDecor(footnote=f"{check} · 数据截至 {cn_datetime(data.data_as_of)}", draft=data.is_draft)


def reply_by(data: FeedbackReportData) -> date | None:
    """When the 整改报告 is due: the date set, else the latest deadline of the findings."""
    deadlines = [f.deadline for f in data.findings if f.deadline]
    return data.reply_by or (max(deadlines) if deadlines else None)


def feedback_story(data: FeedbackReportData) -> list[Flowable]:
    """The report's flowables, in reading order."""
    st = styles()
    story: list[Flowable] = [*form_head(data.title, data.doc_number, data.issuer)]
    story.append(_info_table(data))
    story.append(Spacer(1, 3 * mm))
    story.append(_result_box(data))
    if data.scope:  # the scope, stated honestly: what was not inspected this time, and why
        lines = "；".join(data.scope)
        story.append(Spacer(1, 2 * mm))
        story.append(Para(esc(f"检查范围说明：{lines}。以上部分不计分，不列入存在问题。"), st.form_body))
    if data.team_parts:
        story.extend(_team_section(data))

    story.extend(section("一、否决项不符合情况", form=True))
    if data.critical_failures:
        story.append(
            Para(
                f"本次检查发现 {len(data.critical_failures)} 项否决项（关键项）不符合，"
                "所在检查表判定为不合格（否决），须立即整改：",
                st.form_body,
            )
        )
        rows: list[list[Cell]] = [
            [Short(str(index)), f"{row.item_code} {row.item_text}", row.checklist_title, row.problem]
            for index, row in enumerate(data.critical_failures, start=1)
        ]
        story.append(
            data_table(
                ["序号", "检查项", "所属检查表", "问题描述"],
                rows,
                [10 * mm, 52 * mm, 38 * mm, 56 * mm],
                highlight_rows=range(len(rows)),
            )
        )
    else:
        story.append(Para("本次检查未发现否决项（关键项）不符合。", st.form_body))

    story.extend(section("二、评分结果", form=True))
    story.extend(_score_section(data))

    story.extend(section(f"三、存在问题及整改要求（共 {len(data.findings)} 项）", form=True))
    story.extend(_findings_section(data))

    text: list[Flowable] = [
        CondPageBreak(30 * mm),
        Para("四、整改报告及签字确认", st.form_h1),
        Para(esc(_reply_text(data)), st.form_body),
        Para(
            "以上检查结果已与受检机构现场沟通。受检机构对检查结果如有异议，请于收到本反馈单之日起"
            " 3 个工作日内向督导组书面说明。",
            st.form_body,
        ),
    ]
    tail: list[Flowable] = [Spacer(1, 3 * mm), SignatureBlock(data.signatures)]
    if data.issuer:
        tail.append(ClosingBlock(data.issuer, cn_date(data.inspection_date)))
    story.append(text[0])
    story.append(EndWithText(text[1:], tail))

    appendix = 1
    if data.item_details:
        story.append(PageBreak())
        story.append(Para(f"附件{appendix}", st.attachment_label))
        story.append(Para(f"逐项检查结果（共 {len(data.item_details)} 项）", st.attachment_title))
        story.append(_details_table(data))
        appendix += 1
    if data.photos:
        story.append(PageBreak())
        story.append(Para(f"附件{appendix}", st.attachment_label))
        story.append(Para(f"现场照片（共 {len(data.photos)} 张）", st.attachment_title))
        story.append(photo_grid(data.photos, BODY_WIDTH))
    return story


def _team_section(data: FeedbackReportData) -> list[Flowable]:
    """检查分工: who inspected what, and whether each member signed their part (the lead signs the whole)."""
    st = styles()
    rows: list[list[Cell]] = [
        [
            Short(str(index)),
            row.member,
            row.parts,
            Para("<br/>".join(esc(line) for line in row.signed_lines), st.small),
        ]
        for index, row in enumerate(data.team_parts, start=1)
    ]
    return [
        Spacer(1, 2 * mm),
        Para(
            f'<font name="{st.faces.heiti}">检查分工</font>：本次检查由督导组成员分工进行，各成员对所查部分签名确认，'
            "组长对全部检查结果签署。",
            st.form_body,
        ),
        data_table(["序号", "成员", "分工", "分工签名"], rows, [12 * mm, 28 * mm, 72 * mm, 44 * mm], compact=True),
    ]


def _reply_text(data: FeedbackReportData) -> str:
    due = reply_by(data)
    to = data.issuer or "督导组"
    contact = "，".join(
        part for part in (f"联系人：{data.contact_person}" if data.contact_person else "",
                          f"电话：{data.contact_phone}" if data.contact_phone else "") if part
    )  # fmt: skip
    contact = f"（{contact}）" if contact else ""
    if not data.findings:
        return f"本次检查未发现需要整改的问题。如有疑问，请与{to}联系{contact}。"
    when = f"请于{cn_date(due)}前" if due else "请尽快"
    return (
        f"{when}将整改报告（含整改措施、责任科室及整改前后照片）报送{to}{contact}。"
        "标注“重复问题”的为上次检查已发现、本次仍未整改到位的问题，请重点整改。"
    )


def _result_box(data: FeedbackReportData) -> Table:
    """The overall result, first thing on page 1: 综合得分率 and 等级 (red when vetoed or failed)."""
    st = styles()
    vetoed = any(row.vetoed for row in data.checklists) or "否决" in data.overall_grade
    failed = vetoed or (not data.is_draft and data.overall_grade.startswith("不合格"))
    grade = data.overall_grade or "—"
    colour = ' color="#E60012"' if failed else ""
    findings = len(data.findings)
    severe = sum(1 for f in data.findings if f.severity == "严重")
    checked = sum(1 for row in data.checklists if not row.out_of_scope)
    left_out = Counter(row.out_of_scope for row in data.checklists if row.out_of_scope)
    others = "、".join(f"{n} 张{label}" for label, n in left_out.items())
    summary = (
        f"共检查 {checked} 张检查表"
        + (f"（另有 {others}）" if others else "")
        + f"；发现问题 {findings} 项"
        + (f"（其中严重 {severe} 项）" if severe else "")
        + (f"；否决项不符合 {len(data.critical_failures)} 项" if data.critical_failures else "；无否决项不符合")
        + "。"
    )
    rate_label = "综合得分率"
    if data.is_draft:  # as the editor says: a draft's rate is only 暂计; the grade is given when it is signed
        rate_label = "综合得分率（暂计）"
        grade = "签署后评定" + ("（有否决项不符合）" if vetoed else "")
    grade_size = 12 if data.is_draft else 18
    cells = [
        [
            Para("检查结果", st.label),
            Para(f"{rate_label}　<font size=\"18\">{esc(format_percent(data.overall_percent))}</font>", st.result),
            Para(f"等级　<font size=\"{grade_size}\"{colour}>{esc(grade)}</font>", st.result),
        ],
        ["", Para(esc(summary), st.value), ""],
    ]
    table = Table(cells, colWidths=[30 * mm, 66 * mm, 60 * mm])
    style = key_value_table_style([(0, 0)])
    style.add("SPAN", (0, 0), (0, 1))
    style.add("SPAN", (1, 1), (2, 1))
    style.add("BOX", (0, 0), (-1, -1), 1.5, RED if failed else RULE)
    if failed:
        style.add("BACKGROUND", (1, 0), (2, 0), VETO_FILL)
    table.setStyle(style)
    return table


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

    def label(text: str) -> Para:
        return Para(esc(text), st.label)

    def value(text: str) -> Para:
        return Para(esc(text), st.value)

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
    table = Table(rows, colWidths=[34 * mm, 56 * mm, 24 * mm, 42 * mm])
    style = key_value_table_style([(0, 0), (0, 1), (2, 1), (0, 2), (0, 3), (2, 3)])
    style.add("SPAN", (1, 0), (3, 0))
    style.add("SPAN", (1, 2), (3, 2))
    table.setStyle(style)
    return table


def _score_section(data: FeedbackReportData) -> list[Flowable]:
    """Each checklist's result and, under it, its sections' subtotals; then the notes and the scoring rule once."""
    st = styles()
    rows: list[list[Cell]] = []
    vetoed_rows: list[int] = []
    checklist_rows: list[int] = []
    for row in data.checklists:
        if row.vetoed:
            vetoed_rows.append(len(rows))
        checklist_rows.append(len(rows))
        if row.out_of_scope:
            rows.append(
                [
                    Para(f"{esc(row.title)}（第{row.version}版）", st.cell_group),
                    Short("—"),
                    Short("—"),
                    Short("—"),
                    Short(row.out_of_scope),
                ]
            )
            continue
        rows.append(
            [
                Para(f"{esc(row.title)}（第{row.version}版）", st.cell_group),
                Short(format_points(row.earned)),
                Short(format_points(row.maximum)),
                Short(format_percent(row.percent)),
                Short(row.grade, red=row.vetoed or row.grade.startswith("不合格")),
            ]
        )
        rows.extend(
            [
                Para(f"　{esc(sec.title)}", st.cell),
                Short("—" if sec.out_of_scope else format_points(sec.earned)),
                Short("—" if sec.out_of_scope else format_points(sec.maximum)),
                Short(format_percent(sec.percent)),
                Short(sec.out_of_scope),
            ]
            for sec in row.sections
        )
    table = data_table(
        ["检查表 / 检查部分", "得分", "满分", "得分率", "等级"],
        rows,
        [77 * mm, 16 * mm, 16 * mm, 18 * mm, 29 * mm],
        highlight_rows=vetoed_rows,
    )
    table.setStyle(TableStyle([("BACKGROUND", (0, r + 1), (-1, r + 1), HEADER_FILL) for r in checklist_rows
                               if r not in vetoed_rows]))  # fmt: skip
    story: list[Flowable] = [table]
    for row in data.checklists:
        if row.veto_items:
            story.append(Para(esc(f"{row.title}：否决项不符合 —— {'；'.join(row.veto_items)}。"), st.note))
        for text in row.consequences:
            story.append(Para(esc(f"{row.title}：关键项不符合，评定为{text}。"), st.note))
        if row.not_checked:
            story.append(Para(esc(f"{row.title}：{row.not_checked} 项未检查，未计入满分。"), st.note))
    story.append(Para(f"评分方法：{esc(scoring_note(data))}", st.note))
    return story


def scoring_note(data: FeedbackReportData) -> str:
    """The scoring rule in words, once for the whole report: the checklists' own text when they share one, else
    the common rule with the overall rate explained."""
    formulas = list(dict.fromkeys(row.formula for row in data.checklists if row.formula and not row.out_of_scope))
    overall = "综合得分率 = 各检查表实得分之和 ÷ 适用项满分之和 × 100%，有否决项不符合的判定为不合格（否决）。"
    if len(formulas) == 1:
        return formulas[0] + overall
    return (
        "各检查表得分率 = 实得分 ÷ 适用项满分 × 100%；符合得该项全部分值，部分符合得部分分值，不符合得 0 分；"
        "不适用与未检查的项目不计入满分。否决项判为不符合时，该检查表判定为不合格（否决）。" + overall
    )


def _findings_section(data: FeedbackReportData) -> list[Flowable]:
    st = styles()
    if not data.findings:
        return [Para("本次检查未发现需要整改的问题。", st.form_body)]
    rows: list[list[Cell]] = []
    for index, finding in enumerate(data.findings, start=1):
        code = esc(finding.item_code or "—")
        if finding.repeat:
            code += '<br/><font color="#E60012" size="9">重复问题</font>'
        rows.append(
            [
                Short(str(index)),
                Para(code, st.cell_center),
                finding.problem,
                finding.requirement,
                Short(finding.severity, red=finding.severity == "严重"),
                Short(finding.deadline.isoformat() if finding.deadline else "—"),
                finding.responsible_department or "—",
            ]
        )
    return [
        data_table(
            ["序号", "检查项", "问题描述", "整改要求", "严重程度", "整改期限", "责任科室"],
            rows,
            [10 * mm, 16 * mm, 36 * mm, 36 * mm, 18 * mm, 21 * mm, 19 * mm],
        )
    ]


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
            rows.append([Para(esc(current), st.cell_group), "", "", "", ""])
        text = esc(item.item_text)
        if item.critical:
            text = '<font color="#E60012">★</font> ' + text
        if item.note:
            text += f'<br/><font color="#555555" size="8">{esc(item.note)}</font>'
        if item.response == "不符合":
            failed.append(len(rows))
        rows.append(
            [
                Para(esc(item.item_code), st.cell),
                Para(text, st.cell),
                Short(item.response),
                Short(format_points(item.points)),
                Short(format_points(item.maximum)),
            ]
        )
    table = data_table(
        ["检查项", "检查内容（★ 否决项）", "检查结果", "得分", "分值"],
        rows,
        [18 * mm, 86 * mm, 20 * mm, 16 * mm, 16 * mm],
        highlight_rows=failed,
        zebra=False,
    )
    table.setStyle([("SPAN", (0, r + 1), (-1, r + 1)) for r in title_rows])
    table.setStyle([("BACKGROUND", (0, r + 1), (-1, r + 1), HEADER_FILL) for r in title_rows])
    return table
