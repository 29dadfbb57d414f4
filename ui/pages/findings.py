"""整改跟踪: findings filtered by institution, status, severity and overdue; detail with history and actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import findings, institutions, photos
from inspections.findings import FindingDetail, FindingRow
from inspections.labels import FINDING_STATUS, SEVERITIES
from ui import documents as saving
from ui import style
from ui.context import AppContext
from ui.dialogs.finding_actions import FeedbackDialog, ReinspectionDialog
from ui.pages.base import Page, heading
from ui.widgets.table import Column, RowsModel, RowsView


def event_kind_label(kind: str) -> str:
    tr = QCoreApplication.translate
    labels = {
        "created": tr("findings", "发现问题"),
        "feedback": tr("findings", "整改反馈"),
        "passed": tr("findings", "复查通过"),
        "failed": tr("findings", "复查未通过"),
        "note": tr("findings", "备注"),
    }
    return labels.get(kind, kind)


@dataclass(frozen=True)
class _Loaded:
    rows: list[FindingRow]
    institutions: dict[uuid.UUID, str]


def status_text(row: FindingRow) -> str:
    if row.overdue_days > 0:
        return QCoreApplication.translate("findings", "{0} · 逾期 {1} 天").format(row.status_label, row.overdue_days)
    return row.status_label


class FindingsPage(Page):
    """The rectification ledger of all institutions."""

    areas = ("findings", "inspections", "all")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.detail: FindingDetail | None = None
        self._detail_html = ""
        self._thumbnails: dict[str, QImage] = {}
        self.last_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("整改跟踪")))
        top.addStretch(1)
        self.institution = QComboBox()
        self.institution.setMinimumWidth(220)
        self.institution.addItem(self.tr("全部机构"), None)
        self.status = QComboBox()
        self.status.addItem(self.tr("未关闭"), ("open", "feedback", "failed"))
        self.status.addItem(self.tr("全部状态"), None)
        for code, label in FINDING_STATUS.items():
            self.status.addItem(label, (code,))
        self.severity = QComboBox()
        self.severity.addItem(self.tr("全部程度"), None)
        for code, label in SEVERITIES.items():
            self.severity.addItem(label, code)
        self.overdue = QCheckBox(self.tr("仅逾期"))
        for widget in (self.institution, self.status, self.severity, self.overdue):
            top.addWidget(widget)
        layout.addLayout(top)

        columns: list[Column[FindingRow]] = [
            Column(self.tr("机构"), lambda r: r.institution_name, width=170),
            Column(self.tr("检查项"), lambda r: r.item_code, width=64),
            Column(self.tr("问题"), lambda r: r.problem, width=210),
            Column(
                self.tr("程度"),
                lambda r: r.severity_label,
                foreground=lambda r: style.FAIL if r.severity == "critical" else None,
                width=48,
            ),
            Column(self.tr("期限"), lambda r: r.deadline.isoformat(), width=90),
            Column(
                self.tr("状态"),
                status_text,
                sort=lambda r: (-r.overdue_days, r.status),
                foreground=lambda r: style.FAIL if r.overdue_days > 0 else None,
                width=140,
            ),
            Column(self.tr("责任科室"), lambda r: r.responsible_dept),
        ]
        overdue_bg = style.OVERDUE_BG
        for column in columns:
            column.background = lambda r: overdue_bg if r.overdue_days > 0 else None
        self.model = RowsModel(columns, self)
        self.table = RowsView(self.model)
        self.table.setObjectName("findingsTable")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        self.detail_view = QTextBrowser()
        self.detail_view.setObjectName("findingDetail")
        self.detail_view.setOpenExternalLinks(False)
        side_layout.addWidget(self.detail_view, 1)
        actions = QHBoxLayout()
        self.feedback_button = QPushButton(self.tr("录入整改反馈…"))
        self.reinspect_button = QPushButton(self.tr("复查…"))
        actions.addWidget(self.feedback_button)
        actions.addWidget(self.reinspect_button)
        side_layout.addLayout(actions)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setSizes([820, 380])
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.count_label = QLabel()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        self.notice_button = QPushButton(self.tr("整改通知书…"))
        self.notice_button.setObjectName("noticeButton")
        self.notice_button.setToolTip(self.tr("生成所选问题所属机构的整改通知书（PDF）"))
        self.ledger_button = QPushButton(self.tr("导出整改台账…"))
        self.ledger_button.setObjectName("ledgerButton")
        self.ledger_button.setToolTip(self.tr("按当前筛选导出整改台账（PDF 或 Excel）"))
        bottom.addWidget(self.notice_button)
        bottom.addWidget(self.ledger_button)
        layout.addLayout(bottom)

        for combo in (self.institution, self.status, self.severity):
            combo.currentIndexChanged.connect(self.reload)
        self.overdue.toggled.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.feedback_button.clicked.connect(self.request_feedback)
        self.reinspect_button.clicked.connect(self.request_reinspection)
        self.notice_button.clicked.connect(lambda: self.request_notice())
        self.ledger_button.clicked.connect(lambda: self.request_ledger())
        self._update_actions()

    def reload(self) -> None:
        institution_id = self.institution.currentData()
        statuses = self.status.currentData()
        severity = self.severity.currentData()
        overdue_only = self.overdue.isChecked()
        today = dt.date.today()

        def load(s: Session) -> _Loaded:
            rows = findings.list_findings(
                s,
                today=today,
                institution_id=institution_id,
                statuses=statuses,
                severity=severity,
                overdue_only=overdue_only,
            )
            return _Loaded(rows, institutions.institution_names(s))

        self.context.read(load, self._show, parent=self)

    def _show(self, loaded: _Loaded) -> None:
        selected = self.detail.row.id if self.detail else None
        if self.institution.count() == 1:
            self.institution.blockSignals(True)
            for key, name in loaded.institutions.items():
                self.institution.addItem(name, key)
            self.institution.blockSignals(False)
        self.model.set_rows(loaded.rows)
        overdue = sum(1 for r in loaded.rows if r.overdue_days > 0)
        self.count_label.setText(self.tr("共 {0} 条，其中逾期 {1} 条").format(len(loaded.rows), overdue))
        rows = self.table.visible_rows()
        index = next((n for n, r in enumerate(rows) if r.id == selected), 0 if rows else None)
        if index is not None:
            self.table.selectRow(index)
        else:
            self.detail = None
            self.detail_view.clear()
            self._update_actions()

    def _on_row_changed(self) -> None:
        row = self.table.current_row()
        if row is None:
            return
        finding_id = row.id
        today = dt.date.today()
        self.context.read(lambda s: findings.finding_detail(s, finding_id, today=today), self._show_detail, parent=self)

    def _show_detail(self, detail: FindingDetail) -> None:
        self.detail = detail
        row = detail.row
        overdue = f'<span style="color:#c62828">（逾期 {row.overdue_days} 天）</span>' if row.overdue_days else ""
        repeat = self.tr("（重复出现）") if row.repeat else ""
        parts = [
            f"<h3>{_esc(row.institution_name)}</h3>",
            f"<p><b>{_esc(row.item_code)}</b> {_esc(detail.item_text)}</p>",
            f"<p><b>{self.tr('问题')}</b>：{_esc(row.problem)}{repeat}</p>",
            f"<p><b>{self.tr('整改要求')}</b>：{_esc(row.requirement)}</p>",
            f"<p><b>{self.tr('期限')}</b>：{row.deadline.isoformat()}{overdue}　"
            f"<b>{self.tr('状态')}</b>：{_esc(row.status_label)}　"
            f"<b>{self.tr('程度')}</b>：{_esc(row.severity_label)}</p>",
            f"<h4>{self.tr('处理经过')}</h4><ul>",
        ]
        for event in detail.events:
            kind = _esc(event_kind_label(event.kind))
            lines = [f"<b>{kind}</b> {event.at:%Y-%m-%d %H:%M} · {_esc(event.actor)}"]
            if event.measure:
                lines.append(self.tr("措施：{0}").format(_esc(event.measure)))
            if event.department:
                lines.append(self.tr("责任科室：{0}").format(_esc(event.department)))
            if event.note:
                lines.append(_esc(event.note))
            if event.new_deadline:
                lines.append(self.tr("新期限：{0}").format(event.new_deadline.isoformat()))
            if event.photos:
                lines.append(
                    self.tr("照片 {0} 张：{1}").format(len(event.photos), "、".join(_esc(p[2]) for p in event.photos))
                )
            parts.append("<li>" + "<br>".join(lines) + "</li>")
        parts.append("</ul>")
        self._detail_html = "".join(parts)
        self._render_detail()
        self._update_actions()
        wanted = [sha for event in detail.events for _id, sha, _name in event.photos if sha not in self._thumbnails]
        if wanted:
            self.context.read(
                lambda s: {sha: photos.thumbnail(s, sha) for sha in wanted}, self._on_thumbnails, parent=self
            )

    def _render_detail(self) -> None:
        document = self.detail_view.document()
        for sha, image in self._thumbnails.items():
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"photo:{sha}"), image)
        self.detail_view.setHtml(self._detail_html)

    def _on_thumbnails(self, data: dict[str, bytes]) -> None:
        for sha, jpeg in data.items():
            image = QImage()
            if image.loadFromData(jpeg):
                self._thumbnails[sha] = image
        self._render_detail()

    def _update_actions(self) -> None:
        status = self.detail.row.status if self.detail else None
        self.feedback_button.setEnabled(status in ("open", "failed"))
        self.reinspect_button.setEnabled(status in ("open", "feedback", "failed"))
        self.notice_button.setEnabled(self._notice_institution() is not None)

    def _notice_institution(self) -> tuple[uuid.UUID, str] | None:
        """The selected finding's institution, else the institution filter's."""
        row = self.table.current_row()
        if row is not None:
            return row.institution_id, row.institution_name
        chosen = self.institution.currentData()
        if chosen is not None:
            return chosen, self.institution.currentText()
        return None

    def request_notice(self, path: Path | None = None) -> Path | None:
        """The 整改通知书 of the selected finding's institution as a PDF (asks where unless ``path`` is given)."""
        target = self._notice_institution()
        if target is None:
            return None
        institution_id, name = target
        today = dt.date.today()
        return saving.save_document(
            self,
            self.context,
            lambda s, out: saving.reports().notice(s, institution_id, out),
            path=path,
            title=self.tr("保存整改通知书"),
            suggested=self.tr("整改通知书-{0}-{1}.pdf").format(name, today.isoformat()),
            kinds=(saving.PDF,),
            progress=self.tr("正在生成整改通知书…"),
            done=self.tr("整改通知书已保存：{0}"),
        )

    def request_ledger(self, path: Path | None = None) -> Path | None:
        """The 整改台账 with the page's institution, status and overdue filters, as PDF or Excel by the suffix."""
        institution_id = self.institution.currentData()
        statuses = self.status.currentData()
        overdue_only = self.overdue.isChecked()
        scope_parts = [self.institution.currentText(), self.status.currentText()]
        if overdue_only:
            scope_parts.append(self.tr("仅逾期"))
        scope = " · ".join(scope_parts)
        today = dt.date.today()

        def render(s: Session, out: Path) -> object:
            if saving.kind_of(out) == saving.XLSX:
                return saving.reports().ledger_xlsx(
                    s, out, institution_id=institution_id, statuses=statuses, overdue_only=overdue_only
                )
            return saving.reports().ledger_pdf(
                s, out, scope=scope, institution_id=institution_id, statuses=statuses, overdue_only=overdue_only
            )

        name = self.institution.currentText() if institution_id is not None else self.tr("全部机构")
        return saving.save_document(
            self,
            self.context,
            render,
            path=path,
            title=self.tr("导出整改台账"),
            suggested=self.tr("整改台账-{0}-{1}.pdf").format(name, today.isoformat()),
            kinds=(saving.PDF, saving.XLSX),
            progress=self.tr("正在导出整改台账…"),
            done=self.tr("整改台账已保存：{0}"),
        )

    def request_feedback(self) -> None:
        if self.detail is None:
            return
        dialog = FeedbackDialog(self.detail.row.responsible_dept, self)
        dialog.accepted.connect(lambda: self._save_feedback(dialog.values()))
        self.last_dialog = dialog
        dialog.open()

    def _save_feedback(self, values: dict[str, object]) -> None:
        assert self.detail is not None
        actor, finding_id, version = self.context.actor, self.detail.row.id, self.detail.row.version
        self.context.write(
            lambda s: findings.record_feedback(s, actor, finding_id, expected_version=version, **values),  # type: ignore[arg-type]
            changed=("findings",),
            parent=self,
        )

    def request_reinspection(self) -> None:
        if self.detail is None:
            return
        dialog = ReinspectionDialog(self.detail.row.deadline, self)
        dialog.accepted.connect(lambda: self._save_reinspection(dialog.values()))
        self.last_dialog = dialog
        dialog.open()

    def _save_reinspection(self, values: dict[str, object]) -> None:
        assert self.detail is not None
        actor, finding_id, version = self.context.actor, self.detail.row.id, self.detail.row.version
        self.context.write(
            lambda s: findings.record_reinspection(s, actor, finding_id, expected_version=version, **values),  # type: ignore[arg-type]
            changed=("findings",),
            parent=self,
        )


def _esc(text: str) -> str:
    import html

    return html.escape(text)
