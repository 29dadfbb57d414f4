"""Dashboard and bulletin figures, each checked on a small dataset whose answers are worked out by hand."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from inspections.analytics import (
    dashboard,
    failed_items,
    overdue_findings,
    ranking,
    score_distribution,
    score_trend,
)
from inspections.answer_counts import recount
from inspections.checklists.spec import ChecklistSpec, ItemSpec, ResponseOption, SectionSpec
from inspections.templates import import_checklist
from models.checklist import ChecklistItem
from models.database import Database
from models.finding import Finding
from models.inspection import Inspection, ItemResult, Round, RoundEntry
from models.reference import Institution

pytestmark = pytest.mark.postgres

TODAY = date(2026, 11, 28)
YES_NO = (
    ResponseOption("y", "是", 2, "pass"),
    ResponseOption("n", "否", 0, "fail"),
    ResponseOption("x", "不适用", None, "na"),
)


def _item(code: str, text: str, response_set: str | None = None) -> ItemSpec:
    return ItemSpec(code=code, text=text, method="现场查看", criteria="", points=2, response_set=response_set)


def _ward(version_items: tuple[ItemSpec, ...], title: str, custom: bool) -> ChecklistSpec:
    return ChecklistSpec(
        code="ward",
        version=1,
        title=title,
        sections=(SectionSpec("W", "病区", version_items),),
        response_sets={"yn": YES_NO} if custom else {},
    )


class City:
    """The hand-made dataset; ``items[(version, code)]`` are the item ids."""

    def __init__(self, s: Session) -> None:
        v1 = import_checklist(
            s,
            "system",
            _ward(
                (_item("W1", "旧文本"), _item("W2", "探视制度"), _item("W3", "陪护登记", "yn")), "病区管理（旧）", True
            ),
        )
        v2 = import_checklist(s, "system", _ward((_item("W1", "新文本"), _item("W2", "探视制度")), "病区管理", False))
        assert (v1.version, v2.version) == (1, 2)
        self.items: dict[tuple[int, str], uuid.UUID] = {}
        for template_id, version in ((v1.template_id, 1), (v2.template_id, 2)):
            for item in s.scalars(select(ChecklistItem).where(ChecklistItem.template_id == template_id)):
                self.items[(version, item.code)] = item.id
        self.inst = {name: self._institution(s, name) for name in "ABCD"}

    @staticmethod
    def _institution(s: Session, key: str) -> uuid.UUID:
        names = {"A": "上街区人民医院", "B": "济源路社区卫生服务中心", "C": "市第一人民医院", "D": "峡窝镇卫生院"}
        inst = Institution(id=uuid.uuid4(), name=names[key], level=1, district="上街区")
        s.add(inst)
        s.flush()
        return inst.id

    def inspection(
        self,
        s: Session,
        key: str,
        on: date,
        score: float | None,
        *,
        vetoed: bool = False,
        kind: str = "supervision",
        status: str = "finalized",
        results: dict[tuple[int, str], str] | None = None,
    ) -> uuid.UUID:
        inspection = Inspection(
            id=uuid.uuid4(),
            institution_id=self.inst[key],
            kind=kind,
            date=on,
            status=status,
            score=score,
            grade="不合格（否决）" if vetoed else "某等级",
            vetoed=vetoed,
        )
        s.add(inspection)
        s.flush()
        for item, response in (results or {}).items():
            s.add(ItemResult(inspection_id=inspection.id, item_id=self.items[item], response=response))
        return inspection.id

    def finding(self, s: Session, inspection_id: uuid.UUID, key: str, deadline: date, status: str) -> None:
        s.add(
            Finding(
                inspection_id=inspection_id,
                institution_id=self.inst[key],
                problem=f"问题（{status}，{deadline}）",
                severity="general",
                deadline=deadline,
                status=status,
            )
        )


@pytest.fixture
def city(db: Database) -> City:
    with db.begin() as s:
        c = City(s)
        # November: five finalized supervision inspections → average (50 + 90 + 90 + 70 + 60) / 5 = 72.
        c.inspection(s, "A", date(2026, 11, 2), 50)
        a2 = c.inspection(s, "A", date(2026, 11, 5), 90, results={(2, "W1"): "fail", (2, "W2"): "pass"})
        b = c.inspection(s, "B", date(2026, 11, 10), 90, results={(2, "W1"): "partial", (2, "W2"): "na"})
        cc = c.inspection(
            s, "C", date(2026, 11, 20), 70, vetoed=True, results={(2, "W1"): "pass", (2, "W2"): "not_checked"}
        )
        c.inspection(s, "D", date(2026, 11, 30), 60)
        # Not counted anywhere: a self-inspection and a draft.
        c.inspection(s, "A", date(2026, 11, 3), 10, kind="self", results={(2, "W1"): "fail"})
        c.inspection(s, "B", date(2026, 11, 12), 5, status="draft", results={(2, "W2"): "fail"})
        # October (old version, with the custom yes/no set): average (72 + 84) / 2 = 78.
        c.inspection(s, "A", date(2026, 10, 1), 72, results={(1, "W1"): "na", (1, "W2"): "fail", (1, "W3"): "n"})
        c.inspection(s, "B", date(2026, 10, 31), 84, results={(1, "W1"): "fail", (1, "W2"): "pass", (1, "W3"): "y"})
        # September: nothing. August: 60. December 2025 (first month of the window): 50.
        c.inspection(s, "A", date(2026, 8, 1), 60, results={(1, "W3"): "x"})
        c.inspection(s, "C", date(2025, 12, 31), 50)
        # November 2025 is outside the 12 months.
        c.inspection(s, "A", date(2025, 11, 30), 10, results={(1, "W1"): "fail", (1, "W2"): "fail", (1, "W3"): "n"})

        # Findings as of 2026-11-28: overdue = open or failed with the deadline before today.
        for deadline, status in (
            (date(2026, 11, 20), "open"),  # 8 days
            (date(2026, 11, 18), "failed"),  # 10 days
            (date(2026, 11, 1), "feedback"),  # waiting for re-inspection: not overdue
            (date(2026, 10, 1), "passed"),
            (date(2026, 11, 30), "open"),  # not due yet
            (date(2026, 11, 28), "open"),  # due today
        ):
            c.finding(s, a2, "A", deadline, status)
        for day in (25, 26, 27):
            c.finding(s, b, "B", date(2026, 11, day), "open")
        c.finding(s, cc, "C", date(2026, 11, 8), "failed")  # 20 days

        # Rounds: November plans A, B, C; two done and one not done → 2/3. October's round does not count.
        november = Round(id=uuid.uuid4(), month="2026-11", title="2026年11月督导检查", team=["张三"])
        for key, status in (("A", "done"), ("B", "done"), ("C", "not_done")):
            november.entries.append(
                RoundEntry(institution_id=c.inst[key], status=status, reason="停诊" if status == "not_done" else "")
            )
        october = Round(id=uuid.uuid4(), month="2026-10", title="2026年10月督导检查", team=["张三"])
        october.entries.append(RoundEntry(institution_id=c.inst["D"], status="planned"))
        s.add_all([november, october])
        recount(s)  # the rows above were written directly, not through finalize: count their answers as bulk loads do
    return c


def test_dashboard_figures(db: Database, city: City) -> None:
    with db.session() as s:
        d = dashboard(s, "2026-11", TODAY)
    assert (d.coverage.planned, d.coverage.done, d.coverage.not_done) == (3, 2, 1)
    assert d.coverage.percent == pytest.approx(200 / 3)
    assert d.coverage.text == "2/3 (67%)"
    assert d.inspections == 5
    assert d.average == pytest.approx(72)
    assert d.previous_average == pytest.approx(78)
    assert d.change == pytest.approx(-6)
    assert d.vetoed == 1
    assert d.overdue == 6
    assert [(o.name, o.count, o.max_days_overdue) for o in d.overdue_by_institution] == [
        ("济源路社区卫生服务中心", 3, 3),
        ("上街区人民医院", 2, 10),
        ("市第一人民医院", 1, 20),
    ]
    assert [i.item_code for i in d.failed_items] == ["W1", "W3", "W2"]


def test_trend_covers_twelve_months_with_gaps_as_none(db: Database, city: City) -> None:
    with db.session() as s:
        trend = score_trend(s, "2026-11")
    assert [p.month for p in trend] == [
        "2025-12",
        *(f"2026-{m:02d}" for m in range(1, 12)),
    ]
    averages = {p.month: p.average for p in trend}
    assert averages["2025-12"] == pytest.approx(50)
    assert averages["2026-08"] == pytest.approx(60)
    assert averages["2026-09"] is None
    assert averages["2026-10"] == pytest.approx(78)
    assert averages["2026-11"] == pytest.approx(72)
    assert [p.month for p in trend if p.average is None] == [f"2026-{m:02d}" for m in (1, 2, 3, 4, 5, 6, 7, 9)]


def test_failed_item_rate_merges_versions_and_reads_custom_response_sets(db: Database, city: City) -> None:
    with db.session() as s:
        items = failed_items(s, "2026-11")
    rows = [(i.item_code, i.item_text, i.checklist_title, i.failed, i.answered) for i in items]
    assert rows == [
        # W1: fail, partial, fail failed; pass answered too; na left out → 3 / 4.
        ("W1", "新文本", "病区管理", 3, 4),
        # W3 (custom 是/否/不适用): 否 failed, 是 answered, 不适用 left out → 1 / 2; only version 1 has it.
        ("W3", "陪护登记", "病区管理（旧）", 1, 2),
        # W2: one fail out of pass, fail, pass (na and not_checked left out) → 1 / 3.
        ("W2", "探视制度", "病区管理", 1, 3),
    ]
    assert [i.rate for i in items] == pytest.approx([3 / 4, 1 / 2, 1 / 3])
    with db.session() as s:
        assert [i.item_code for i in failed_items(s, "2026-11", limit=1)] == ["W1"]
        assert failed_items(s, "2025-06") == []


def test_overdue_findings_list(db: Database, city: City) -> None:
    with db.session() as s:
        overdue = overdue_findings(s, TODAY)
        only_a = overdue_findings(s, TODAY, institution_id=city.inst["A"])
    assert [(f.institution_name, f.days_overdue, f.status) for f in overdue] == [
        ("市第一人民医院", 20, "failed"),
        ("上街区人民医院", 10, "failed"),
        ("上街区人民医院", 8, "open"),
        ("济源路社区卫生服务中心", 3, "open"),
        ("济源路社区卫生服务中心", 2, "open"),
        ("济源路社区卫生服务中心", 1, "open"),
    ]
    assert [f.days_overdue for f in only_a] == [10, 8]


def test_score_distribution_counts_vetoed_apart(db: Database, city: City) -> None:
    with db.session() as s:
        assert score_distribution(s, "2026-11") == [("≥90", 2), ("80–90", 0), ("60–80", 1), ("<60", 1), ("否决", 1)]
        assert score_distribution(s, "2026-09") == [("≥90", 0), ("80–90", 0), ("60–80", 0), ("<60", 0), ("否决", 0)]


def test_ranking_uses_the_latest_inspection_and_puts_vetoed_last(db: Database, city: City) -> None:
    with db.session() as s:
        rows = ranking(s, "2026-11")
    assert [(r.rank, r.institution_name, r.score, r.vetoed, r.findings) for r in rows] == [
        (1, "上街区人民医院", 90, False, 6),  # its later inspection (90), not the 50 of 2 November
        (1, "济源路社区卫生服务中心", 90, False, 3),
        (3, "峡窝镇卫生院", 60, False, 0),
        (4, "市第一人民医院", 70, True, 1),  # vetoed: below every inspection that was not, whatever its score
    ]


def test_an_empty_database_gives_empty_figures(db: Database) -> None:
    with db.session() as s:
        d = dashboard(s, "2026-11", TODAY)
    assert (d.coverage.percent, d.coverage.text, d.average, d.change, d.overdue) == (None, "0/0", None, None, 0)
    assert len(d.trend) == 12
    assert all(p.average is None for p in d.trend)
    assert d.failed_items == () and d.overdue_by_institution == ()


def test_query_count_does_not_grow_with_the_data(db: Database, city: City) -> None:
    """Figures come from grouped queries: twice the inspections, results and findings, the same statements."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def figures() -> int:
        statements.clear()
        with db.session() as s:
            dashboard(s, "2026-11", TODAY)
            score_distribution(s, "2026-11")
            ranking(s, "2026-11")
        return len(statements)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        before = figures()
        with db.begin() as s:
            for day in range(1, 21):
                for key in "ABCD":
                    inspection_id = city.inspection(
                        s, key, date(2026, 11, day), 70, results={(2, "W1"): "fail", (2, "W2"): "partial"}
                    )
                    city.finding(s, inspection_id, key, date(2026, 11, day), "open")
        assert figures() == before
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
