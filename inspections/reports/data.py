"""The plain data the document builders take: filled from the database by gather.py, or by hand in tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from inspections.checklists.spec import ScoringRule

DocStatus = Literal["draft", "finalized"]

STATUS_LABELS: dict[str, str] = {"draft": "草稿", "finalized": "已定稿"}


# ---------------------------------------------------------------------------------------------------------------
# Formatting shared by every document (UI.md: 2026年11月28日 in documents, months as 2026年11月).


def cn_date(d: date) -> str:
    """``2026年11月28日`` (no zero padding, as official documents write dates)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(dt: datetime) -> str:
    """``2026年11月28日 14:03``."""
    return f"{cn_date(dt.date())} {dt:%H:%M}"


def cn_month(month: str) -> str:
    """``2026-11`` → ``2026年11月``."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def format_percent(value: float | None, digits: int = 1) -> str:
    """``87.5%``; ``—`` when there is no value (nothing applicable was scored)."""
    return "—" if value is None else f"{value:.{digits}f}%"


def format_points(value: float | None) -> str:
    """Points without a useless ``.0``: 5, 2.5, 87.25; ``—`` for none."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def scoring_formula_text(rule: ScoringRule, maximum: float | None = None) -> str:
    """The scoring rule in words, as every report prints it under the score table."""
    ratio = format_points(rule.partial_ratio * 100)
    if rule.basis == "percent":
        head = "得分率 = 实得分 ÷ 适用项满分 × 100%。"
    else:
        total = f"（满分 {format_points(maximum)} 分）" if maximum is not None else ""
        head = f"得分 = 各项实得分之和{total}。"
    responses = (
        f"符合得该项全部分值，部分符合得该项分值的 {ratio}%，不符合得 0 分；"
        "不适用与未检查的项目不计入满分（未检查项在报告中单独标出）。"
    )
    veto = "否决项判为不符合时，不论得分高低，该检查表均判定为不合格（否决）。"
    bands = sorted(rule.grades, key=lambda band: band.min, reverse=True)
    parts = [f"≥{format_points(band.min)} 分为{band.label}" for band in bands if band.min > 0]
    parts += [f"其余为{band.label}" for band in bands if band.min <= 0]
    grades = f"等级：{'，'.join(parts)}。" if parts else ""
    return head + responses + veto + grades


# ---------------------------------------------------------------------------------------------------------------
# 督导检查反馈单


@dataclass(frozen=True)
class SectionScoreRow:
    """One section's subtotal in a checklist."""

    code: str
    title: str
    earned: float
    maximum: float
    percent: float | None
    out_of_scope: str = ""  # 本次未检 / 不适用 when the section was left out of the inspection (no score)


@dataclass(frozen=True)
class ChecklistScoreRow:
    """One checklist's result in an inspection: 得分, 满分, 得分率, 等级 and veto."""

    title: str
    version: int
    earned: float
    maximum: float  # applicable maximum (不适用 and 未检查 left out)
    percent: float | None  # earned ÷ maximum × 100; None for a ``points`` basis or when nothing was applicable
    grade: str  # 优秀 / 良好 / 合格 / 不合格 (不合格（否决） when vetoed), or a custom band label
    vetoed: bool = False
    veto_items: tuple[str, ...] = ()  # "FZ1.1 独立设置" — the critical items answered 不符合
    formula: str = ""  # the scoring rule in words, e.g. from ``scoring_formula_text``
    not_checked: int = 0  # items left 未检查 (flagged in the report; 不适用 is not)
    sections: tuple[SectionScoreRow, ...] = ()
    consequences: tuple[str, ...] = ()  # "重点监督：S2.3 近一年内无迟报" — failed key items that do not veto
    out_of_scope: str = ""  # 本次未检 / 不适用 when the whole checklist was left out of the inspection


@dataclass(frozen=True)
class CriticalFailureRow:
    """A critical (veto) item answered 不符合: printed first, before everything else."""

    item_code: str
    item_text: str
    checklist_title: str
    problem: str


@dataclass(frozen=True)
class FindingRow:
    """A problem found, with what the institution must do and by when."""

    item_code: str  # "" for a free-text finding
    checklist_title: str
    problem: str
    requirement: str
    severity: str  # 一般 / 较重 / 严重
    deadline: date | None
    responsible_department: str = ""
    repeat: bool = False  # the same item failed at the previous inspection too


@dataclass(frozen=True)
class PhotoRow:
    """A photo for the appendix: JPEG bytes (already downscaled, long edge ≤ 2048 px) and its caption."""

    item_code: str
    caption: str
    jpeg: bytes
    photo_caption: str = ""  # the inspector's own caption of this photo, printed under the item's line


