"""设置: who is working on this machine, editor behaviour, where the data lives, and the commission's settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import settings as db_settings
from ui import settings as keys
from ui.context import AppContext
from ui.crash import LOG_NAME
from ui.pages.base import Page, heading


class SettingsPage(Page):
    """Local preferences (saved at once) and the commission-wide settings (saved with 保存)."""

    areas = ("settings", "all")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("设置")))

        local = QGroupBox(self.tr("本机"))
        local_form = QFormLayout(local)
        self.name = QLineEdit(str(context.settings.value(keys.INSPECTOR_NAME, "") or ""))
        self.name.setPlaceholderText(self.tr("记入审计日志和检查人员"))
        self.name.editingFinished.connect(self._on_name_edited)
        self.stay = QCheckBox(self.tr("作答后停留在当前检查项（默认自动进入下一项）"))
        self.stay.setChecked(bool(context.settings.value(keys.STAY_ON_ITEM, False, type=bool)))
        self.stay.toggled.connect(lambda on: context.settings.setValue(keys.STAY_ON_ITEM, on))
        local_form.addRow(self.tr("我的姓名"), self.name)
        local_form.addRow("", self.stay)
        layout.addWidget(local)

        data = QGroupBox(self.tr("数据"))
        data_form = QFormLayout(data)
        folder = QHBoxLayout()
        self.data_dir = QLabel(str(context.data_dir))
        open_folder = QPushButton(self.tr("打开文件夹"))
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(context.data_dir))))
        folder.addWidget(self.data_dir, 1)
        folder.addWidget(open_folder)
        self.db_url = QLineEdit(str(context.settings.value(keys.DATABASE_URL, "") or ""))
        self.db_url.setPlaceholderText(self.tr("留空使用本机数据库；多人共用时填写 postgresql://…"))
        self.db_url.editingFinished.connect(
            lambda: context.settings.setValue(keys.DATABASE_URL, self.db_url.text().strip())
        )
        data_form.addRow(self.tr("数据目录"), folder)
        data_form.addRow(self.tr("当前数据库"), QLabel(context.db_label))
        data_form.addRow(self.tr("数据库地址"), self.db_url)
        data_form.addRow("", QLabel(self.tr("更改数据库地址后重新启动程序生效。")))
        data_form.addRow(self.tr("日志文件"), QLabel(str(context.data_dir / "logs" / LOG_NAME)))
        layout.addWidget(data)

        shared = QGroupBox(self.tr("督导设置（保存在数据库中，所有人共用）"))
        self.shared_form = QFormLayout(shared)
        self.fields: dict[str, QSpinBox | QLineEdit] = {}
        for key, spec in db_settings.SETTINGS.items():
            field: QSpinBox | QLineEdit
            if spec.kind is int:
                field = QSpinBox()
                field.setRange(0, 365)
                field.setSuffix(self.tr(" 天") if key.endswith("days") or "days" in key else "")
            else:
                field = QLineEdit()
            self.fields[key] = field
            self.shared_form.addRow(spec.label, field)
        self.save_button = QPushButton(self.tr("保存督导设置"))
        self.save_button.clicked.connect(self.save_shared)
        self.shared_form.addRow("", self.save_button)
        layout.addWidget(shared)
        layout.addStretch(1)

    def _on_name_edited(self) -> None:
        self.context.settings.setValue(keys.INSPECTOR_NAME, self.name.text().strip())
        self.context.changed.emit("settings")

    def reload(self) -> None:
        self.context.read(db_settings.all_settings, self._show_shared, parent=self)

    def _show_shared(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            field = self.fields.get(key)
            if isinstance(field, QSpinBox):
                field.setValue(int(value))
            elif isinstance(field, QLineEdit):
                field.setText(str(value))

    def save_shared(self) -> None:
        values: dict[str, Any] = {
            key: field.value() if isinstance(field, QSpinBox) else field.text() for key, field in self.fields.items()
        }
        actor = self.context.actor

        def save(s: Session) -> None:
            current = db_settings.all_settings(s)
            for key, value in values.items():
                if current.get(key) != value:
                    db_settings.set_setting(s, actor, key, value)

        self.context.write(save, changed=("settings",), parent=self)
