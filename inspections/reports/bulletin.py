"""月度督导通报: a 公文 laid out per GB/T 9704 — coverage, scores, common problems, overdue rectification — with the
ranking as its 附件."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from inspections.reports.charts import distribution_chart, trend_chart
from inspections.reports.data import BulletinData, TrendPoint, cn_date, cn_month, format_percent
from inspections.reports.flowables import (
    Cell,
    ClosingBlock,
    EndWithText,
    Imprint,
    Short,
    data_table,
    red_head,
    section,
)
from inspections.reports.output import Output
from inspections.reports.styles import BODY_LEADING, TITLE_SIZE, Para, esc, styles
from inspections.reports.templates import BODY_WIDTH, OfficialDocTemplate, PageDecor


def title_lines(title: str, width: float = BODY_WIDTH) -> str:
    """The title as markup, split by meaning into two lines when it does not fit one (GB/T 9704 §7.3.1): after
    "医院感染防控" when the title has it, else in the middle."""
    chars = width / TITLE_SIZE
    if len(title) <= chars:
        return esc(title)
    marker = "医院感染防控"
    cut = title.find(marker)
    cut = cut + len(marker) if cut > 0 and cut + len(marker) < len(title) else len(title) // 2
    return f"{esc(title[:cut])}<br/>{esc(title[cut:])}"


def bulletin_story(data: BulletinData) -> list[Flowable]:
    """The bulletin's flowables, in reading order; the full ranking is the 附件."""
    st = styles()
    month = cn_month(data.month)
    story: list[Flowable] = [*red_head(f"{data.issuer}文件", data.doc_number, BODY_WIDTH)]
    story.append(Para(title_lines(data.title), st.title))
    story.append(Spacer(1, BODY_LEADING - 4))
    story.append(Para("各医疗机构：", st.salutation))
    opening = data.summary or f"{month}，我委组织医院感染防控督导专家对辖区医疗机构开展督导检查，现将有关情况通报如下。"
    story.append(Para(esc(opening), st.body_indent))
    if data.uninspected:
        lead, rest = _incomplete_warning(data)
        story.append(Para(f'<font face="{st.faces.heiti}">{esc(lead)}</font>{esc(rest)}', st.body_indent))

    story.extend(section("一、督导覆盖情况"))
    story.extend(_coverage_section(data))

    story.extend(section("二、检查得分情况"))
    story.extend(_score_section(data))

    story.extend(section("三、常见问题"))
    story.extend(_failed_items_section(data))

    story.extend(section("四、逾期未整改情况"))
    story.extend(_overdue_section(data))

    story.extend(section("五、工作要求"))
    attachment = f"{month}医疗机构督导检查得分排名"
    story.append(
        EndWithText(
            [
                Para(
                    "请各医疗机构对照本通报，举一反三、全面自查，对存在的问题逐项落实整改；"
                    "逾期未整改的机构须于收到本通报后 5 个工作日内报送书面说明。",
                    st.body_indent,
                )
            ],
            [
                Spacer(1, BODY_LEADING),
                Para(f"附件：{esc(attachment)}", st.body_indent),
                ClosingBlock(data.issuer, cn_date(data.issue_date)),
            ],
        )
    )

    story.append(PageBreak())
    story.append(Para("附件", st.attachment_label))
    story.append(Para(f"{esc(attachment)}<br/>（共 {len(data.ranking)} 家）", st.attachment_title))
    story.extend(_ranking_section(data))
    story.append(Imprint(data.copy_to, f"{data.issuer}办公室", cn_date(data.issue_date)))
    return story


def _incomplete_warning(data: BulletinData) -> tuple[str, str]:
    """The warning of an unfinished month: its lead (set in 黑体; a 公文 is black but for its 版头) and the list."""
    cov = data.coverage
    names = "、".join(data.uninspected)
    lead = (
        f"本月督导尚未全部完成（计划 {cov.planned} 家，已完成 {cov.done} 家），"
        "本通报的得分、排名和趋势只反映已完成的检查。"
    )
    return lead, f"以下 {len(data.uninspected)} 家尚未检查：{names}。"


def build_bulletin(data: BulletinData, out: Output, *, invariant: bool = False) -> None:
    """Write the 月度督导通报 as a PDF to a path or a binary stream."""
    doc = OfficialDocTemplate(
        out,
        decor=PageDecor(draft=data.is_draft),
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
        text += f"因故未检查 {len(cov.not_done)} 家，原因如下："
    story: list[Flowable] = [Para(text, st.body_indent)]
    if cov.not_done:
        rows: list[list[Cell]] = [
            [Short(str(i)), row.institution, row.reason] for i, row in enumerate(cov.not_done, start=1)
        ]
        story.append(data_table(["序号", "医疗机构", "未检查原因"], rows, [12 * mm, 70 * mm, 74 * mm]))
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
        text += "各机构得分率及排名见附件。"
        story.append(Para(esc(text), st.body_indent))
    else:
        story.append(Para("本月暂无已完成的检查得分。", st.body_indent))
    if data.distribution:
        story.append(Para("（一）得分分布", st.h2))
        story.append(distribution_chart(data.distribution, BODY_WIDTH))
    trend = _trend_window(data)
    if trend:
        story.append(Para(f"（二）近 {len(trend)} 个月平均得分率及覆盖率", st.h2))
        story.append(trend_chart(trend, BODY_WIDTH, incomplete_last=bool(data.uninspected)))
    return story


def _trend_window(data: BulletinData) -> list[TrendPoint]:
    """The consecutive months from the first with a score to the bulletin's month."""
    points = list(data.trend)
    while points and points[0].average_score is None and points[0].month != data.month:
        points.pop(0)
    return points


def _failed_items_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.failed_items:
        return [Para("本月检查未发现共性问题。", st.body_indent)]
    story: list[Flowable] = [
        Para(
            "本月检查中未达标（判为不符合或部分符合）比例较高的检查项如下，请各医疗机构对照自查、举一反三：",
            st.body_indent,
        )
    ]
    rows: list[list[Cell]] = [
        [
            Short(str(i)),
            Short(item.item_code),
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
            [10 * mm, 16 * mm, 58 * mm, 32 * mm, 22 * mm, 18 * mm],
        )
    )
    return story


def _overdue_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.overdue:
        return [Para("截至通报时，无逾期未整改的问题。", st.body_indent)]
    total = sum(row.overdue_count for row in data.overdue)
    story: list[Flowable] = [
        Para(
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
            [10 * mm, 56 * mm, 18 * mm, 26 * mm, 46 * mm],
        )
    )
    return story


def _ranking_section(data: BulletinData) -> list[Flowable]:
    st = styles()
    if not data.ranking:
        return [Para("本月暂无排名。", st.body_indent)]
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
                Short("—" if row.score is None else f"{row.score:.1f}%"),
                Short(row.grade, red=row.vetoed),
                Short(change),
            ]
        )
    return [
        data_table(
            ["排名", "医疗机构", "级别", "街道/乡镇", "得分率", "等级", "较上月"],
            rows,
            [11 * mm, 50 * mm, 12 * mm, 22 * mm, 16 * mm, 29 * mm, 16 * mm],
            highlight_rows=vetoed,
        ),
        Spacer(1, 2 * mm),
        Para(
            "按得分率（参检检查表实得分之和 ÷ 适用项满分之和）从高到低排名，得分率相同的并列；存在否决项不符合的机构"
            "判定为不合格（否决），排在其他机构之后。“较上月”为得分率变化的百分点。",
            st.note,
        ),
    ]