@dataclass(frozen=True)
class SignatureRow:
    """A signature line: the role (督导组成员 / 受检机构负责人 …) and the printed names, signed by hand."""

    role: str
    names: str = ""


@dataclass(frozen=True)
class TeamPartRow:
    """检查分工: one team member, the checklists or sections they inspected, and their signature over them."""

    member: str  # display name
    parts: str  # 预检分诊、发热门诊·三区两通道
    signed: str  # 已签署 / 未签署 / 签名无效
    signed_at: datetime | None = None  # local time
    differs: int = 0  # items of the signed part the lead decided otherwise

    @property
    def signed_lines(self) -> tuple[str, ...]:
        """As the 反馈单 prints it: 已签署, when, and how many items the lead decided otherwise."""
        lines = [self.signed]
        if self.signed_at is not None and self.signed == "已签署":
            lines.append(cn_datetime(self.signed_at))
        if self.differs:
            lines.append(f"组长另行裁定 {self.differs} 项")
        return tuple(lines)


@dataclass(frozen=True)
class ItemDetailRow:
    """One item result for the optional appendix that lists every item checked."""

    item_code: str
    item_text: str
    checklist_title: str
    response: str  # 符合 / 部分符合 / 不符合 / 不适用 / 未检查 or a custom label
    points: float | None
    maximum: float
    critical: bool = False
    note: str = ""


@dataclass(frozen=True)
class FeedbackReportData:
    """Everything a 督导检查反馈单 prints."""

    doc_number: str
    institution: str
    inspection_date: date
    kind_label: str  # 督导 / 自查 / 复查
    team: tuple[str, ...]
    hospital_representative: str
    status: DocStatus
    content_hash_short: str  # first characters of the signed content hash (empty for a draft not yet hashed)
    data_as_of: datetime
    checklists: tuple[ChecklistScoreRow, ...]
    critical_failures: tuple[CriticalFailureRow, ...] = ()
    findings: tuple[FindingRow, ...] = ()
    photos: tuple[PhotoRow, ...] = ()
    signatures: tuple[SignatureRow, ...] = (
        SignatureRow("督导组成员"),
        SignatureRow("受检机构负责人"),
    )
    issuer: str = ""  # 区卫生健康委员会 …, printed above the title when set
    item_details: tuple[ItemDetailRow, ...] = ()  # empty: no per-item appendix
    title: str = "医院感染防控督导检查反馈单"
    overall_percent: float | None = None  # the inspection's 得分率 (percent-basis checklists together), as ranked
    overall_grade: str = ""  # 优秀 … / 不合格（否决）
    reply_by: date | None = None  # the 整改报告 is due by then (the latest deadline when not set)
    contact_person: str = ""  # whom the 整改报告 goes to at the commission
    contact_phone: str = ""
    # Checklists and sections left out as a whole, one line each: “本次未检：发热门诊闭环管理·一、人员管理（停诊）”.
    scope: tuple[str, ...] = ()
    team_parts: tuple[TeamPartRow, ...] = ()  # 检查分工 of a team inspection (empty: not split between members)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


# ---------------------------------------------------------------------------------------------------------------
# 月度督导通报


@dataclass(frozen=True)
class NotDoneRow:
    """A planned institution that was not inspected this round, and why."""

    institution: str
    reason: str


@dataclass(frozen=True)
class CoverageData:
    """Planned vs done for the round."""

    planned: int
    done: int
    not_done: tuple[NotDoneRow, ...] = ()

    @property
    def rate(self) -> float | None:
        return None if self.planned == 0 else self.done * 100.0 / self.planned


@dataclass(frozen=True)
class RankingRow:
    """An institution's place in the round."""

    rank: int
    institution: str
    level: str  # 一级 / 二级 / 三级 / 未定级
    score: float | None
    grade: str
    vetoed: bool = False
    change: float | None = None  # vs the previous month, points of 得分率
    district: str = ""


@dataclass(frozen=True)
class ScoreBin:
    """A bar of the score distribution: ``label`` (e.g. ``90–100``) and how many institutions fell in it."""

    label: str
    count: int


@dataclass(frozen=True)
class FailedItemRow:
    """A commonly failed item: how often it was answered 不符合 or 部分符合 (未达标) out of how often it was checked
    (不适用 and 未检查 not counted)."""

    item_code: str
    item_text: str
    checklist_title: str
    failed: int
    checked: int

    @property
    def rate(self) -> float | None:
        return None if self.checked == 0 else self.failed * 100.0 / self.checked


