"""Exchange packages in the window: export (inspections, rectification, feedback), import with preview and conflicts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.packages.format import SUFFIX as PACKAGE_SUFFIX
from models.inspection import Inspection
from ui.context import AppContext
from ui.dialogs.item_conflicts import ConflictDetail, PhotoSource, conflict_summary
from ui.tasks import Progress

if TYPE_CHECKING:
    from inspections.packages import Decision, ExportSummary, ImportResult, Package, Preview
    from inspections.packages.importing.preview import PreviewEntry

EXPORT_KINDS = ("inspections", "rectification", "feedback")


def _tr(text: str) -> str:
    return QCoreApplication.translate("packages", text)


def _titles() -> dict[str, str]:
    return {
        "inspections": _tr("导出检查数据包"),
        "rectification": _tr("导出整改通知包"),
        "feedback": _tr("导出整改反馈包"),
    }


Target = uuid.UUID | str  # a round or an institution id; for inspections also a month "YYYY-MM"


def _choices(session: Session, kind: str, user_institution: uuid.UUID | None) -> list[tuple[str, Target]]:
    """What can be exported: the rounds and the months with finalized inspections (inspection package), or the
    institutions (rectification / feedback)."""
    if kind == "inspections":
        from inspections.rounds import list_rounds

        rounds: list[tuple[str, Target]] = [(f"{r.month} {r.title}", r.id) for r in list_rounds(session)]
        dates = session.scalars(select(Inspection.date).where(Inspection.status == "finalized").distinct())
        months = sorted({d.strftime("%Y-%m") for d in dates}, reverse=True)
        return rounds + [(_tr("{0} 全部已完成的检查").format(m), m) for m in months]
    from inspections.institutions import institution_names

    names = institution_names(session)
    if user_institution is not None:
        return [(names.get(user_institution, str(user_institution)), user_institution)]
    return [(name, institution_id) for institution_id, name in names.items()]


def _finalized_in(session: Session, month: str) -> list[uuid.UUID]:
    """The finalized inspections of a month ("YYYY-MM")."""
    first = dt.date.fromisoformat(f"{month}-01")
    after = (first + dt.timedelta(days=32)).replace(day=1)
    query = select(Inspection.id).where(
        Inspection.status == "finalized", Inspection.date >= first, Inspection.date < after
    )
    return list(session.scalars(query))


class ExportDialog(QDialog):
    """Choose what goes into the package: a round, or an institution."""

    def __init__(self, kind: str, choices: list[tuple[str, Target]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(_titles()[kind])
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        hint = {
            "inspections": self.tr(
                "导出一个督导批次或一个月已完成的检查（含结果、整改项、照片、检查表和机构），交给督导办汇总。"
            ),
            "rectification": self.tr("导出一家机构待整改的问题（含照片和期限），交给医院填报整改情况。"),
            "feedback": self.tr("导出本机构已填报的整改反馈（措施、责任科室、整改后照片），交回督导办。"),
        }[kind]
        text = QLabel(hint)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.target = QComboBox()
        self.target.setObjectName("exportTarget")
        for label, value in choices:
            self.target.addItem(label, value)
        form.addRow(self.tr("督导批次") if kind == "inspections" else self.tr("医疗机构"), self.target)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("选择保存位置…"))
        self.ok_button.setEnabled(bool(choices))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if not choices:
            layout.addWidget(
                QLabel(self.tr("没有可导出的督导批次") if kind == "inspections" else self.tr("没有医疗机构"))
            )

    def target_id(self) -> Target | None:
        value = self.target.currentData()
        return value if isinstance(value, uuid.UUID | str) else None

    def target_label(self) -> str:
        return self.target.currentText()


def run_export(
    context: AppContext,
    kind: str,
    target: Target,
    path: Path,
    on_done: Callable[[ExportSummary], None],
    parent: QWidget | None = None,
) -> None:
    """Write the package in the background with a progress dialog (exporting changes nothing in the database)."""
    from inspections.packages import export_feedback, export_inspections, export_rectification

    db = context._require_db()
    user, actor = context.user, context.actor

    def work(progress: Progress) -> ExportSummary:
        with db.session() as s:
            if kind == "inspections" and isinstance(target, str):
                return export_inspections(
                    s,
                    path,
                    exporter=actor,
                    inspection_ids=_finalized_in(s, target),
                    user=user,
                    progress=progress.update,
                )
            if kind == "inspections" and isinstance(target, uuid.UUID):
                return export_inspections(s, path, exporter=actor, round_id=target, user=user, progress=progress.update)
            assert isinstance(target, uuid.UUID)
            export = export_rectification if kind == "rectification" else export_feedback
            return export(s, path, target, exporter=actor, user=user, progress=progress.update)

    context.tasks.run_in_background(work, on_done, parent=parent, progress=_tr("正在导出数据包…"))


class PreviewDialog(QDialog):
    """What importing would do: counts of new / updated / unchanged / conflicting records, the changes, and for
    each conflict a choice 保留本机 / 采用导入, the current one shown side by side (1 / 2 decide it from the
    keyboard). 导入 is enabled once every conflict has a choice.

    ``mine_photo`` / ``theirs_photo`` give a photo's JPEG by sha256 (here, and in the package) for the thumbnails
    of a checklist item's conflict; without them the photos are counted.
    """

    def __init__(
        self,
        preview: Preview,
        parent: QWidget | None = None,
        *,
        mine_photo: PhotoSource | None = None,
        theirs_photo: PhotoSource | None = None,
    ) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(self.tr("导入数据包 - 预览"))
        layout = QVBoxLayout(self)
        head = QLabel(preview.message.replace(f"\n{preview.signature}", "") if preview.signature else preview.message)
        head.setObjectName("previewSummary")
        head.setWordWrap(True)
        layout.addWidget(head)
        # Who signed it, and whether the signature holds here, before anything is applied.
        signature = QLabel(
            (self.tr("✔ ") if preview.signed else self.tr("⚠ ")) + (preview.signature or self.tr("数据包未签名"))
        )
        signature.setObjectName("previewSignature")
        signature.setWordWrap(True)
        signature.setStyleSheet("color: #067647;" if preview.signed else "color: #b54708;")
        layout.addWidget(signature)
        counts = preview.counts()
        self.counts_label = QLabel(
            self.tr("新增 {0}　更新 {1}　无变化 {2}　冲突 {3}").format(
                counts.get("new", 0), counts.get("updated", 0), counts.get("unchanged", 0), counts.get("conflict", 0)
            )
        )
        self.counts_label.setObjectName("previewCounts")
        font = self.counts_label.font()
        font.setBold(True)
        self.counts_label.setFont(font)
        layout.addWidget(self.counts_label)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("previewTabs")
        self.choices: dict[str, QButtonGroup] = {}
        self.conflict_table: QTableWidget | None = None
        self.detail: ConflictDetail | None = None
        conflicts = preview.conflicts
        if conflicts:
            self.tabs.addTab(
                self._conflicts_page(conflicts, mine_photo, theirs_photo),
                self.tr("待决定的冲突（{0}）").format(len(conflicts)),
            )
        changes = [e for e in preview.entries if e.status in ("new", "updated")]
        if changes:
            table = QTableWidget(len(changes), 4)
            table.setObjectName("previewChanges")
            table.setHorizontalHeaderLabels([self.tr("处理"), self.tr("类型"), self.tr("记录"), self.tr("说明")])
            for row, e in enumerate(changes):
                for col, text in enumerate((e.status_label, _entity_label(e), e.label, e.detail)):
                    table.setItem(row, col, QTableWidgetItem(text))
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
            self.tabs.addTab(table, self.tr("将导入的变化（{0}）").format(len(changes)))
        if self.tabs.count():
            layout.addWidget(self.tabs, 1)
        else:
            self.tabs.setVisible(False)

        if not preview.changes_anything:
            layout.addWidget(QLabel(self.tr("数据包中的记录与本机完全相同，导入不会改变任何内容。")))
        layout.addStretch(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText(self.tr("导入"))
        self.import_button.setObjectName("importButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_ok()
        self._fit_screen(900, 640)
        if self.conflict_table is not None:
            self.conflict_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit_screen(self, width: int, height: int) -> None:
        """As large as wanted, but never beyond the screen (a laptop at 150 % has ~850×480 to show it in)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 20), min(height, room.height() - 40)
        self.resize(width, height)

    def _conflicts_page(
        self, conflicts: tuple[PreviewEntry, ...], mine_photo: PhotoSource | None, theirs_photo: PhotoSource | None
    ) -> QWidget:
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(4, 4, 4, 4)
        note = QLabel(
            self.tr("以下 {0} 项与本机记录不同，请逐项选择（1 保留本机，2 采用导入，↑↓ 换一项）：").format(
                len(conflicts)
            )
        )
        note.setWordWrap(True)
        page_layout.addWidget(note)
        split = QSplitter(Qt.Orientation.Vertical)
        table = QTableWidget(len(conflicts), 4)
        table.setObjectName("previewConflicts")
        table.setHorizontalHeaderLabels(
            [self.tr("类型"), self.tr("记录"), self.tr("差异（本机 ／ 数据包）"), self.tr("处理")]
        )
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.conflict_keys: list[str] = []
        for row, e in enumerate(conflicts):
            table.setItem(row, 0, QTableWidgetItem(_entity_label(e)))
            # An item label starts with the inspection (机构 日期), the same on every row: the item tells them apart.
            record = QTableWidgetItem(" · ".join(e.label.split(" · ")[-2:]) if e.entity == "item" else e.label)
            record.setToolTip(e.label)
            table.setItem(row, 1, record)
            diff = QTableWidgetItem(conflict_summary(e))
            diff.setToolTip(_differences(e.mine, e.theirs))
            table.setItem(row, 2, diff)
            cell = QWidget()
            row_layout = QHBoxLayout(cell)
            row_layout.setContentsMargins(4, 0, 4, 0)
            group = QButtonGroup(cell)
            for text, value in ((self.tr("保留本机"), "mine"), (self.tr("采用导入"), "theirs")):
                button = QRadioButton(text)
                button.setProperty("decision", value)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row is decided with 1 / 2 from the table
                group.addButton(button)
                row_layout.addWidget(button)
            group.buttonClicked.connect(lambda _b: self._on_decided())
            self.choices[e.key] = group
            self.conflict_keys.append(e.key)
            table.setCellWidget(row, 3, cell)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.installEventFilter(self)
        self.conflict_table = table
        split.addWidget(table)
        self.detail = ConflictDetail(mine_photo, theirs_photo)
        self.detail.mine_button.clicked.connect(lambda: self.decide_current("mine"))
        self.detail.theirs_button.clicked.connect(lambda: self.decide_current("theirs"))
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        page_layout.addWidget(split, 1)
        bulk = QHBoxLayout()
        all_mine = QPushButton(self.tr("全部保留本机"))
        all_mine.setObjectName("allMine")
        all_mine.clicked.connect(lambda: self.choose_all("mine"))
        all_theirs = QPushButton(self.tr("全部采用导入"))
        all_theirs.setObjectName("allTheirs")
        all_theirs.clicked.connect(lambda: self.choose_all("theirs"))
        bulk.addWidget(all_mine)
        bulk.addWidget(all_theirs)
        bulk.addStretch(1)
        page_layout.addLayout(bulk)
        self._conflicts = conflicts
        table.currentCellChanged.connect(lambda row, *_a: self._show_conflict(row))
        table.setCurrentCell(0, 1)
        self._show_conflict(0)
        return page

    def _show_conflict(self, row: int) -> None:
        if self.detail is None or not 0 <= row < len(self._conflicts):
            return
        entry = self._conflicts[row]
        self.detail.show_entry(entry, self.decisions().get(entry.key))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.conflict_table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            decision = {Qt.Key.Key_1: "mine", Qt.Key.Key_2: "theirs"}.get(Qt.Key(event.key()))
            if decision is not None and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.decide_current("mine" if decision == "mine" else "theirs")
                return True
        return super().eventFilter(watched, event)

    def current_conflict(self) -> str | None:
        """The key of the conflict shown in detail."""
        if self.conflict_table is None:
            return None
        row = self.conflict_table.currentRow()
        return self.conflict_keys[row] if 0 <= row < len(self.conflict_keys) else None

    def decide_current(self, decision: Decision) -> None:
        """Decide the conflict shown, then on to the next one still undecided (or the next row)."""
        key = self.current_conflict()
        if key is None or self.conflict_table is None:
            return
        self.choose(key, decision)
        decided = self.decisions()
        row = self.conflict_keys.index(key)
        order = self.conflict_keys[row + 1 :] + self.conflict_keys[:row]
        following = next((k for k in order if k not in decided), None)
        if following is not None:
            self.conflict_table.setCurrentCell(self.conflict_keys.index(following), 1)
        self._show_conflict(self.conflict_table.currentRow())

    def choose(self, key: str, decision: Decision) -> None:
        """Pick 保留本机 ("mine") or 采用导入 ("theirs") for one conflict."""
        for button in self.choices[key].buttons():
            if button.property("decision") == decision:
                button.setChecked(True)
        self._on_decided()

    def choose_all(self, decision: Decision) -> None:
        for key in self.choices:
            self.choose(key, decision)

    def decisions(self) -> dict[str, Decision]:
        result: dict[str, Decision] = {}
        for key, group in self.choices.items():
            checked = group.checkedButton()
            if checked is not None:
                result[key] = "mine" if checked.property("decision") == "mine" else "theirs"
        return result

    def undecided(self) -> int:
        return len(self.choices) - len(self.decisions())

    def _on_decided(self) -> None:
        self._update_ok()
        if self.detail is not None:
            key = self.current_conflict()
            self.detail.show_decision(self.decisions().get(key) if key else None)
        if self.conflict_keys_decided_label() and self.tabs.count():
            self.tabs.setTabText(0, self.conflict_keys_decided_label())

    def conflict_keys_decided_label(self) -> str:
        if not self.choices:
            return ""
        left = self.undecided()
        if left:
            return self.tr("待决定的冲突（{0}/{1}）").format(left, len(self.choices))
        return self.tr("冲突（{0} 项已决定）").format(len(self.choices))

    def _update_ok(self) -> None:
        left = self.undecided()
        self.import_button.setEnabled(left == 0 and self.preview.changes_anything)
        self.import_button.setToolTip(self.tr("还有 {0} 项冲突未选择").format(left) if left else "")


