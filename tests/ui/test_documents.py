"""Documents from the pages: 月度通报, 整改通知书, 整改台账 (PDF, Excel) and 检查结果, written in the background."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from inspections.rounds import month_label
from ui import documents as saving
from ui.context import AppContext
from ui.pages.findings import FindingsPage
from ui.pages.inspections_list import InspectionsPage
from ui.pages.rounds import RoundsPage


def show(qtbot: QtBot, page: QWidget) -> None:
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()  # type: ignore[attr-defined]


def pdf_text(path: Path) -> str:
    return "".join(p.extract_text() for p in PdfReader(path).pages)


def data_rows(path: Path) -> int:
    book = load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
        return sum(1 for row in rows if any(v not in (None, "") for v in row))
    finally:
        book.close()


def wait_written(qtbot: QtBot, context: AppContext, page: QWidget, path: Path) -> None:
    qtbot.waitUntil(lambda: context.tasks.pending == 0, timeout=20000)
    assert path.is_file() and path.stat().st_size > 0
    box = page.last_dialog  # type: ignore[attr-defined]
    assert isinstance(box, QMessageBox) and path.name in box.text()
    assert {b.text() for b in box.buttons()} >= {"打开文件", "打开所在文件夹"}
    assert context.settings.value(saving.LAST_DIR) == str(path.parent)


def test_rounds_page_writes_the_monthly_bulletin(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    page = RoundsPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.detail is not None and page.bulletin_button.isEnabled())
    month = page.rounds_table.current_row().month
    target = tmp_path / "通报.pdf"
    assert page.request_bulletin(target) == target
    wait_written(qtbot, demo_context, page, target)
    text = "".join(pdf_text(target).split())  # the title is set on two lines
    assert f"关于{month_label(month)}医院感染防控督导检查情况的通报" in text


def test_findings_page_writes_notice_and_ledger(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    page = FindingsPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.detail is not None and page.notice_button.isEnabled())
    name = page.detail.row.institution_name

    notice = tmp_path / "通知书.pdf"
    page.request_notice(notice)
    wait_written(qtbot, demo_context, page, notice)
    text = pdf_text(notice)
    assert "整改通知书" in text and name in text

    page.overdue.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and all(r.overdue_days > 0 for r in page.model.rows))
    overdue = page.model.rowCount()
    ledger = tmp_path / "台账.xlsx"
    page.request_ledger(ledger)
    wait_written(qtbot, demo_context, page, ledger)
    assert data_rows(ledger) == overdue

    pdf = tmp_path / "台账.pdf"
    page.request_ledger(pdf)
    wait_written(qtbot, demo_context, page, pdf)
    assert "整改台账" in pdf_text(pdf)


def test_notice_follows_the_institution_filter(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    page = FindingsPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.institution.count() > 2 and page.model.rowCount() > 0)
    wanted = page.model.rows[-1].institution_name
    page.institution.setCurrentIndex(page.institution.findText(wanted))
    qtbot.waitUntil(lambda: all(r.institution_name == wanted for r in page.model.rows) and page.detail is not None)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.institution_name == wanted)
    notice = tmp_path / "通知书.pdf"
    page.request_notice(notice)
    wait_written(qtbot, demo_context, page, notice)
    assert wanted in pdf_text(notice)


def test_inspections_page_exports_results(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    page = InspectionsPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    target = tmp_path / "结果.xlsx"
    page.request_results(target)
    wait_written(qtbot, demo_context, page, target)
    everything = data_rows(target)
    assert everything > 0

    # Filtered to one institution: fewer rows, and only that institution's.
    name = page.model.rows[0].institution_name
    page.filter.setText(name)
    qtbot.waitUntil(lambda: 0 < len(page.table.visible_rows()) < page.model.rowCount())
    narrow = tmp_path / "结果-一家.xlsx"
    page.request_results(narrow)
    wait_written(qtbot, demo_context, page, narrow)
    assert 0 < data_rows(narrow) < everything


def test_ledger_suffix_follows_the_chosen_filter(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    from unittest import mock

    page = FindingsPage(demo_context)
    qtbot.addWidget(page)
    excel = saving.file_filter(saving.XLSX)
    with mock.patch.object(saving.QFileDialog, "getSaveFileName", return_value=(str(tmp_path / "台账.pdf"), excel)):
        path = saving.ask_path(page, demo_context, "导出", "台账.pdf", (saving.PDF, saving.XLSX))
    assert path == tmp_path / "台账.xlsx"
    with mock.patch.object(saving.QFileDialog, "getSaveFileName", return_value=("", "")):
        assert page.request_ledger() is None
    assert demo_context.tasks.pending == 0


def test_dashboard_writes_the_bulletin_of_the_chosen_month(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    from ui.pages.dashboard import DashboardPage

    page = DashboardPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.data is not None)
    page.month.setCurrentIndex(1)
    label = page.month.currentText()
    target = tmp_path / "通报.pdf"
    page.request_bulletin(target)
    wait_written(qtbot, demo_context, page, target)
    assert f"关于{label}医院感染防控督导检查情况的通报" in "".join(pdf_text(target).split())


def test_no_bulletin_for_a_month_without_inspections(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    from ui.pages.dashboard import DashboardPage

    page = DashboardPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.data is not None and page.bulletin_button.isEnabled())
    page.month.setCurrentIndex(page.month.count() - 1)
    qtbot.waitUntil(lambda: page.data is not None and page.data.inspections == 0)
    assert not page.bulletin_button.isEnabled()
    assert page.request_bulletin(tmp_path / "通报.pdf") is None
    assert demo_context.tasks.pending == 0 and not (tmp_path / "通报.pdf").exists()


def test_a_notice_saved_twice_the_same_day_prints_the_number_issued_the_first_time(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    import re

    from sqlalchemy import select

    from models.document import DocumentNumber

    page = FindingsPage(demo_context)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.detail is not None and page.notice_button.isEnabled())
    numbers = []
    for name in ("第一次.pdf", "第二次.pdf"):
        page.request_notice(tmp_path / name)
        wait_written(qtbot, demo_context, page, tmp_path / name)
        found = re.search(r"院感督整改〔\d{4}〕[1-9]\d*号", "".join(pdf_text(tmp_path / name).split()))
        assert found is not None
        numbers.append(found.group())
    assert numbers[0] == numbers[1]
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        assert s.scalars(select(DocumentNumber.text).where(DocumentNumber.kind == "notice")).all() == [numbers[0]]


def test_the_editor_prints_a_number_for_an_inspection_finalized_before_numbers_were_kept(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    import re

    from sqlalchemy import select

    from models.document import DocumentNumber
    from models.inspection import Inspection
    from ui.pages.editor import InspectionEditor

    assert demo_context.db is not None
    with demo_context.db.session() as s:
        numbered = set(s.scalars(select(DocumentNumber.subject)).all())
        finalized = s.scalars(select(Inspection.id).where(Inspection.status == "finalized"))
        old = next(i for i in finalized if str(i) not in numbered)
    editor = InspectionEditor(demo_context, old)
    show(qtbot, editor)
    qtbot.waitUntil(lambda: editor.view is not None)
    editor.open_documents = False
    prints = []
    for name in ("反馈单.pdf", "再印.pdf"):
        editor.request_report(tmp_path / name)
        qtbot.waitUntil(lambda n=name: (tmp_path / n).exists() and demo_context.tasks.pending == 0, timeout=20_000)
        found = re.search(r"〔\d{4}〕[1-9]\d*号", "".join(pdf_text(tmp_path / name).split()))
        assert found is not None
        prints.append(found.group())
    assert prints[0] == prints[1]  # issued on the first print, the same on the second
    with demo_context.db.session() as s:
        issued = s.scalars(select(DocumentNumber.text).where(DocumentNumber.subject == str(old))).all()
    assert len(issued) == 1 and issued[0].endswith(prints[0])