@dataclass(frozen=True)
class OverdueRow:
    """Overdue rectifications of one institution."""

    institution: str
    overdue_count: int
    max_overdue_days: int
    item_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrendPoint:
    """One month on the 12-month trend chart."""

    month: str  # YYYY-MM
    average_score: float | None
    coverage_rate: float | None = None


@dataclass(frozen=True)
class BulletinData:
    """Everything a 月度督导通报 prints."""

    month: str  # YYYY-MM
    title: str
    issuer: str
    doc_number: str
    issue_date: date
    data_as_of: datetime
    coverage: CoverageData
    ranking: tuple[RankingRow, ...] = ()
    distribution: tuple[ScoreBin, ...] = ()
    failed_items: tuple[FailedItemRow, ...] = ()
    overdue: tuple[OverdueRow, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    summary: str = ""  # an optional opening paragraph written by the office
    status: DocStatus = "finalized"
    uninspected: tuple[str, ...] = ()  # planned institutions neither inspected nor excused yet (month not complete)
    copy_to: str = ""  # 抄送 of the 版记

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


# ---------------------------------------------------------------------------------------------------------------
# 整改通知书 and 整改台账


@dataclass(frozen=True)
class NoticeFindingRow:
    """An open finding as a notice lists it."""

    item_code: str
    problem: str
    requirement: str
    deadline: date | None
    severity: str = "一般"
    status: str = "待整改"
    inspection_date: date | None = None
    overdue_days: int = 0


@dataclass(frozen=True)
class NoticeData:
    """Everything a 整改通知书 prints: one institution's open findings."""

    institution: str
    doc_number: str
    issuer: str
    issue_date: date
    data_as_of: datetime
    findings: tuple[NoticeFindingRow, ...]
    reply_by: date | None = None  # when the institution must report back; defaults to the latest deadline
    contact: str = ""  # 联系人及电话
    status: DocStatus = "finalized"
    inspection_kinds: tuple[str, ...] = ()  # the kinds (督导 / 自查 / 复查) of the inspections the findings come from
    copy_to: str = ""  # 抄送 of the 版记

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass(frozen=True)
class LedgerRow:
    """One row of the 整改台账: a finding and where its rectification stands."""

    institution: str
    item_code: str
    problem: str
    requirement: str
    severity: str
    deadline: date | None
    status: str  # 待整改 / 已反馈 / 复查通过 / 复查未通过
    overdue_days: int = 0
    feedback: str = ""  # the institution's measures
    reinspection: str = ""  # the re-inspection verdict and date
    found_on: date | None = None
    responsible_department: str = ""
    item_text: str = ""

    @property
    def item_label(self) -> str:
        """The item as the ledger names it: its code and a short title (the full text is in the 反馈单)."""
        return " ".join(part for part in (self.item_code, short_title(self.item_text)) if part) or "—"


def short_title(text: str, limit: int = 10) -> str:
    """The first phrase of an item's text, cut at punctuation (never mid-word) to about ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text.rstrip("。；，、：")
    for mark in "。；：，、（(":
        cut = text.find(mark, 2)
        if 0 < cut <= limit:
            return text[:cut]
    return text[:limit] + "…"


@dataclass(frozen=True)
class LedgerData:
    """The 整改台账 as a document: a title line, the scope and the rows."""

    rows: tuple[LedgerRow, ...]
    data_as_of: datetime
    title: str = "医院感染防控督导整改台账"
    scope: str = ""  # e.g. "2026年11月 · 全部机构 · 未关闭"
    issuer: str = ""
    open_only: bool = False  # only items still owed (the default of ``report ledger``)


# ---------------------------------------------------------------------------------------------------------------
# Inspection results (.xlsx)


class ResultRow(NamedTuple):
    """One item result of one inspection, for the results workbook (a named tuple: a city's export makes millions)."""

    institution: str
    inspection_date: date
    kind_label: str
    checklist_title: str
    item_code: str
    item_text: str
    response: str
    points: float | None
    maximum: float
    note: str = ""
    critical: bool = False


class ResultSummaryRow(NamedTuple):
    """One checklist result of one inspection, for the summary sheet."""

    institution: str
    inspection_date: date
    kind_label: str
    checklist_title: str
    earned: float
    maximum: float
    percent: float | None
    grade: str
    vetoed: bool = False


@dataclass(frozen=True)
class ResultsExport:
    """What the results workbook holds."""

    rows: tuple[ResultRow, ...]
    summary: tuple[ResultSummaryRow, ...] = ()
    data_as_of: datetime | None = None
    # One row per section of each checklist result (sheet 分组小计): checklist_title is "检查表 / 分组".
    sections: tuple[ResultSummaryRow, ...] = ()
