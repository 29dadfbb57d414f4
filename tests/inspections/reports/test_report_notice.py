"""The 整改通知书 and the 整改台账 PDF: open findings with deadlines, overdue marks, a 300-row ledger."""

from __future__ import annotations

import io
from dataclasses import replace

from report_samples import (
    AS_OF,
    flat,
    make_ledger,
    make_notice,
    page_lines,
    page_sizes,
    page_texts,
    unembedded_fonts,
)
from reportlab.lib.pagesizes import A4, landscape

from inspections.reports.data import LedgerData, NoticeData
from inspections.reports.notice import build_ledger_pdf, build_notice


def render_notice(data: NoticeData) -> bytes:
    buffer = io.BytesIO()
    build_notice(data, buffer, invariant=True)
    return buffer.getvalue()


def render_ledger(data: LedgerData) -> bytes:
    buffer = io.BytesIO()
    build_ledger_pdf(data, buffer, invariant=True)
    return buffer.getvalue()


def test_the_notice_lists_the_open_findings_with_deadlines() -> None:
    pdf = render_notice(make_notice(4))
    text = flat("".join(page_texts(pdf)))
    for expected in (
        "医院感染防控督导整改通知书",
        "上卫整改〔2026〕7号",
        "上街区人民医院：",
        "2026年11月12日，我委组织督导专家对你单位开展了医院感染防控督导检查",
        "尚有4项问题未完成整改（其中2项已逾期",
        "于2026年12月6日前",  # the latest deadline
        "加装缓冲间门互锁装置",
        "2026-11-21",
        "逾期7天",
        "联系人及电话：区卫健委医政科赵六",
        "上街区人民医院签收人（签字）",
        "—1—",
    ):
        assert flat(expected) in text, expected
    assert unembedded_fonts(pdf) == []


def test_no_line_starts_with_chinese_punctuation() -> None:
    lines = [line.strip() for text in page_texts(render_notice(make_notice(5))) for line in text.splitlines()]
    assert not [line for line in lines if line[:1] in "，；：。、）"]


def test_when_every_finding_is_overdue_the_notice_asks_for_rectification_at_once() -> None:
    data = make_notice(1)
    text = flat("".join(page_texts(render_notice(data))))
    assert "并立即将整改报告" in text


def test_a_notice_without_open_findings_says_everything_is_rectified() -> None:
    text = flat("".join(page_texts(render_notice(replace(make_notice(0))))))
    assert "均已整改完毕" in text


def test_a_300_row_ledger_spans_several_landscape_pages_with_repeated_headers() -> None:
    rows = tuple(make_ledger(300))
    pdf = render_ledger(LedgerData(rows, AS_OF, scope="2026年11月 · 全部机构", issuer="上街区卫生健康委员会"))
    texts = page_texts(pdf)
    assert len(texts) >= 10
    assert set(page_sizes(pdf)) == {(round(landscape(A4)[0]), round(landscape(A4)[1]))}
    for number, text in enumerate(texts, start=1):
        assert "整改要求" in text and "整改反馈及复查" in flat(text)
        assert f"— {number} —" in text
    everything = flat("".join(texts))
    assert "问题共300项，其中逾期" in everything
    assert "300第" in everything  # the last row's number, followed by its institution
    assert unembedded_fonts(pdf) == []


def test_a_ledger_row_taller_than_a_page_carries_its_number_and_institution_on_every_page() -> None:
    rows = make_ledger(6)
    rows[3] = replace(rows[3], problem="缓冲间两侧门可同时开启，" * 150)
    pdf = render_ledger(LedgerData(tuple(rows), AS_OF))
    pages = page_lines(pdf)
    continued = [lines for lines in pages if any("两侧门可同时开" in line for line in lines)]
    assert len(continued) >= 3
    for lines in pages:
        assert lines.count("序号") == 1  # the header at the top of each page, never in the middle
    for lines in continued:
        assert "4" in lines and any(line.startswith("第4医疗机构") for line in lines)
    # Every repetition is printed but those cut in two where the row continues on the next page.
    assert flat("".join(page_texts(pdf))).count("缓冲间两侧门可同时开启") >= 150 - len(continued)
