"""检查表: every stored checklist version, its sections and items, import from YAML/Excel and export as YAML."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspections import templates
from inspections.checklists.excel_format import TABLE_SUFFIXES, read_checklist_sheet
from inspections.checklists.layout import ColumnsUnclearError
from inspections.checklists.spec import ChecklistSpec
from inspections.errors import UserError
from ui.context import AppContext
from ui.crash import show_error_dialog
from ui.dialogs.sheet_import import SheetImportDialog
from ui.pages.base import Page, heading
from ui.tasks import show_user_error
from ui.widgets.table import Column, RowsModel, RowsView


def _date(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class ChecklistsPage(Page):
    """The checklist versions, with the selected version's items beside them."""

    areas = ("checklists",)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("检查表")))
        top.addStretch(1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("按编码或名称筛选"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setFixedWidth(240)
        top.addWidget(self.filter)
        self.import_button = QPushButton(self.tr("导入…"))
        self.import_button.setToolTip(self.tr("导入 YAML 或 Excel 检查表；同一编码内容变化时保存为新版本"))
        self.export_button = QPushButton(self.tr("导出所选版本…"))
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        layout.addLayout(top)

        columns: list[Column[templates.TemplateRow]] = [
            # The title names a checklist; its code (fever-clinic-loop) is for files and the command line.
            Column(self.tr("名称"), lambda r: r.title or r.code, width=300),
            Column(self.tr("版本"), lambda r: str(r.version), sort=lambda r: r.version, width=50),
            Column(self.tr("生效"), lambda r: _date(r.effective_from), width=90),
            Column(self.tr("失效"), self._last_day, width=170),
            Column(self.tr("条目"), lambda r: str(r.item_count), sort=lambda r: r.item_count, width=50),
            Column(self.tr("来源"), lambda r: self.tr("内置") if r.builtin else r.source, width=120),
            Column(self.tr("已使用"), lambda r: self.tr("是") if r.in_use else ""),
        ]
        self.model = RowsModel(columns, self)
        self.table = RowsView(self.model)
        self.filter.textChanged.connect(self.table.proxy.setFilterFixedString)
        self.items = QTreeWidget()
        self.items.setHeaderLabels([self.tr("条目"), self.tr("分值"), self.tr("检查方法")])
        self.items.setColumnWidth(0, 420)
        self.items.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.items)
        split.setSizes([300, 400])
        layout.addWidget(split, 1)

        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.import_button.clicked.connect(self._on_import)
        self.export_button.clicked.connect(self._on_export)

    def reload(self) -> None:
        self.context.read(templates.list_templates, self._show_rows, parent=self)

    def _last_day(self, row: templates.TemplateRow) -> str:
        """The stored end date, or the last day before a later version takes over (a used version cannot change)."""
        if row.superseded_by is None:
            return _date(row.effective_to)
        if row.superseded_on == row.effective_from:
            return self.tr("已由第{0}版取代").format(row.superseded_by)
        return self.tr("{0}（第{1}版接替）").format(_date(row.last_day), row.superseded_by)

    def _show_rows(self, rows: list[templates.TemplateRow]) -> None:
        self.model.set_rows(rows)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        if rows:
            self.table.selectRow(0)

    def _on_row_changed(self) -> None:
        row = self.table.current_row()
        if row is None:
            self.items.clear()
            return
        template_id = row.id
        self.context.read(lambda s: templates.template_spec(s, template_id), self._show_spec, parent=self)

    def _show_spec(self, spec: ChecklistSpec) -> None:
        self.items.clear()
        for section in spec.sections:
            head = QTreeWidgetItem([f"{section.code} {section.title}", "", ""])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            for item in section.items:
                mark = (self.tr("【{0}】").format(item.consequence or self.tr("否决项"))) if item.critical else ""
                child = QTreeWidgetItem([f"{item.code} {mark}{item.text}", f"{item.points:g}", item.method])
                child.setToolTip(0, self.tr("评分标准：{0}").format(item.criteria))
                head.addChild(child)
            self.items.addTopLevelItem(head)
        self.items.expandAll()

    def _on_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("导入检查表"), "", self.tr("检查表文件 (*.yaml *.yml *.xlsx *.csv *.docx);;所有文件 (*)")
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        if path.suffix.lower() in TABLE_SUFFIXES:
            self._import_sheet(path)
            return
        self._import_with(path, {})

    def _import_with(self, path: Path, columns: dict[str, str]) -> None:
        actor = self.context.actor
        self.context.write(
            lambda s: templates.import_checklist_file(s, actor, path, columns=columns or None),
            self._on_imported,
            changed="checklists",
            parent=self,
        )

    def _import_sheet(self, path: Path) -> None:
        """A published sheet: show what was recognized (or ask which column is which), import once confirmed."""
        dialog = SheetImportDialog(path, lambda columns: self._read_sheet(path, columns, dialog), self)
        self.sheet_dialog = dialog
        dialog.accepted.connect(lambda: self._import_with(path, dialog.columns()))
        self._read_sheet(path, {}, dialog)
        dialog.open()

    def _read_sheet(self, path: Path, columns: dict[str, str], dialog: SheetImportDialog) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ColumnsUnclearError):
                dialog.show_unclear(exc)
                return
            dialog.reject()
            if isinstance(exc, UserError):
                self.last_message = show_user_error(self, exc)
            else:
                self.last_message = show_error_dialog(self, exc)

        self.context.read(
            lambda s: read_checklist_sheet(path, columns=columns or None),
            dialog.show_reading,
            parent=self,
            on_failure=failed,
        )

    def _on_imported(self, outcome: templates.ImportOutcome) -> None:
        self.last_message = QMessageBox(
            QMessageBox.Icon.Information, self.tr("导入检查表"), outcome.message, QMessageBox.StandardButton.Ok, self
        )
        self.last_message.open()

    def _on_export(self) -> None:
        row = self.table.current_row()
        if row is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出检查表"), f"{row.code}-v{row.version}.yaml", self.tr("YAML 文件 (*.yaml)")
        )
        if path:
            self.export_to(row, Path(path))

    def export_to(self, row: templates.TemplateRow, path: Path) -> None:
        code, version = row.code, row.version

        def work() -> Path:
            with self.context.db.session() as s:  # type: ignore[union-attr]
                text = templates.export_checklist(s, code, version)
            path.write_text(text, encoding="utf-8")
            return path

        self.context.tasks.run_in_background(work, self._on_exported, parent=self)

    def _on_exported(self, path: Path) -> None:
        self.context.message.emit(self.tr("已导出到 {0}").format(str(path)))
