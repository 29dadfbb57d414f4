"""设置 → 签名密钥 (administrators): the enrolled keys, issuing identity files, enrolling requests, revoking, and
carrying the commission's certificates by file. Every action is a thin call into ``inspections.identity`` /
``inspections.signing``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections.identity import enrol_request, export_keys, import_keys, issue_identity, list_keys
from inspections.institutions import list_institutions
from inspections.labels import ROLES
from inspections.signing import REVOKED, KeyInfo, set_key_status, short
from inspections.users import unlock_user
from ui.context import AppContext


class IssueDialog(QDialog):
    """签发身份文件: who, which role (and institution), the password that seals the file."""

    def __init__(self, institutions: list[tuple[uuid.UUID, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("签发身份文件"))
        form = QFormLayout(self)
        self.username = QLineEdit()
        self.username.setObjectName("issueUsername")
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for code, label in ROLES.items():
            self.role.addItem(label, code)
        self.role.setCurrentIndex(list(ROLES).index("inspector"))
        self.institution = QComboBox()
        for institution_id, name in institutions:
            self.institution.addItem(name, institution_id)
        self.password = QLineEdit()
        self.password.setObjectName("issuePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("姓名"), self.display_name)
        form.addRow(self.tr("角色"), self.role)
        form.addRow(self.tr("所属机构（医院感控人员）"), self.institution)
        form.addRow(self.tr("密码（保护身份文件）"), self.password)
        form.addRow(self.tr("再输入一次"), self.again)
        hint = QLabel(self.tr("身份文件请当面交给本人，由本人在自己的电脑上安装（users install）。"))
        hint.setWordWrap(True)
        form.addRow("", hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()

    def _role_changed(self) -> None:
        self.institution.setEnabled(self.role.currentData() == "hospital")

    def _check(self) -> None:
        if self.password.text() != self.again.text():
            QMessageBox.warning(self, self.tr("签发身份文件"), self.tr("两次输入的密码不一致"))
            return
        self.accept()

    @property
    def institution_id(self) -> uuid.UUID | None:
        if self.role.currentData() != "hospital":
            return None
        value = self.institution.currentData()
        return value if isinstance(value, uuid.UUID) else None


class KeysBox(QGroupBox):
    """The enrolled keys and what an administrator does with them; hidden from everyone else."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setTitle(self.tr("签名密钥与用户登记（管理员）"))
        self.setObjectName("keysBox")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("keysTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("用户名"), self.tr("姓名"), self.tr("角色"), self.tr("指纹"), self.tr("状态"), self.tr("证书")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(140)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        for text, slot in (
            (self.tr("签发身份文件…"), self.issue),
            (self.tr("登记申请文件…"), self.enrol),
            (self.tr("吊销所选用户的密钥…"), self.revoke),
            (self.tr("导出密钥列表…"), self.export),
            (self.tr("导入密钥列表…"), self.import_),
            (self.tr("解除登录锁定…"), self.unlock),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        note = QLabel(
            self.tr("签发或登记后，请用“导出密钥列表”把证书带到各台电脑和医院；吊销（如电脑丢失）也要这样通知。")
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.keys: list[KeyInfo] = []

    @property
    def allowed(self) -> bool:
        user = self.context.user
        return user is not None and user.role == "admin"

    def reload(self) -> None:
        self.setVisible(self.allowed)
        if self.allowed and self.context.db is not None:
            user = self.context.user
            self.context.read(lambda s: list_keys(s, user), self._show, parent=self)

    def _show(self, keys: list[KeyInfo]) -> None:
        self.keys = keys
        self.table.setRowCount(len(keys))
        for row, k in enumerate(keys):
            cells = (k.username, k.display_name, ROLES.get(k.role, k.role), short(k.fingerprint), k.status_label,
                     self.tr("有效") if k.trusted else self.tr("无效：{0}").format(k.why))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def issue(self) -> None:
        db = self.context.db
        if db is None:
            return
        institutions = self.context.read_now(lambda s: [(i.id, i.name) for i in list_institutions(s)])
        dialog = IssueDialog(institutions, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        username = dialog.username.text().strip()
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存身份文件"), f"{username}.ygid",
                                              self.tr("身份文件 (*.ygid)"))
        if not path:
            return
        user = self.context.user
        values = (username, dialog.password.text(), str(dialog.role.currentData()), dialog.institution_id,
                  dialog.display_name.text())

        def work(s: Session) -> str:
            name, password, role, institution_id, display = values
            return issue_identity(s, user, Path(path), username=name, password=password, role=role,
                                  institution_id=institution_id, display_name=display).message

        self._write(work)

    def enrol(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择登记申请"), "", self.tr("登记申请 (*.json)"))
        if not path:
            return
        user = self.context.user
        self._write(lambda s: self.tr("已登记密钥：{0}").format(enrol_request(s, user, Path(path)).label))

    def revoke(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if not rows:
            QMessageBox.information(self, self.tr("吊销密钥"), self.tr("请先在表中选择一个用户"))
            return
        username = self.keys[min(rows)].username
        reason, ok = QInputDialog.getText(self, self.tr("吊销密钥"),
                                          self.tr("吊销 {0} 的全部密钥，原因（如：电脑丢失）：").format(username))
        if not ok:
            return
        user = self.context.user

        def work(s: Session) -> str:
            n = set_key_status(s, user.signer if user else None, user.username if user else "local", username,
                               REVOKED, reason)
            return self.tr("已吊销 {0} 的 {1} 个密钥").format(username, n)

        self._write(work)

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出密钥列表"), "keys.json", self.tr("密钥列表 (*.json)"))
        if not path:
            return
        user = self.context.user
        self.context.read(lambda s: export_keys(s, user, Path(path)),
                          lambda n: self.context.message.emit(self.tr("已导出 {0} 个密钥证书").format(n)), parent=self)

    def import_(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("导入密钥列表"), "", self.tr("密钥列表 (*.json)"))
        if not path:
            return
        user = self.context.user
        self._write(lambda s: "\n".join(import_keys(s, user, Path(path))) or self.tr("没有新的密钥或状态变化"))

    def unlock(self) -> None:
        """Lift the lockout of a user after repeated wrong passwords."""
        username, ok = QInputDialog.getText(self, self.tr("解除登录锁定"), self.tr("用户名："))
        if not ok or not username.strip():
            return
        user = self.context.user

        def work(s: Session) -> str:
            unlock_user(s, user, username.strip())
            return self.tr("已解除 {0} 的登录锁定").format(username.strip())

        self._write(work)

    def _write(self, work: Callable[[Session], str]) -> None:
        """One transaction in the background; its message in the status bar, then the list again."""

        def done(message: str) -> None:
            self.context.message.emit(message)
            self.reload()

        self.context.write(work, done, changed=("settings",), parent=self)
