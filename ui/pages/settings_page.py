"""设置: who is working on this machine, editor behaviour, where the data lives, and the commission's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import backup
from inspections import settings as db_settings
from inspections.errors import UserError
from inspections.reports import fonts
from inspections.users import authorize
from models.version import __version__
from ui import settings as keys
from ui.context import AppContext
from ui.crash import LOG_NAME
from ui.dialogs.keys import KeysBox
from ui.pages.base import Page, heading
from ui.tasks import show_user_error


class SettingsPage(Page):
    """Local preferences (saved at once) and the commission-wide settings (saved with 保存)."""

    areas = ("settings", "all")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # The page scrolls: at 1280×720 or 150 % scaling the groups keep their height instead of being crushed.
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("settingsScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        self.body_scroll.setWidget(body)
        outer.addWidget(self.body_scroll)
        layout = QVBoxLayout(body)
        layout.addWidget(heading(self.tr("设置")))

        local = QGroupBox(self.tr("本机"))
        local_form = QFormLayout(local)
        self.name = QLineEdit(str(context.settings.value(keys.INSPECTOR_NAME, "") or ""))
        self.name.setPlaceholderText(self.tr("记入审计日志和检查人员"))
        self.name.editingFinished.connect(self._on_name_edited)
        self.stay = QCheckBox(
            self.tr("答符合、不适用后也停留在当前检查项（默认进入下一项；部分符合、不符合总是停留写问题描述）")
        )
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

        layout.addWidget(self._build_backups())
        layout.addWidget(self._build_checks())

        shared = QGroupBox(self.tr("督导设置（保存在数据库中，所有人共用）"))
        self.shared_form = QFormLayout(shared)
        self.fields: dict[str, QSpinBox | QLineEdit] = {}
        self.font_fields: dict[str, QComboBox] = {}
        self.number_example = QLabel()
        self.number_example.setObjectName("docNumberExample")
        for key, spec in db_settings.SETTINGS.items():
            if key.startswith("font_"):
                self._add_font_field(key, spec.label)
                continue
            field: QSpinBox | QLineEdit
            if spec.kind is int:
                field = QSpinBox()
                field.setRange(0, 365)
                field.setSuffix(self.tr(" 天") if key.endswith("days") or "days" in key else "")
            else:
                field = QLineEdit()
            self.fields[key] = field
            self.shared_form.addRow(spec.label, field)
            if spec.hint:
                field.setToolTip(spec.hint)
                hint = QLabel(spec.hint)
                hint.setWordWrap(True)
                self.shared_form.addRow("", hint)
            if key == "doc_series":
                self.shared_form.addRow(self.tr("文号示例"), self.number_example)
        self.fields["doc_series"].setPlaceholderText(self.tr("留空（不分组）"))  # type: ignore[union-attr]
        for key in ("doc_prefix", "doc_series"):
            self.fields[key].textChanged.connect(self._show_number_example)
        self._show_number_example()
        self.save_button = QPushButton(self.tr("保存督导设置"))
        self.save_button.clicked.connect(self.save_shared)
        self.shared_form.addRow("", self.save_button)
        layout.addWidget(shared)
        self.keys_box = KeysBox(context, self)
        self.keys_box.setVisible(self.keys_box.allowed)
        layout.addWidget(self.keys_box)
        layout.addWidget(self._build_about())
        layout.addStretch(1)

    def _build_about(self) -> QGroupBox:
        box = QGroupBox(self.tr("关于"))
        box.setObjectName("aboutBox")
        form = QFormLayout(box)
        self.version_label = QLabel(self.tr("院感督导 {0}").format(__version__))
        self.version_label.setObjectName("versionLabel")
        self.about_data_dir = QLabel(str(self.context.data_dir))
        self.about_data_dir.setObjectName("aboutDataDir")
        for label in (self.version_label, self.about_data_dir):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("版本"), self.version_label)
        form.addRow(self.tr("数据目录"), self.about_data_dir)
        form.addRow("", QLabel(self.tr("卸载或升级程序不会删除数据目录。")))
        return box

    def _add_font_field(self, key: str, label: str) -> None:
        """A face of the documents: 自动 (the official face when this computer has it), 内置字体, or one of the
        official faces found here (by file name, so the choice works on every computer that has the file)."""
        if not self.font_fields:
            title = QLabel(self.tr("文书字体（GB/T 9704：正文仿宋、标题小标宋、一级标题黑体、二级标题楷体）"))
            title.setWordWrap(True)
            self.shared_form.addRow(title)
            note = QLabel(
                self.tr(
                    "“自动”：本机有正式字体（如 Windows 的 simfang.ttf）就用，否则用内置的开源字体；选定的字体按文件名"
                    "保存，在其他电脑上找不到同名文件时用内置字体。"
                )
            )
            note.setWordWrap(True)
            self.shared_form.addRow("", note)
        box = QComboBox()
        box.addItem(self.tr("自动（有正式字体就用，否则用内置字体）"), "")
        box.addItem(self.tr("内置字体"), fonts.BUNDLED)
        for path in fonts.official_candidates(key.removeprefix("font_")):
            box.addItem(path.name, path.name)
        self.font_fields[key] = box
        self.shared_form.addRow(label, box)

    def _build_backups(self) -> QGroupBox:
        box = QGroupBox(self.tr("备份与恢复"))
        form = QFormLayout(box)
        self.backup_info = QLabel(self.tr("正在读取备份…"))
        self.backup_info.setWordWrap(True)
        self.keep = QSpinBox()
        self.keep.setRange(1, 365)
        self.keep.setSuffix(self.tr(" 份"))
        self.keep.setValue(backup.backup_keep(self.context.data_dir))
        self.keep.valueChanged.connect(lambda n: backup.set_backup_keep(self.context.data_dir, n))
        buttons = QHBoxLayout()
        self.backup_button = QPushButton(self.tr("立即备份"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(self.tr("从备份恢复…"))
        self.restore_button.clicked.connect(lambda: self.restore_from(None))
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        form.addRow(self.tr("备份"), self.backup_info)
        form.addRow(self.tr("保留"), self.keep)
        form.addRow("", buttons)
        form.addRow("", QLabel(self.tr("每天第一次使用时自动备份；恢复前会先另存当前数据库。")))
        return box

    def _build_checks(self) -> QGroupBox:
        from ui.integrity import interval_days

        box = QGroupBox(self.tr("数据核对"))
        form = QFormLayout(box)
        self.check_info = QLabel(self.tr("正在读取…"))
        self.check_info.setObjectName("checkInfo")
        self.check_info.setWordWrap(True)
        self.check_days = QSpinBox()
        self.check_days.setRange(0, 365)
        self.check_days.setSuffix(self.tr(" 天"))
        self.check_days.setSpecialValueText(self.tr("不自动核对"))
        self.check_days.setValue(interval_days(self.context))
        self.check_days.valueChanged.connect(self._on_check_days)
        self.check_button = QPushButton(self.tr("立即完整核对"))
        self.check_button.clicked.connect(self.check_now)
        form.addRow(self.tr("上次完整核对"), self.check_info)
        form.addRow(self.tr("自动完整核对间隔"), self.check_days)
        form.addRow("", self.check_button)
        note = QLabel(
            self.tr(
                "完整核对在后台逐一核对数据库文件、审计链、已签名检查的哈希和全部照片，不影响使用；"
                "命令行 check 只核对上次以来新增或改动的记录（check --full 为完整核对）。"
            )
        )
        note.setWordWrap(True)
        form.addRow("", note)
        self._check_connected = False
        return box

    def _on_check_days(self, days: int) -> None:
        from ui.integrity import INTERVAL_DAYS

        self.context.settings.setValue(INTERVAL_DAYS, days)

    def _scheduler(self) -> Any:
        from ui.integrity import schedule_full_checks

        scheduler = schedule_full_checks(self.context)
        if not self._check_connected:
            scheduler.progress.connect(self._show_check_progress)
            scheduler.finished.connect(lambda _report: self._refresh_checks())
            scheduler.failed.connect(self.check_info.setText)
            self._check_connected = True
        return scheduler

    def check_now(self) -> None:
        if self.context.db is not None and self._scheduler().run_now():
            self.check_info.setText(self.tr("正在完整核对…"))

    def _show_check_progress(self, done: int, total: int, what: str) -> None:
        shown = f" {done:,}/{total:,}" if total > 1 else ""
        self.check_info.setText(self.tr("正在完整核对：{0}{1}").format(what, shown))

    def _refresh_checks(self) -> None:
        from inspections.integrity import last_checks

        if self.context.db is None:
            return
        self._scheduler()
        self.context.read(last_checks, self._show_checks, parent=self)

    def _show_checks(self, found: tuple[Any, Any]) -> None:
        last, last_full = found
        if last_full is None:
            text = self.tr("还没有完整核对过")
        else:
            minutes, seconds = divmod(round(last_full.seconds), 60)
            took = self.tr("{0} 分 {1} 秒").format(minutes, seconds) if minutes else self.tr("{0} 秒").format(seconds)
            outcome = self.tr("通过") if last_full.ok else self.tr("未通过：发现 {0} 个问题").format(last_full.problems)
            text = self.tr("{0}，{1}（{2} 份已完成的检查，{3} 张照片，用时 {4}）").format(
                last_full.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                outcome,
                f"{last_full.inspections:,}",
                f"{last_full.photos:,}",
                took,
            )
            text += self._named(last_full)
        if last is not None and last_full is not None and last.at > last_full.at:
            text += "\n" + self.tr("最近一次增量核对：{0}，{1}").format(
                last.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                self.tr("通过") if last.ok else self.tr("发现 {0} 个问题").format(last.problems),
            )
            text += self._named(last)
        self.check_info.setText(text)

    def _named(self, check: Any) -> str:
        """The problems and warnings a check remembered, each on a line (the rest: the command line)."""
        lines = [f"• {line}" for line in check.problem_lines]
        if check.problems > len(check.problem_lines):
            lines.append(
                self.tr("……共 {0} 个问题，完整列表请在命令行运行 check --full").format(check.problems)
            )
        lines += [self.tr("提示：{0}").format(line) for line in check.warnings]
        return "".join("\n" + line for line in lines)

    def _refresh_backups(self) -> None:
        db = self.context.db
        if db is None:
            return
        self.context.tasks.run_in_background(lambda: backup.backup_status(db), self._show_backups)

    def _show_backups(self, status: backup.BackupStatus) -> None:
        if status.server:
            self.backup_info.setText(status.message)
            for widget in (self.backup_button, self.restore_button, self.keep):
                widget.setEnabled(False)
            return
        if status.backups:
            newest = status.backups[0]
            text = self.tr("共 {0} 份，最近一次 {1}（{2}）").format(
                len(status.backups), newest.created.strftime("%Y-%m-%d %H:%M"), newest.kind_label
            )
        else:
            text = self.tr("还没有备份")
        if status.last_error:
            text += "\n" + self.tr("上次自动备份失败：{0}").format(status.last_error)
        self.backup_info.setText(text)

    def backup_now(self) -> None:
        db = self.context.db
        if db is None:
            return

        def done(info: backup.BackupInfo) -> None:
            self.context.message.emit(self.tr("已备份到 {0}").format(str(info.path)))
            self._refresh_backups()

        self.context.tasks.run_in_background(
            lambda _progress: backup.backup_database(db),
            done,
            parent=self,
            progress=self.tr("正在备份…"),
        )

    def restore_from(self, path: Path | None, *, ask: bool = True) -> None:
        """Replace the database with a backup: check the file, ask, keep a copy of the current one, restore."""
        db = self.context.db
        if db is None:
            return
        try:
            authorize(self.context.user, "database.restore")
        except UserError as exc:
            show_user_error(self, exc)
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("选择备份文件"),
                str(backup.backup_dir(self.context.data_dir)),
                self.tr("数据库备份 (*.db);;所有文件 (*)"),
            )
            if not chosen:
                return
            path = Path(chosen)
        target, actor = path, self.context.actor

        def restore(_progress: object) -> None:
            backup.restore(db, target, actor=actor)

        def restored(_: None) -> None:
            self.context.message.emit(self.tr("已从备份恢复：{0}").format(target.name))
            self.context.changed.emit("all")
            self._refresh_backups()

        def checked(found: backup.BackupCheck) -> None:
            if ask:
                answer = QMessageBox.question(
                    self,
                    self.tr("从备份恢复"),
                    self.tr("将用备份“{0}”（{1}）替换当前数据库。当前数据库会先另存为一份备份。确定恢复吗？").format(
                        target.name, found.summary
                    ),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return
            self.context.tasks.run_in_background(restore, restored, parent=self, progress=self.tr("正在恢复…"))

        self.context.tasks.run_in_background(lambda: backup.inspect_backup(target), checked, parent=self)

    def _on_name_edited(self) -> None:
        self.context.settings.setValue(keys.INSPECTOR_NAME, self.name.text().strip())
        self.context.changed.emit("settings")

    def reload(self) -> None:
        self.context.read(db_settings.all_settings, self._show_shared, parent=self)
        self._refresh_backups()
        self._refresh_checks()
        self.keys_box.reload()

    def _show_shared(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            field = self.fields.get(key)
            if isinstance(field, QSpinBox):
                field.setValue(int(value))
            elif isinstance(field, QLineEdit):
                field.setText(str(value))
            box = self.font_fields.get(key)
            if box is not None:
                index = box.findData(str(value or ""))
                if index < 0:  # a file chosen on another computer, not found here
                    box.addItem(self.tr("{0}（本机未找到，使用内置字体）").format(value), str(value))
                    index = box.count() - 1
                box.setCurrentIndex(index)

    def _show_number_example(self) -> None:
        """What a 反馈单's number will look like with the prefix and series code as typed (unsaved)."""
        prefix = self.fields["doc_prefix"].text().strip()
        series = self.fields["doc_series"].text().strip().upper()
        self.number_example.setText(self.tr("{0}{1}〔2026〕3号").format(prefix, series))

    def save_shared(self) -> None:
        values: dict[str, Any] = {
            key: field.value() if isinstance(field, QSpinBox) else field.text() for key, field in self.fields.items()
        }
        values.update({key: str(box.currentData() or "") for key, box in self.font_fields.items()})
        actor = self.context.actor

        def save(s: Session) -> None:
            current = db_settings.all_settings(s)
            for key, value in values.items():
                if current.get(key) != value:
                    db_settings.set_setting(s, actor, key, value)

        self.context.write(save, changed=("settings",), parent=self)
