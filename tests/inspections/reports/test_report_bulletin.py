"""The 月度督导通报 PDF: sections, coverage, ranking split over pages, charts with Chinese labels, embedded fonts."""

from __future__ import annotations

import io
from dataclasses import replace

from report_samples import flat, make_bulletin, page_texts, unembedded_fonts

from inspections.reports.bulletin import build_bulletin
from inspections.reports.charts import month_labels
from inspections.reports.data import BulletinData, CoverageData


def render(data: BulletinData) -> bytes:
    buffer = io.BytesIO()
    build_bulletin(data, buffer, invariant=True)
    return buffer.getvalue()


def test_the_bulletin_has_every_section() -> None:
    data = make_bulletin(30)
    text = flat("".join(page_texts(render(data))))
    for expected in (
        "上街区卫生健康委员会",
        "上卫通〔2026〕1号",
        "关于2026年11月医院感染防控督导检查情况的通报",
        "各医疗机构：",
        "本月计划督导医疗机构32家，实际完成30家，覆盖率93.8%",
        "济源路社区卫生服务中心",
        "装修停诊，12月补查",
        "得分分布",
        "机构数（家）",  # chart labels are text in the PDF, in the embedded font
        "平均得分率（%）",
        "FZ2.1",
        "20/40",
        "50.0%",
        "逾期未整改情况",
        "FZ2.3、TR1.4、WD3.1",
        "2026年12月3日",
        "附件：2026年11月医疗机构督导检查得分排名",
        "（共30家）",
        "第30医疗机构",
    ):
        assert flat(expected) in text, expected
    assert text.index("督导覆盖情况") < text.index("检查得分情况") < text.index("常见问题") < text.index("逾期未整改")


def test_a_long_ranking_spans_pages_with_its_header_on_each() -> None:
    texts = page_texts(render(make_bulletin(150)))
    total = len(texts)
    ranking_pages = [t for t in texts if "较上月" in t]
    assert len(ranking_pages) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"— {number} —" in text
    assert total >= 5 and "第150医疗机构" in texts[-1]


def test_fonts_are_embedded_charts_included() -> None:
    assert unembedded_fonts(render(make_bulletin(20))) == []


def test_draft_bulletin_is_watermarked() -> None:
    assert all("草稿" in t for t in page_texts(render(make_bulletin(20, status="draft"))))
    assert not any("草稿" in t for t in page_texts(render(make_bulletin(20))))


def test_an_empty_month_still_renders_with_plain_statements() -> None:
    data = replace(
        make_bulletin(5),
        coverage=CoverageData(planned=0, done=0),
        ranking=(),
        distribution=(),
        failed_items=(),
        overdue=(),
        trend=(),
    )
    text = flat("".join(page_texts(render(data))))
    assert "覆盖率—" in text
    assert "本月暂无已完成的检查得分" in text
    assert "无逾期未整改的问题" in text


def test_month_labels_carry_the_year_where_it_changes() -> None:
    assert month_labels(["2025-12", "2026-01", "2026-02"]) == ["2025年\n12月", "2026年\n1月", "\n2月"]
