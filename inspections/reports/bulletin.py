"""月度督导通报: the monthly bulletin of a round — coverage, scores, common problems, overdue rectification, ranking."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from inspections.reports.charts import distribution_chart, trend_chart
from inspections.reports.data import BulletinData, cn_date, cn_datetime, cn_month, format_percent
from inspections.reports.flowables import Cell, Short, data_table, official_head, section
from inspections.reports.output import Output
from inspections.reports.styles import esc, styles
from inspections.reports.templates import MARGIN_SIDE, PORTRAIT, OfficialDocTemplate, PageDecor

BODY_WIDTH = PORTRAIT[0] - 2 * MARGIN_SIDE


def bulletin_decor(data: BulletinData) -> PageDecor:
    """Header, footer and watermark of a bulletin."""
    return PageDecor(
        running_title=data.title,
        doc_number=data.doc_number,
        data_as_of=f"数据截至 {cn_datetime(data.data_as_of)}",
        draft=data.is_draft,
    )


def bulletin_story(data: BulletinData) -> list[Flowable]:
    """The bulletin's flowables, in reading order; the full ranking is the appendix."""
    st = styles()
    month = cn_month(data.month)
    story: list[Flowable] = [*official_head(data.issuer, data.title, data.doc_number, red=True)]
    story.append(Paragraph("各医疗机构：", st.salutation))
    opening = data.summary or f"{month}，我委组织医院感染防控督导专家对辖区医疗机构开展督导检查，现将有关情况通报如下。"
    story.append(Paragraph(esc(opening), st.body_indent))

    story.extend(section("一、督导覆盖情况"))
    story.extend(_coverage_section(data))

    story.extend(section("二、检查得分情况"))
    story.extend(_score_section(data))

    story.extend(section("三、常见问题"))
    story.extend(_failed_items_section(data))

    story.extend(section("四、逾期未整改情况"))
    story.extend(_overdue_section(data))

    story.append(Spacer(1, 10 * mm))
    story.append(
        KeepTogether(
            [
                Paragraph(f"附件：{month}医疗机构督导检查得分排名", st.body),
                Spacer(1, 8 * mm),
                Paragraph(esc(data.issuer), st.closing),
                Paragraph(cn_date(data.issue_date), st.closing),
            ]
        )
    )

    story.append(PageBreak())
    story.extend(section(f"附件：{month}医疗机构督导检查得分排名（共 {len(data.ranking)} 家）"))
    story.extend(_ranking_section(data))
    return story


def build_bulletin(data: BulletinData, out: Output, *, invariant: bool = False) -> None:
    """Write the 月度督导通报 as a PDF to a path or a binary stream."""
    doc = OfficialDocTemplate(
        out,
        decor=bulletin_decor(data),
        invariant=invariant,
        title=data.title,
        author=data.issuer,
        subject=data.doc_number,
    )
    doc.render(bulletin_story(data))


def _coverage_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    cov = data.coverage
    text = f"本月计划督导医疗机构 {cov.planned} 家，实际完成 {cov.done} 家，覆盖率 {format_percent(cov.rate)}。"
    if cov.not_done:
        text += f"未完成 {len(cov.not_done)} 家，原因如下："
    story: list[Flowable] = [Paragraph(text, st.body_indent)]
    if cov.not_done:
        rows: list[list[Cell]] = [
            [Short(str(i)), row.institution, row.reason] for i, row in enumerate(cov.not_done, start=1)
        ]
        story.append(data_table(["序号", "医疗机构", "未完成原因"], rows, [12 * mm, 70 * mm, 88 * mm]))
    return story


