"""The editor's header: the way back, the inspection's title, the live score strip, and the mode banner."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from inspections import workflow
from inspections.scoring import InspectionScore
from inspections.workflow import InspectionView
from ui.pages.editor.team import TeamBar


class EditorHeader(QWidget):
    """“← 检查记录”, the title (which gives way so the score always shows in full), the score, the team line
    (分工 and progress), and the banner that says when the inspection is signed (read-only) or being amended."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 检查记录"))
        self.back_button.setFlat(True)
        head.addWidget(self.back_button)
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        # The title gives way (elided by the window edge) so the score always shows in full.
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.title_label, 1)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreLabel")
        score_font = self.score_label.font()
        score_font.setBold(True)
        score_font.setPointSizeF(score_font.pointSizeF() * 1.15)
        self.score_label.setFont(score_font)
        head.addWidget(self.score_label)
        layout.addLayout(head)
        self.team_bar = TeamBar()  # 督导组: each member's part and progress, and the team's actions
        layout.addWidget(self.team_bar)

        self.banner = QLabel()
        self.banner.setObjectName("editorBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

    def show_title(self, view: InspectionView) -> None:
        self.title_label.setText(
            " · ".join([view.institution_name, view.kind_label, view.date.isoformat(), "、".join(view.inspectors)])
        )

    def show_score(self, score: InspectionScore, *, draft: bool = False) -> None:
        """The score and grade once signed; a draft's score is only 暂计 (so far), without a grade."""
        percent = f"{score.percent:.1f}" if score.percent is not None else "—"
        if draft:
            veto = self.tr(" · 否决项不符合") if score.vetoed else ""
            text = self.tr("草稿 · 暂计 {0}{1} · 已答 {2}/{3}").format(percent, veto, score.answered, score.total)
        else:
            grade = workflow.overall_grade(score)
            text = self.tr("得分 {0} {1} · 已答 {2}/{3}").format(percent, grade, score.answered, score.total)
        self.score_label.setText(text)
        self.score_label.setStyleSheet("color: #c62828;" if score.vetoed else "")

    def show_voided(self) -> None:
        self.banner.setText(self.tr("这份草稿已作废（原因见审计日志），只读；不计入检查记录和批次覆盖。"))
        self.banner.setStyleSheet("background: #eeeeee; color: #555; padding: 6px;")
        self.banner.setVisible(True)

    def show_mode(self, finalized: bool, finalized_at: dt.datetime | None, amend_reason: str) -> None:
        if finalized and amend_reason:
            self.banner.setText(self.tr("修订中（原因：{0}）。每项修改都记入审计日志。").format(amend_reason))
            self.banner.setStyleSheet("background: #fff4e5; color: #8a4b00; padding: 6px;")
            self.banner.setVisible(True)
        elif finalized:
            when = finalized_at.strftime("%Y-%m-%d %H:%M") if finalized_at else ""
            self.banner.setText(self.tr("本检查已于 {0} 完成签字，只读。需要更正时点“修订…”并填写原因。").format(when))
            self.banner.setStyleSheet("background: #e8f0fe; color: #1a3e72; padding: 6px;")
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)
