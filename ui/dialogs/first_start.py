"""First start: who is using the program (name, role) and for whom (the commission's full name, 代字, contact; or
the hospital's name). The name is the actor of every change made here; the organization goes to the settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from inspections.settings import ROLES, Organization


class FirstStartDialog(QDialog):
    """Asks the user's name and role and the organization; ``profile()`` and ``organization()`` read the answers.

    ``defaults`` fills the organization fields (from the settings already stored)."""

    def __init__(self, name: str = "", defaults: dict[str, str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStartDialog")
        self.setWindowTitle(self.tr("欢迎使用院感督导：请先填写使用者信息"))
        defaults = defaults or {}
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "您的姓名会记入每一项操作的记录（审计日志、整改跟踪）；单位信息用于文书的落款和文号。以后可在“设置”中修改。"
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        who = QFormLayout()
        self.name = QLineEdit(name)
        self.name.setObjectName("firstStartName")
        self.name.setPlaceholderText(self.tr("如：张三"))
        who.addRow(self.tr("姓名"), self.name)
        self.role_buttons: dict[str, QRadioButton] = {}
        self.roles = QButtonGroup(self)
        role_box = QWidget()
        role_row = QVBoxLayout(role_box)
        role_row.setContentsMargins(0, 0, 0, 0)
        for key, label in ROLES.items():
            button = QRadioButton(label)
            self.roles.addButton(button)
            self.role_buttons[key] = button
            role_row.addWidget(button)
        self.role_buttons["commission"].setChecked(True)
        who.addRow(self.tr("角色"), role_box)
        layout.addLayout(who)

        self.agency_box = QGroupBox(self.tr("发文机关（卫生健康委员会）"))
        agency = QFormLayout(self.agency_box)
        self.agency = QLineEdit(defaults.get("issuer", ""))
        self.agency.setPlaceholderText(self.tr("如：上街区卫生健康委员会"))
        self.agency_code = QLineEdit(defaults.get("doc_prefix", ""))
        self.agency_code.setPlaceholderText(self.tr("如：上卫院感（文号以它开头）"))
        self.contact_person = QLineEdit(defaults.get("contact_person", ""))
        self.contact_phone = QLineEdit(defaults.get("contact_phone", ""))
        agency.addRow(self.tr("机关全称"), self.agency)
        agency.addRow(self.tr("机关代字"), self.agency_code)
        agency.addRow(self.tr("联系人"), self.contact_person)
        agency.addRow(self.tr("联系电话"), self.contact_phone)
        layout.addWidget(self.agency_box)

        self.hospital_box = QGroupBox(self.tr("所在医院"))
        hospital = QFormLayout(self.hospital_box)
        self.hospital = QLineEdit(defaults.get("hospital_name", ""))
        self.hospital.setPlaceholderText(self.tr("如：上街区人民医院"))
        hospital.addRow(self.tr("医院名称"), self.hospital)
        layout.addWidget(self.hospital_box)

        self.problem = QLabel()
        self.problem.setObjectName("firstStartProblem")
        self.problem.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("开始使用"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("以后再说"))
        buttons.accepted.connect(self._check_and_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.roles.buttonToggled.connect(lambda _b, _on: self._show_role())
        self._show_role()

    def role(self) -> str:
        return next(key for key, button in self.role_buttons.items() if button.isChecked())

    def set_role(self, role: str) -> None:
        self.role_buttons[role].setChecked(True)

    def _show_role(self) -> None:
        hospital = self.role() == "hospital"
        self.agency_box.setVisible(not hospital)
        self.hospital_box.setVisible(hospital)

    def organization(self) -> Organization:
        return Organization(
            role=self.role(),
            agency=self.agency.text().strip(),
            agency_code=self.agency_code.text().strip(),
            contact_person=self.contact_person.text().strip(),
            contact_phone=self.contact_phone.text().strip(),
            hospital=self.hospital.text().strip(),
        )

    def _check_and_accept(self) -> None:
        org = self.organization()
        if not self.name.text().strip():
            problem = self.tr("请填写您的姓名")
        elif org.role == "hospital" and not org.hospital:
            problem = self.tr("请填写医院名称")
        elif org.role == "commission" and not (org.agency and org.agency_code):
            problem = self.tr("请填写发文机关全称和代字")
        else:
            self.accept()
            return
        self.problem.setText(problem)
