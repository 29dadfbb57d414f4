"""The 督导检查反馈单 PDF: content, page footers, embedded fonts, watermark, splitting tables, repeatable bytes."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from report_samples import flat, make_feedback, page_sizes, page_texts, unembedded_fonts
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Table

from inspections.reports.data import FeedbackReportData
from inspections.reports.feedback import BODY_WIDTH, build_feedback_report, feedback_story
from inspections.reports.templates import invariant_output


def render(data: FeedbackReportData) -> bytes:
    buffer = io.BytesIO()
    build_feedback_report(data, buffer, invariant=True)
    return buffer.getvalue()


def test_the_report_prints_what_the_inspection_found() -> None:
    data = make_feedback(findings=5, photos=2)
    texts = page_texts(render(data))
    everything = flat("".join(texts))
    for expected in (
        "医院感染防控督导检查反馈单",
        "上卫院感〔2026〕3号",
        "上街区人民医院",
        "2026年11月28日",
        "督导组成员",
        "张三、李四",
        "王五（感控科科长）",
        "81.1%",
        "不合格（否决）",
        "得分率=实得分÷适用项满分×100%",
        "部分符合得该项分值的50%",
        "FZ2.3缓冲间设置",
        "加装缓冲间门互锁装置",
        "2026-12-12",  # a deadline
        "感控科",
        "重复问题",
        "附件1现场照片（共2张）",
        "受检机构负责人（签字）",
        "校验码3f9a1c7e",
        "数据截至2026年11月28日14:03",
    ):
        assert flat(expected) in everything, expected


def test_critical_failures_come_before_the_scores_and_the_findings() -> None:
    text = flat(page_texts(render(make_feedback()))[0])
    assert text.index("否决项不符合情况") < text.index("评分结果")
    assert text.index("缓冲间两侧门无互锁装置") < text.index("评分结果")


def test_every_page_carries_its_number_between_dashes() -> None:
    texts = page_texts(render(make_feedback(findings=40, photos=6, details=60)))
    total = len(texts)
    assert total >= 4
    for number, text in enumerate(texts, start=1):
        assert f"— {number} —" in text
    assert page_sizes(render(make_feedback()))[0] == (round(A4[0]), round(A4[1]))


def test_every_font_is_embedded() -> None:
    assert unembedded_fonts(render(make_feedback(details=10))) == []


def test_a_draft_carries_the_watermark_and_a_finalized_report_does_not() -> None:
    draft = page_texts(render(make_feedback(status="draft", findings=30)))
    assert len(draft) > 1
    assert all("草稿" in text for text in draft)
    assert "未签署" in draft[0]  # no check code before signing
    final = page_texts(render(make_feedback(status="finalized", findings=30)))
    assert not any("草稿" in text for text in final)
    assert "已定稿" in final[0]


def test_a_long_findings_table_repeats_its_header_on_every_page() -> None:
    texts = page_texts(render(make_feedback(findings=60, photos=0)))
    pages_with_findings = [t for t in texts if "较重" in t]  # a severity: only finding rows have one
    assert len(pages_with_findings) >= 3
    for text in pages_with_findings:
        assert "整改要求" in text and "责任科室" in text, text[:200]
    last = flat("".join(texts))
    assert "FZ6.10" in last  # the 60th finding made it


def test_long_chinese_text_wraps_and_is_printed_whole() -> None:
    data = make_feedback(findings=2, photos=0, long_text=True)
    text = flat("".join(page_texts(render(data))))
    # The row continues on the next page: every repetition is there but one, which is cut where the page ends.
    assert text.count("现场发现多处同类问题未按要求整改") >= 29


def test_a_finding_taller_than_a_page_is_split_across_pages() -> None:
    data = make_feedback(findings=1, photos=0)
    huge = replace(data.findings[0], problem="缓冲间两侧门可同时开启，" * 400)
    texts = page_texts(render(replace(data, findings=(huge,))))
    assert len(texts) >= 3
    # Every repetition is printed (a few are cut in two where the row continues on the next page).
    assert flat("".join(texts)).count("缓冲间两侧门可同时开启") >= 400 - len(texts)


def test_tables_never_run_off_the_page() -> None:
    data = make_feedback(findings=3, photos=3, details=5)
    for flowable in feedback_story(data):
        if isinstance(flowable, Table):
            width, _ = flowable.wrap(BODY_WIDTH, 10_000)
            assert width <= BODY_WIDTH + 0.01


def test_user_text_with_markup_characters_is_printed_as_written() -> None:
    data = make_feedback(findings=1, photos=0)
    odd = replace(data.findings[0], problem="消毒液浓度<500mg/L & 未记录")
    text = flat("".join(page_texts(render(replace(data, findings=(odd,))))))
    assert "消毒液浓度<500mg/L&未记录" in text


def test_invariant_mode_gives_identical_bytes(tmp_path: Path) -> None:
    data = make_feedback(photos=2)
    assert render(data) == render(data)
    with invariant_output():
        build_feedback_report(data, tmp_path / "a.pdf")
        build_feedback_report(data, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_a_report_without_findings_or_photos_says_so() -> None:
    data = replace(make_feedback(), findings=(), photos=(), critical_failures=())
    texts = page_texts(render(data))
    text = flat("".join(texts))
    assert "本次检查未发现否决项（关键项）不符合" in text
    assert "本次检查未发现需要整改的问题" in text
    assert "现场照片" not in text


def test_a_very_long_institution_name_is_printed_whole() -> None:
    name = "郑州市上街区济源路街道社区卫生服务中心（上街区第二人民医院）发热门诊及预检分诊联合点" * 2
    texts = page_texts(render(replace(make_feedback(findings=30, photos=0), institution=name)))
    assert flat(name) in flat(texts[0])  # the information table prints it whole


def test_a_draft_states_its_rate_so_far_and_no_grade() -> None:
    # As the editor's header does: a draft's rate is only 暂计, and a grade is given when the inspection is signed.
    draft = page_texts(render(make_feedback(status="draft")))[0].replace(" ", "").replace("\n", "")
    assert "暂计" in draft and "不合格（否决）" not in draft.split("一、")[0]
    final = page_texts(render(make_feedback(status="finalized")))[0].replace(" ", "").replace("\n", "")
    assert "不合格（否决）" in final.split("一、")[0] and "暂计" not in final
