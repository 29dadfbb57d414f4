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
from ui.tasks import TaskRunner


def needs_login(db: DatabaseLike) -> bool:
    """True when the database has users: the window opens only after a login."""
    with db.session() as s:
        return user_count(s) > 0


class LoginDialog(QDialog):
    """Asks for 用户名 and 密码; accepted only with a right pair, then ``user`` is who logged in."""

    def __init__(
        self, db: DatabaseLike, parent: QWidget | None = None, db_label: str = "", tasks: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        # With a task runner the password is checked on the worker thread: hashing it, and the wait imposed after
        # repeated wrong passwords (up to 30 s), never freeze the window.
        self.tasks = tasks
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
        username, password = self.username.text(), self.password.text()
        if self.tasks is None:
            try:
                self._logged_in(self._check(username, password))
            except UserError as exc:
                self._refused(exc)
            return
        self._busy(True)
        self.tasks.run_in_background(
            lambda: self._check(username, password), self._logged_in, self._refused, parent=self
        )

    def _check(self, username: str, password: str) -> CurrentUser:
        with self.db.session() as s:
            return log_in(s, username, password)

    def _busy(self, busy: bool) -> None:
        for widget in (self.username, self.password, self.ok_button):
            widget.setEnabled(not busy)
        if busy:
            self._show_error(self.tr("正在验证…"))
            self.error.setStyleSheet("color: palette(text);")

    def _logged_in(self, user: CurrentUser) -> None:
        self._busy(False)
        if not self.isVisible() and self.tasks is not None:
            return  # closed (退出) while the password was being checked
        self.user = user
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._busy(False)
        if not isinstance(exc, UserError):
            raise exc
        self._show_error(str(exc))
        self.password.clear()
        self.password.setFocus()

    def _show_error(self, text: str) -> None:
        self.error.setStyleSheet("color: #b42318;")
        self.error.setText(text)
        self.error.show()


def login(context: AppContext, parent: QWidget | None = None) -> bool:
    """Where the database has users, ask for a login and keep the user in the context; False when cancelled."""
    if context.db is None or not needs_login(context.db):
        return True
    dialog = LoginDialog(context.db, parent, context.db_label, context.tasks)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return False
    context.user = dialog.user
    return True
