"""Add or edit a medical institution."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspections.institutions import InstitutionData
from inspections.labels import LEVELS


class InstitutionDialog(QDialog):
    """The fields of InstitutionData; the caller saves them."""

    def __init__(self, data: InstitutionData | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("编辑医疗机构") if data else self.tr("新增医疗机构"))
        self.setMinimumWidth(440)
        data = data or InstitutionData(name="")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(data.name)
        self.code = QLineEdit(data.code)
        self.level = QComboBox()
        for number, label in LEVELS.items():
            self.level.addItem(label, number)
        self.level.setCurrentIndex(self.level.findData(data.level))
        self.category = QLineEdit(data.category)
        self.category.setPlaceholderText(self.tr("例如：综合医院、社区卫生服务中心"))
        self.district = QLineEdit(data.district)
        self.address = QLineEdit(data.address)
        self.contact = QLineEdit(data.contact)
        self.fever_clinic = QCheckBox(self.tr("设有发热门诊"))
        self.fever_clinic.setChecked(data.has_fever_clinic)
        self.fever_sentinel = QCheckBox(self.tr("设有发热哨点诊室"))
        self.fever_sentinel.setChecked(data.has_fever_sentinel)
        form.addRow(self.tr("名称"), self.name)
        form.addRow(self.tr("编码"), self.code)
        form.addRow(self.tr("级别"), self.level)
        form.addRow(self.tr("类别"), self.category)
        form.addRow(self.tr("辖区/街道"), self.district)
        form.addRow(self.tr("地址"), self.address)
        form.addRow(self.tr("联系人及电话"), self.contact)
        form.addRow("", self.fever_clinic)
        form.addRow("", self.fever_sentinel)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def data(self) -> InstitutionData:
        return InstitutionData(
            name=self.name.text(),
            code=self.code.text(),
            level=int(self.level.currentData()),
            category=self.category.text(),
            district=self.district.text(),
            address=self.address.text(),
            contact=self.contact.text(),
            has_fever_clinic=self.fever_clinic.isChecked(),
            has_fever_sentinel=self.fever_sentinel.isChecked(),
        )