def _score_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    scored = [row for row in data.ranking if row.score is not None]
    story: list[Flowable] = []
    if scored:
        average = sum(row.score for row in scored if row.score is not None) / len(scored)
        # Grades from best to worst (by the best score holding each); vetoed institutions are counted apart.
        grades: dict[str, list[float]] = {}
        for row in sorted(scored, key=lambda r: -(r.score or 0)):
            if not row.vetoed:
                grades.setdefault(row.grade, []).append(row.score or 0)
        by_grade = "，".join(f"{grade} {len(scores)} 家" for grade, scores in grades.items())
        vetoed = sum(row.vetoed for row in scored)
        text = f"参检的 {len(scored)} 家医疗机构平均得分率 {format_percent(average)}"
        text += f"，其中{by_grade}" if by_grade else ""
        text += f"；因否决项不符合判定为不合格的 {vetoed} 家。" if vetoed else "；无否决项不符合。"
        text += "各机构得分及排名见附件。"
        story.append(Paragraph(esc(text), st.body_indent))
    else:
        story.append(Paragraph("本月暂无已完成的检查得分。", st.body_indent))
    if data.distribution:
        story.append(Paragraph("（一）得分分布", st.h2))
        story.append(distribution_chart(data.distribution, BODY_WIDTH))
    if data.trend:
        story.append(Paragraph("（二）近 12 个月平均得分率及覆盖率趋势", st.h2))
        story.append(trend_chart(data.trend, BODY_WIDTH))
    return story


def _failed_items_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.failed_items:
        return [Paragraph("本月检查未发现共性问题。", st.body_indent)]
    story: list[Flowable] = [
        Paragraph(
            "本月检查中未达标（判为不符合或部分符合）比例较高的检查项如下，请各医疗机构对照自查、举一反三：",
            st.body_indent,
        )
    ]
    rows: list[list[Cell]] = [
        [
            Short(str(i)),
            item.item_code,
            item.item_text,
            item.checklist_title,
            Short(f"{item.failed}/{item.checked}"),
            Short(format_percent(item.rate)),
        ]
        for i, item in enumerate(data.failed_items, start=1)
    ]
    story.append(
        data_table(
            ["序号", "检查项", "检查内容", "所属检查表", "未达标/检查", "未达标率"],
            rows,
            [10 * mm, 16 * mm, 62 * mm, 42 * mm, 22 * mm, 18 * mm],
        )
    )
    return story


def _overdue_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.overdue:
        return [Paragraph("截至通报时，无逾期未整改的问题。", st.body_indent)]
    total = sum(row.overdue_count for row in data.overdue)
    story: list[Flowable] = [
        Paragraph(
            f"截至{cn_date(data.data_as_of.date())}，{len(data.overdue)} 家医疗机构共 {total} 项问题逾期未完成整改，"
            "请相关机构立即整改并报送整改情况：",
            st.body_indent,
        )
    ]
    rows: list[list[Cell]] = [
        [
            Short(str(i)),
            row.institution,
            Short(str(row.overdue_count)),
            Short(str(row.max_overdue_days), red=True),
            "、".join(row.item_codes),
        ]
        for i, row in enumerate(data.overdue, start=1)
    ]
    story.append(
        data_table(
            ["序号", "医疗机构", "逾期项数", "最长逾期（天）", "涉及检查项"],
            rows,
            [10 * mm, 62 * mm, 18 * mm, 26 * mm, 54 * mm],
        )
    )
    return story


def _ranking_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.ranking:
        return [Paragraph("本月暂无排名。", st.body)]
    rows: list[list[Cell]] = []
    vetoed: list[int] = []
    for index, row in enumerate(data.ranking):
        if row.vetoed:
            vetoed.append(index)
        change = "—" if row.change is None else f"{row.change:+.1f}"
        rows.append(
            [
                Short(str(row.rank)),
                row.institution,
                Short(row.level),
                row.district or "—",
                Short("—" if row.score is None else f"{row.score:.1f}"),
                Short(row.grade, red=row.vetoed),
                Short("✕" if row.vetoed else "", red=True),
                Short(change),
            ]
        )
    return [
        data_table(
            ["排名", "医疗机构", "级别", "街道/乡镇", "得分率", "等级", "否决", "较上月"],
            rows,
            [12 * mm, 60 * mm, 14 * mm, 24 * mm, 16 * mm, 18 * mm, 12 * mm, 14 * mm],
            highlight_rows=vetoed,
        ),
        Paragraph("得分率按参检检查表合计计算；“否决”指存在否决项不符合，等级判定为不合格。", st.note),
    ]