def _package_photo(package: Package, sha256: str) -> bytes | None:
    """A photo carried in the package (None when it is not, or no longer matches its checksum)."""
    from inspections.errors import UserError

    try:
        return package.photo(sha256)
    except UserError:
        return None


def _entity_label(entry: PreviewEntry) -> str:
    """The kind of record; a team inspection's checklist item is 检查项."""
    return _tr("检查项") if entry.entity == "item" else entry.entity_label


def _differences(mine: object, theirs: object) -> str:
    a = mine if isinstance(mine, dict) else {}
    b = theirs if isinstance(theirs, dict) else {}
    lines = [f"{k}：本机 {a.get(k)!s} ／ 数据包 {b.get(k)!s}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "\n".join(lines)


def run_preview(
    context: AppContext,
    path: Path,
    on_done: Callable[[tuple[Package, Preview]], None],
    parent: QWidget | None = None,
) -> None:
    """Check the file completely and compute the preview in the background (nothing is changed)."""
    from inspections.packages import preview_package, read_package

    db = context._require_db()
    user = context.user

    def work(progress: Progress) -> tuple[Package, Preview]:
        progress.update(0, 0, _tr("正在检查数据包…"))
        package = read_package(path)
        with db.session() as s:
            return package, preview_package(s, package, user=user)

    context.tasks.run_in_background(work, on_done, parent=parent, progress=_tr("正在检查数据包…"))


def run_apply(
    context: AppContext,
    package: Package,
    decisions: dict[str, Decision],
    on_done: Callable[[ImportResult], None],
    parent: QWidget | None = None,
) -> None:
    """Apply the package in one transaction in the background; then every page reloads."""
    from inspections.packages import apply_package

    user, actor = context.user, context.actor

    def work(s: Session, progress: Progress) -> ImportResult:
        return apply_package(s, actor, package, decisions=decisions, user=user, progress=progress.update)

    context.write_with_progress(
        work, on_done, label=_tr("正在导入数据包…"), changed="all", cancellable=False, parent=parent
    )


class PackageActions:
    """The 数据包 menu's actions for a window: each opens its dialogs and runs the work in the background.

    Attributes:
        last_dialog: the dialog or message box shown last (tests look at it).
    """

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self.context = context
        self.parent = parent
        self.last_dialog: QWidget | None = None

    # -- export ---------------------------------------------------------------------------------------------------

    def export(self, kind: str) -> None:
        user = self.context.user
        institution = user.institution_id if user is not None and user.role == "hospital" else None
        self.context.read(
            lambda s: _choices(s, kind, institution),
            lambda choices: self._ask_export(kind, choices),
            parent=self.parent,
        )

    def _ask_export(self, kind: str, choices: list[tuple[str, Target]]) -> None:
        dialog = ExportDialog(kind, choices, self.parent)
        self.last_dialog = dialog
        dialog.accepted.connect(lambda: self._choose_file(kind, dialog))
        dialog.open()

    def _choose_file(self, kind: str, dialog: ExportDialog) -> None:
        target = dialog.target_id()
        if target is None:
            return
        prefix = {"inspections": "检查数据包", "rectification": "整改通知包", "feedback": "整改反馈包"}[kind]
        label = dialog.target_label().replace(" ", "_").replace("/", "_")
        name = f"{prefix}_{label}_{dt.date.today():%Y%m%d}{PACKAGE_SUFFIX}"
        start = str(Path(str(self.context.settings.value("packages/last_dir", "") or Path.home())) / name)
        chosen, _ = QFileDialog.getSaveFileName(self.parent, _titles()[kind], start, _tr("数据包 (*.ygpkg)"))
        if chosen:
            self.export_to(kind, target, Path(chosen))

    def export_to(self, kind: str, target: Target, path: Path) -> None:
        if path.suffix.lower() not in (PACKAGE_SUFFIX, ".zip"):
            path = path.with_name(path.name + PACKAGE_SUFFIX)
        self.context.settings.setValue("packages/last_dir", str(path.parent))
        run_export(self.context, kind, target, path, self._exported, self.parent)

    def _exported(self, summary: ExportSummary) -> None:
        self.context.message.emit(_tr("已导出到 {0}").format(str(summary.path)))
        self._inform(_tr("导出完成"), f"{summary.message}\n\n{summary.path}")

    # -- import ---------------------------------------------------------------------------------------------------

    def import_package(self) -> None:
        start = str(self.context.settings.value("packages/last_dir", "") or Path.home())
        chosen, _ = QFileDialog.getOpenFileName(
            self.parent, _tr("导入数据包"), start, _tr("数据包 (*.ygpkg *.zip);;所有文件 (*)")
        )
        if chosen:
            self.context.settings.setValue("packages/last_dir", str(Path(chosen).parent))
            self.import_from(Path(chosen))

    def import_from(self, path: Path) -> None:
        run_preview(self.context, path, self._show_preview, self.parent)

    def _show_preview(self, result: tuple[Package, Preview]) -> None:
        package, preview = result
        dialog = PreviewDialog(
            preview, self.parent, mine_photo=self._local_photo, theirs_photo=lambda sha: _package_photo(package, sha)
        )
        self.last_dialog = dialog
        dialog.accepted.connect(
            lambda: run_apply(self.context, package, dialog.decisions(), self._imported, self.parent)
        )
        dialog.open()

    def _local_photo(self, sha256: str) -> bytes | None:
        """A thumbnail of a photo stored here (None when it is not)."""
        from inspections import photos
        from inspections.errors import UserError

        try:
            return self.context.read_now(lambda s: photos.thumbnail(s, sha256))
        except UserError:
            return None

    def _imported(self, result: ImportResult) -> None:
        self.context.message.emit(result.message)
        self._inform(_tr("导入完成"), result.message)

    def _inform(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self.parent)
        box.setObjectName("packageResult")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_dialog = box
        box.open()
