"""Log in where the database has users (a shared server): user name and password, a clear message when wrong."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspections.errors import UserError
from inspections.users import CurrentUser, log_in, user_count
from ui.context import AppContext, DatabaseLike


def needs_login(db: DatabaseLike) -> bool:
    """True when the database has users: the window opens only after a login."""
    with db.session() as s:
        return user_count(s) > 0


class LoginDialog(QDialog):
    """Asks for 用户名 and 密码; accepted only with a right pair, then ``user`` is who logged in."""

    def __init__(self, db: DatabaseLike, parent: QWidget | None = None, db_label: str = "") -> None:
        super().__init__(parent)
        self.db = db
        self.user: CurrentUser | None = None
        self.setWindowTitle(self.tr("登录 - 院感督导"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        if db_label:
            where = QLabel(self.tr("数据库：{0}").format(db_label))
            where.setWordWrap(True)
            layout.addWidget(where)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("loginUsername")
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("loginError")
        self.error.setStyleSheet("color: #b42318;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.username.setFocus()

    def try_login(self) -> None:
        """Check the password; on success accept, else show why and stay open with the password cleared."""
        if not self.username.text().strip():
            self._show_error(self.tr("请输入用户名"))
            return
        try:
            with self.db.session() as s:
                self.user = log_in(s, self.username.text(), self.password.text())
        except UserError as exc:
            self._show_error(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


def login(context: AppContext, parent: QWidget | None = None) -> bool:
    """Where the database has users, ask for a login and keep the user in the context; False when cancelled."""
    if context.db is None or not needs_login(context.db):
        return True
    dialog = LoginDialog(context.db, parent, context.db_label)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return False
    context.user = dialog.user
    return True
