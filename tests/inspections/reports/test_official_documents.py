"""The four documents of a 40-institution × 6-month demo, read back with pypdf as a commission's clerk reads them:
GB/T 9704 文号 and page numbers, embedded faces, 避头尾, the 反馈单's result on page 1, the 落款 with the text, the
台账's size and time."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from report_samples import (
    embedded_font_names,
    flat,
    kinsoku_breaks,
    make_bulletin,
    make_notice,
    page_lines,
    page_texts,
    unembedded_fonts,
)
from sqlalchemy import func, select

from inspections.findings import OPEN_STATUSES
from inspections.reports import documents
from inspections.reports.bulletin import build_bulletin
from inspections.reports.fonts import FONT, UKAI, UMING, has_glyph, register_fonts
from inspections.reports.notice import build_notice
from models.finding import Finding
from models.inspection import Inspection

NOW = datetime(2026, 11, 28, 10, 0).astimezone()
NUMBER = re.compile(r"院感督(整改|通报)?〔2026〕[1-9]\d*号")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Demo:
    feedback: bytes
    feedback_number: str
    feedback_score: float
    feedback_grade: str
    bulletin: bytes
    bulletin_number: str
    notice: bytes
    notice_number: str
    ledger: bytes
    ledger_seconds: float
    ledger_all: bytes
    problems: tuple[str, ...]


def _render(fn: object, *args: object, **kwargs: object) -> tuple[bytes, str]:
    out = io.BytesIO()
    number = fn(*args, out, now=NOW, **kwargs)  # type: ignore[operator]
    return out.getvalue(), number or ""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from inspections.demo import generate_demo
    from inspections.workspace import open_workspace

    db = open_workspace(None, tmp_path_factory.mktemp("demo"), backup=False)
    generate_demo(db, institutions=40, months=6, seed=1, end_month="2026-11", today=date(2026, 11, 28))
    with db.begin() as s:
        latest = s.scalars(
            select(Inspection).where(Inspection.status == "finalized", Inspection.kind == "supervision")
            .order_by(Inspection.date.desc(), Inspection.id)
        ).first()  # fmt: skip
        assert latest is not None
        feedback, feedback_number = _render(documents.inspection_report, s, latest.id)
        bulletin, bulletin_number = _render(documents.bulletin, s, "2026-11")
        # The institution owing the most: its notice's attachment runs over pages.
        owing = s.scalars(
            select(Finding.institution_id).where(Finding.status.in_(OPEN_STATUSES))
            .group_by(Finding.institution_id).order_by(func.count().desc(), Finding.institution_id)
        ).first()  # fmt: skip
        assert owing is not None
        notice, notice_number = _render(documents.notice, s, owing)
        score, grade = latest.score or 0.0, latest.grade or ""
    with db.session() as s:
        started = time.perf_counter()
        ledger = io.BytesIO()
        documents.ledger_pdf(s, ledger, now=NOW, statuses=OPEN_STATUSES)
        seconds = time.perf_counter() - started
        ledger_all = io.BytesIO()
        documents.ledger_pdf(s, ledger_all, now=NOW)
        problems = tuple(s.scalars(select(Finding.problem)))
    db.close()
    yield Demo(
        feedback,
        feedback_number,
        score,
        grade,
        bulletin,
        bulletin_number,
        notice,
        notice_number,
        ledger.getvalue(),
        seconds,
        ledger_all.getvalue(),
        problems,
    )


def _four(demo: Demo) -> dict[str, bytes]:
    return {"反馈单": demo.feedback, "通报": demo.bulletin, "通知书": demo.notice, "台账": demo.ledger}


def test_document_numbers_are_agency_code_year_and_sequence(demo: Demo) -> None:
    for number, pdf in ((demo.feedback_number, demo.feedback), (demo.bulletin_number, demo.bulletin),
                        (demo.notice_number, demo.notice)):  # fmt: skip
        assert NUMBER.fullmatch(number), number
        assert number in flat(page_texts(pdf)[0])


def test_every_page_is_numbered_between_dashes(demo: Demo) -> None:
    for name, pdf in _four(demo).items():
        for number, lines in enumerate(page_lines(pdf), start=1):
            assert f"— {number} —" in lines, (name, number)


def test_the_faces_are_embedded(demo: Demo) -> None:
    for name, pdf in _four(demo).items():
        assert unembedded_fonts(pdf) == [], name
        assert "UMingCN" in embedded_font_names(pdf), name  # 仿宋's stand-in here (no simfang.ttf on this machine)
    assert "UKaiCN" in embedded_font_names(demo.bulletin)  # 楷体 of the （一） headings


def test_no_line_breaks_the_punctuation_rules(demo: Demo) -> None:
    for name, pdf in _four(demo).items():
        assert kinsoku_breaks(pdf) == [], name


def test_the_feedback_states_the_overall_result_on_page_one(demo: Demo) -> None:
    first = flat(page_texts(demo.feedback)[0])
    assert f"综合得分率{demo.feedback_score:.1f}%" in first
    assert f"等级{demo.feedback_grade}" in first
    assert first.count("评分方法") <= 1 and flat(page_texts(demo.feedback)[1]).count("评分方法") <= 1
    everything = flat("".join(page_texts(demo.feedback)))
    assert everything.count("评分方法：") == 1
    assert re.search(r"请于2026年\d+月\d+日前将整改报告", everything)


def _page_of(pdf: bytes, text: str) -> int:
    pages = [i for i, t in enumerate(page_texts(pdf)) if flat(text) in flat(t)]
    assert pages, text
    return pages[0]


def test_the_signature_and_date_stand_on_the_page_of_the_text_they_end(demo: Demo) -> None:
    # The text's last line (the sentence may begin on the page before).
    notice_end = _page_of(demo.notice, "予以通报。")
    assert _page_of(demo.notice, "区卫生健康委员会2026年11月28日") == notice_end
    bulletin_end = _page_of(demo.bulletin, "书面说明。")
    assert _page_of(demo.bulletin, "附件：2026年11月医疗机构督导检查得分排名") == bulletin_end
    assert _page_of(demo.bulletin, "区卫生健康委员会2026年11月28日") == bulletin_end
    feedback_end = _page_of(demo.feedback, "书面说明。")
    assert _page_of(demo.feedback, "受检机构负责人（签字）") == feedback_end


def test_the_imprint_is_on_the_last_page_and_attachments_start_pages(demo: Demo) -> None:
    for pdf in (demo.notice, demo.bulletin):
        # The imprint's line ends "…2026年11月28日印发"; an item's text may mention 印发 on its own.
        imprint = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日印发")
        texts = [flat(t) for t in page_texts(pdf)]
        assert imprint.search(texts[-1]) and not any(imprint.search(t) for t in texts[:-1])
        attachment = [i for i, lines in enumerate(page_lines(pdf)) if lines and lines[0] == "附件"]
        assert attachment and attachment[0] > 0


def test_a_notice_of_a_self_inspection_does_not_claim_a_commission_inspection() -> None:
    out = io.BytesIO()
    build_notice(replace(make_notice(3), inspection_kinds=("自查",)), out)
    text = flat("".join(page_texts(out.getvalue())))
    assert "你单位开展了医院感染防控自查" in text and "医院感染防控问题整改通知书" in text
    assert "我委组织督导专家" not in text and "督导整改通知书" not in text


def test_the_ledger_is_short_and_quick(demo: Demo) -> None:
    reader = PdfReader(io.BytesIO(demo.ledger))
    assert len(reader.pages) <= 200 and demo.ledger_seconds <= 10
    # Every state (--all) of the demo's findings, from all 17 built-in checklists: at least 8 rows a page on average
    # (the old ledger held about 2.6).
    assert len(PdfReader(io.BytesIO(demo.ledger_all)).pages) * 8 <= len(demo.problems)
    first = flat(page_texts(demo.ledger)[0])
    assert "尚未完成整改的问题共" in first and "小计：" in flat("".join(page_texts(demo.ledger)))
    for lines in page_lines(demo.ledger):
        assert lines.count("序号") == 1  # the header once a page, at its top


def test_a_character_missing_from_a_face_is_set_in_one_that_has_it(tmp_path: Path) -> None:
    register_fonts()
    rare = "喆"
    assert not has_glyph(UKAI, rare) and not has_glyph(UMING, rare) and has_glyph(FONT, rare)
    out = io.BytesIO()
    build_notice(replace(make_notice(2), institution=f"{rare}园社区卫生服务中心"), out)
    pdf = out.getvalue()
    faces: set[str] = set()

    def visit(text: str, cm: object, tm: object, font: dict[str, object] | None, size: object) -> None:
        if rare in text and font is not None:
            faces.add(str(font.get("/BaseFont")))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    assert faces and all("WenQuanYi" in face for face in faces)
    assert f"{rare}园社区卫生服务中心" in flat(page_texts(pdf)[0])


def test_an_unfinished_month_is_issued_with_a_warning_and_the_uninspected(tmp_path: Path) -> None:
    data = replace(make_bulletin(20), uninspected=("济源路社区卫生服务中心", "峡窝镇卫生院"))
    out = io.BytesIO()
    build_bulletin(data, out)
    text = flat("".join(page_texts(out.getvalue())))
    assert "本月督导尚未全部完成" in text and "2家尚未检查：济源路社区卫生服务中心、峡窝镇卫生院" in text
    assert "（未完成）" in text  # the month's point on the trend chart


def test_an_official_face_found_on_the_computer_is_used_unless_the_settings_say_bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspections.reports import fonts

    # A computer whose font folder has simfang.ttf (here a copy of a bundled face, to see it in the PDF).
    folder = tmp_path / "Fonts"
    folder.mkdir()
    (folder / "simfang.ttf").write_bytes(fonts.UKAI_PATH.read_bytes())
    monkeypatch.setattr(fonts, "font_dirs", lambda: [folder])
    fonts._installed_files.cache_clear()
    try:
        assert fonts.official_candidates("fangsong") == [folder / "simfang.ttf"]
        official = fonts.resolve_faces({})
        assert official.fangsong not in (fonts.UMING, fonts.UKAI) and official.heiti == fonts.FONT  # no simhei.ttf
        assert fonts.resolve_faces({"font_fangsong": "bundled"}).fangsong == fonts.UMING
        assert fonts.resolve_faces({"font_fangsong": "nothere.ttf"}).fangsong == fonts.UMING
        out = io.BytesIO()
        with fonts.using_faces({}):
            build_notice(make_notice(2), out)
        assert "UKaiCN" in embedded_font_names(out.getvalue())  # the body, set in "simfang.ttf"
    finally:
        fonts._installed_files.cache_clear()


def test_the_demo_cuts_its_problem_texts_at_punctuation(demo: Demo) -> None:
    assert len(demo.problems) > 100
    for problem in demo.problems:
        assert problem.count("（") == problem.count("）"), problem  # not "由专（" or "门（"
