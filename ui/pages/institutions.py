"""医疗机构: list, search, add, edit, deactivate and import the institutions that are inspected."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspections import institutions
from inspections.institutions import InstitutionData, InstitutionRow
from inspections.labels import LEVELS
from ui import style
from ui.context import AppContext
from ui.dialogs.institution_edit import InstitutionDialog
from ui.pages.base import Page, heading
from ui.widgets.table import Column, RowsModel, RowsView


class InstitutionsPage(Page):
    """The institutions.

    Signals:
        import_requested: import from an Excel file.
        inspect_requested(object): start an inspection of this institution (uuid).
    """

    areas = ("institutions", "all")
    import_requested = Signal()
    inspect_requested = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.last_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("医疗机构")))
        top.addStretch(1)
        self.search = QLineEdit()
        self.search.setObjectName("institutionSearch")
        self.search.setPlaceholderText(self.tr("搜索名称、编码、辖区、地址"))
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(240)
        self.level = QComboBox()
        self.level.addItem(self.tr("全部级别"), None)
        for number, label in LEVELS.items():
            self.level.addItem(label, number)
        self.show_inactive = QCheckBox(self.tr("含已停用"))
        for widget in (self.search, self.level, self.show_inactive):
            top.addWidget(widget)
        layout.addLayout(top)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("新增…"))
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.toggle_button = QPushButton(self.tr("停用…"))
        self.import_button = QPushButton(self.tr("从 Excel 导入…"))
        self.inspect_button = QPushButton(self.tr("新建检查…"))
        for button in (self.add_button, self.edit_button, self.toggle_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.inspect_button)
        layout.addLayout(buttons)
        columns: list[Column[InstitutionRow]] = [
            Column(self.tr("名称"), lambda r: r.name, width=240),
            Column(self.tr("编码"), lambda r: r.code, width=110),
            Column(self.tr("级别"), lambda r: r.level_label, sort=lambda r: -r.level, width=60),
            Column(self.tr("类别"), lambda r: r.category, width=150),
            Column(self.tr("辖区"), lambda r: r.district, width=110),
            Column(self.tr("发热门诊"), lambda r: self.tr("有") if r.has_fever_clinic else "", width=70),
            Column(
                self.tr("状态"),
                lambda r: self.tr("在用") if r.active else self.tr("已停用"),
                foreground=lambda r: None if r.active else style.NA,
                width=60,
            ),
            Column(self.tr("联系人"), lambda r: r.contact),
        ]
        self.model = RowsModel(columns, self)
        self.table = RowsView(self.model)
        self.table.setObjectName("institutionsTable")
        layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.level.currentIndexChanged.connect(self.reload)
        self.show_inactive.toggled.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.table.activated.connect(lambda _i: self.request_edit())
        self.add_button.clicked.connect(self.request_add)
        self.edit_button.clicked.connect(self.request_edit)
        self.toggle_button.clicked.connect(self.request_toggle)
        self.import_button.clicked.connect(self.import_requested)
        self.inspect_button.clicked.connect(self._on_inspect)
        self._update_buttons()

    def reload(self) -> None:
        search = self.search.text().strip() or None
        level = self.level.currentData()
        active_only = not self.show_inactive.isChecked()
        self.context.read(
            lambda s: institutions.list_institutions(
                s, active_only=active_only, search=search, levels=None if level is None else [level]
            ),
            self._show_rows,
            parent=self,
        )

    def _show_rows(self, rows: list[InstitutionRow]) -> None:
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("共 {0} 家").format(len(rows)))
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.table.current_row()
        for button in (self.edit_button, self.toggle_button, self.inspect_button):
            button.setEnabled(row is not None)
        self.toggle_button.setText(self.tr("启用") if row is not None and not row.active else self.tr("停用…"))
        self.inspect_button.setEnabled(row is not None and row.active)

    def request_add(self) -> None:
        dialog = InstitutionDialog(None, self)
        dialog.accepted.connect(lambda: self._create(dialog.data()))
        self.last_dialog = dialog
        dialog.open()

    def _create(self, data: InstitutionData) -> None:
        actor = self.context.actor
        self.context.write(
            lambda s: institutions.create_institution(s, actor, data), changed=("institutions",), parent=self
        )

    def request_edit(self) -> None:
        row = self.table.current_row()
        if row is None:
            return
        dialog = InstitutionDialog(row.data, self)
        dialog.accepted.connect(lambda: self._update(row, dialog.data()))
        self.last_dialog = dialog
        dialog.open()

    def _update(self, row: InstitutionRow, data: InstitutionData) -> None:
        actor, institution_id, version = self.context.actor, row.id, row.version
        self.context.write(
            lambda s: institutions.update_institution(s, actor, institution_id, data, expected_version=version),
            changed=("institutions",),
            parent=self,
        )

    def request_toggle(self, reason: str | None = None) -> None:
        row = self.table.current_row()
        if row is None:
            return
        actor, institution_id = self.context.actor, row.id
        if row.active:
            if reason is None:
                text, ok = QInputDialog.getText(
                    self, self.tr("停用医疗机构"), self.tr("停用“{0}”的原因（历史记录保留）：").format(row.name)
                )
                if not ok:
                    return
                reason = text
            why = reason
            self.context.write(
                lambda s: institutions.deactivate_institution(s, actor, institution_id, why),
                changed=("institutions",),
                parent=self,
            )
        else:
            self.context.write(
                lambda s: institutions.reactivate_institution(s, actor, institution_id),
                changed=("institutions",),
                parent=self,
            )

    def _on_inspect(self) -> None:
        row = self.table.current_row()
        if row is not None:
            self.inspect_requested.emit(row.id)

    def select(self, institution_id: uuid.UUID) -> None:
        for n, row in enumerate(self.table.visible_rows()):
            if row.id == institution_id:
                self.table.selectRow(n)
                return
