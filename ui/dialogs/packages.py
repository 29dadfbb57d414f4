"""Exchange packages in the window: export (inspections, rectification, feedback), import with preview and conflicts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.packages.format import SUFFIX as PACKAGE_SUFFIX
from models.inspection import Inspection
from ui.context import AppContext
from ui.tasks import Progress

if TYPE_CHECKING:
    from inspections.packages import Decision, ExportSummary, ImportResult, Package, Preview

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
    each conflict a choice 保留本机 / 采用数据包. 导入 is enabled once every conflict has a choice."""

    def __init__(self, preview: Preview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(self.tr("导入数据包 - 预览"))
        self.resize(820, 560)
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

        changes = [e for e in preview.entries if e.status in ("new", "updated")]
        if changes:
            layout.addWidget(QLabel(self.tr("将导入的变化：")))
            table = QTableWidget(len(changes), 4)
            table.setObjectName("previewChanges")
            table.setHorizontalHeaderLabels([self.tr("处理"), self.tr("类型"), self.tr("记录"), self.tr("说明")])
            for row, e in enumerate(changes):
                for col, text in enumerate((e.status_label, e.entity_label, e.label, e.detail)):
                    table.setItem(row, col, QTableWidgetItem(text))
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
            layout.addWidget(table, 1)

        self.choices: dict[str, QButtonGroup] = {}
        conflicts = preview.conflicts
        if conflicts:
            note = QLabel(self.tr("以下 {0} 项与本机记录不同，请逐项选择保留哪一份：").format(len(conflicts)))
            note.setWordWrap(True)
            layout.addWidget(note)
            table = QTableWidget(len(conflicts), 4)
            table.setObjectName("previewConflicts")
            table.setHorizontalHeaderLabels([self.tr("类型"), self.tr("记录"), self.tr("差异"), self.tr("处理")])
            for row, e in enumerate(conflicts):
                table.setItem(row, 0, QTableWidgetItem(e.entity_label))
                table.setItem(row, 1, QTableWidgetItem(e.label))
                diff = QTableWidgetItem(e.detail)
                diff.setToolTip(_differences(e.mine, e.theirs))
                table.setItem(row, 2, diff)
                cell = QWidget()
                row_layout = QHBoxLayout(cell)
                row_layout.setContentsMargins(4, 0, 4, 0)
                group = QButtonGroup(cell)
                for text, value in ((self.tr("保留本机"), "mine"), (self.tr("采用数据包"), "theirs")):
                    button = QRadioButton(text)
                    button.setProperty("decision", value)
                    group.addButton(button)
                    row_layout.addWidget(button)
                group.buttonClicked.connect(lambda _b: self._update_ok())
                self.choices[e.key] = group
                table.setCellWidget(row, 3, cell)
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
            layout.addWidget(table, 1)
            bulk = QHBoxLayout()
            all_mine = QPushButton(self.tr("全部保留本机"))
            all_mine.clicked.connect(lambda: self.choose_all("mine"))
            all_theirs = QPushButton(self.tr("全部采用数据包"))
            all_theirs.clicked.connect(lambda: self.choose_all("theirs"))
            bulk.addWidget(all_mine)
            bulk.addWidget(all_theirs)
            bulk.addStretch(1)
            layout.addLayout(bulk)

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

    def choose(self, key: str, decision: Decision) -> None:
        """Pick 保留本机 ("mine") or 采用数据包 ("theirs") for one conflict."""
        for button in self.choices[key].buttons():
            if button.property("decision") == decision:
                button.setChecked(True)
        self._update_ok()

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

    def _update_ok(self) -> None:
        left = self.undecided()
        self.import_button.setEnabled(left == 0 and self.preview.changes_anything)
        self.import_button.setToolTip(self.tr("还有 {0} 项冲突未选择").format(left) if left else "")


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
        dialog = PreviewDialog(preview, self.parent)
        self.last_dialog = dialog
        dialog.accepted.connect(
            lambda: run_apply(self.context, package, dialog.decisions(), self._imported, self.parent)
        )
        dialog.open()

    def _imported(self, result: ImportResult) -> None:
        self.context.message.emit(result.message)
        self._inform(_tr("导入完成"), result.message)

    def _inform(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self.parent)
        box.setObjectName("packageResult")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_dialog = box
        box.open()
