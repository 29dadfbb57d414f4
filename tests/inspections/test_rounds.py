"""Rounds: planning a month's institutions and checklists, coverage, not-done reasons, starting inspections."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import Applicability, ChecklistSpec, ItemSpec, SectionSpec
from inspections.errors import ConflictError, NotFoundError, PermissionDenied, ReadOnlyError, UserError
from inspections.rounds import (
    RoundScope,
    add_institutions,
    create_round,
    entry_for_inspection,
    list_rounds,
    mark_not_done,
    remove_entry,
    reopen_entry,
    round_detail,
    set_entry_checklists,
    set_entry_inspectors,
    start_entry_inspection,
)
from inspections.templates import import_checklist
from models.audit import AuditEvent
from models.database import Database
from models.inspection import Inspection, RoundEntry
from models.reference import Institution

pytestmark = pytest.mark.postgres

ACTOR = "张三"


def _spec(code: str, title: str, *, fever: bool | None = None) -> ChecklistSpec:
    item = ItemSpec(code="A1.1", text="建立制度", method="查阅资料", criteria="未建立不得分", points=5)
    return ChecklistSpec(
        code=code,
        version=1,
        title=title,
        sections=(SectionSpec("A1", "制度", (item,)),),
        applies_to=Applicability(has_fever_clinic=fever),
    )


def _institution(
    s: Session,
    name: str,
    level: int,
    *,
    district: str = "上街区",
    fever: bool = False,
    active: bool = True,
    category: str = "综合医院",
) -> uuid.UUID:
    inst = Institution(
        id=uuid.uuid4(),
        name=name,
        level=level,
        district=district,
        has_fever_clinic=fever,
        active=active,
        category=category,
    )
    s.add(inst)
    s.flush()
    return inst.id


@pytest.fixture
def city(db: Database) -> dict[str, uuid.UUID]:
    """Two checklists (one for fever clinics only) and five institutions, one unrated and one inactive."""
    with db.begin() as s:
        ids = {
            "triage": import_checklist(s, "system", _spec("triage", "预检分诊")).template_id,
            "fever": import_checklist(
                s, "system", _spec("fever-clinic-zoning", "发热门诊三区两通道", fever=True)
            ).template_id,
            "people": _institution(s, "上街区人民医院", 2, fever=True),
            "health": _institution(s, "济源路社区卫生服务中心", 1, category="社区卫生服务中心"),
            "city": _institution(s, "市第一人民医院", 3, district="中原区", fever=True),
            "clinic": _institution(s, "某诊所", 0),
            "closed": _institution(s, "已停业卫生院", 1, active=False),
        }
    return ids


def _entries(s: Session, round_id: uuid.UUID) -> dict[uuid.UUID, RoundEntry]:
    return {e.institution_id: e for e in s.scalars(select(RoundEntry).where(RoundEntry.round_id == round_id))}


def test_round_plans_every_active_rated_institution_with_its_applicable_checklists(
    db: Database, city: dict[str, uuid.UUID]
) -> None:
    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三", " 李四 ", "张三"])
    with db.session() as s:
        entries = _entries(s, round_id)
        detail = round_detail(s, round_id)
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(round_id))).one()
    assert set(entries) == {city["people"], city["health"], city["city"]}  # not the unrated or the inactive one
    assert entries[city["people"]].template_ids == [str(city["triage"]), str(city["fever"])]
    assert entries[city["health"]].template_ids == [str(city["triage"])]  # no fever clinic
    assert entries[city["city"]].inspectors == ["张三", "李四"]
    assert detail.title == "2026年11月督导检查"
    assert detail.month == "2026-11"
    by_name = {e.institution_name: e for e in detail.entries}
    assert by_name["上街区人民医院"].checklist_titles == ("预检分诊", "发热门诊三区两通道")
    assert [e.level for e in detail.entries] == [3, 2, 1]
    assert (detail.planned, detail.done, detail.coverage) == (3, 0, 0.0)
    assert audit.action == "round.create"


def test_scope_filters_and_explicit_institutions(db: Database, city: dict[str, uuid.UUID]) -> None:
    with db.begin() as s:
        district = create_round(
            s, ACTOR, month="2026-11", title="上街区专项", team=["张三"], scope=RoundScope(districts=("上街区",))
        )
        second_level = create_round(
            s,
            ACTOR,
            month="2026-11",
            title="二级以上",
            team=["张三"],
            scope=RoundScope(levels=(2, 3), categories=("综合医院",)),
        )
        named = create_round(
            s, ACTOR, month="2026-11", title="点名", team=["张三"], scope=RoundScope(institution_ids=(city["clinic"],))
        )
        assert set(_entries(s, district)) == {city["people"], city["health"]}
        assert set(_entries(s, second_level)) == {city["people"], city["city"]}
        assert set(_entries(s, named)) == {city["clinic"]}


def test_bad_month_duplicate_title_and_empty_scope_are_refused_in_chinese(
    db: Database, city: dict[str, uuid.UUID]
) -> None:
    with db.begin() as s:
        for bad in ("2026-13", "2026/11", "十一月", ""):
            with pytest.raises(UserError, match="月份格式不正确"):
                create_round(s, ACTOR, month=bad, team=["张三"])
        create_round(s, ACTOR, month="2026-11", team=["张三"])
        with pytest.raises(ConflictError, match="2026年11月已有名为“2026年11月督导检查”的督导批次"):
            create_round(s, ACTOR, month="2026-11", team=["李四"])
        create_round(s, ACTOR, month="2026-12", team=["张三"])  # the same default title in another month is fine
        with pytest.raises(UserError, match="所选范围内没有医疗机构"):
            create_round(s, ACTOR, month="2027-01", team=["张三"], scope=RoundScope(districts=("不存在区",)))
        with pytest.raises(NotFoundError):
            create_round(s, ACTOR, month="2027-01", team=["张三"], scope=RoundScope(institution_ids=(uuid.uuid4(),)))


def test_checklists_in_force_on_the_round_date(db: Database, city: dict[str, uuid.UUID]) -> None:
    later = ChecklistSpec(
        code="ward",
        version=1,
        title="病区管理",
        effective_from=date(2026, 12, 1),
        sections=_spec("ward", "病区管理").sections,
    )
    with db.begin() as s:
        ward = import_checklist(s, "system", later).template_id
        november = create_round(s, ACTOR, month="2026-11", team=["张三"])
        december = create_round(s, ACTOR, month="2026-12", team=["张三"])
        assert str(ward) not in _entries(s, november)[city["health"]].template_ids
        assert str(ward) in _entries(s, december)[city["health"]].template_ids


def test_not_done_stays_in_the_denominator_with_its_reason(db: Database, city: dict[str, uuid.UUID]) -> None:
    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三"])
        entries = _entries(s, round_id)
        entries[city["people"]].status = "done"
        entries[city["city"]].status = "done"
        with pytest.raises(UserError, match="请填写未完成检查的原因"):
            mark_not_done(s, ACTOR, entries[city["health"]].id, "  ")
        mark_not_done(s, ACTOR, entries[city["health"]].id, "机构装修停诊")
        with pytest.raises(ReadOnlyError):
            mark_not_done(s, ACTOR, entries[city["city"]].id, "误操作")
    with db.session() as s:
        detail = round_detail(s, round_id)
        [row] = list_rounds(s)
    assert (detail.planned, detail.done, detail.not_done) == (3, 2, 1)
    assert detail.coverage == pytest.approx(2 / 3)
    assert detail.coverage_text == "2/3 (67%)"
    not_done = next(e for e in detail.entries if e.status == "not_done")
    assert (not_done.institution_name, not_done.reason) == ("济源路社区卫生服务中心", "机构装修停诊")
    assert (row.planned, row.done, row.not_done) == (3, 2, 1)
    assert row.coverage == pytest.approx(2 / 3)

    with db.begin() as s:
        reopen_entry(s, ACTOR, not_done.id)
    with db.session() as s:
        again = next(e for e in round_detail(s, round_id).entries if e.id == not_done.id)
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(not_done.id))))
    assert (again.status, again.reason) == ("planned", "")
    assert actions == ["round_entry.not_done", "round_entry.reopen"]


def test_changing_checklists_inspectors_and_institutions(db: Database, city: dict[str, uuid.UUID]) -> None:
    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三", "李四"], scope=RoundScope(levels=(2, 3)))
        entry = _entries(s, round_id)[city["people"]]
        set_entry_checklists(s, ACTOR, entry.id, [city["fever"]])
        set_entry_inspectors(s, ACTOR, entry.id, ["王五", ""])
        with pytest.raises(UserError, match="请至少选择一张检查表"):
            set_entry_checklists(s, ACTOR, entry.id, [])
        with pytest.raises(NotFoundError):
            set_entry_checklists(s, ACTOR, entry.id, [uuid.uuid4()])
        with pytest.raises(UserError, match="请至少填写一名检查人员"):
            set_entry_inspectors(s, ACTOR, entry.id, [" "])
        added = add_institutions(s, ACTOR, round_id, [city["health"], city["people"]])
        assert len(added) == 1  # the one already in the round is left alone
        assert add_institutions(s, ACTOR, round_id, [city["health"]]) == []
    with db.session() as s:
        detail = round_detail(s, round_id)
    rows = {e.institution_name: e for e in detail.entries}
    assert rows["上街区人民医院"].checklist_titles == ("发热门诊三区两通道",)
    assert rows["上街区人民医院"].inspectors == ("王五",)
    assert rows["济源路社区卫生服务中心"].checklist_titles == ("预检分诊",)
    assert rows["济源路社区卫生服务中心"].inspectors == ("张三", "李四")
    assert detail.planned == 3

    with db.begin() as s:
        remove_entry(s, ACTOR, rows["济源路社区卫生服务中心"].id)
    with db.session() as s:
        assert round_detail(s, round_id).planned == 2


def test_entry_inspection_starts_once_and_blocks_removal(db: Database, city: dict[str, uuid.UUID]) -> None:
    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三", "李四"])
        entries = _entries(s, round_id)
        people = entries[city["people"]].id
        inspection_id = start_entry_inspection(s, ACTOR, people, on=date(2026, 11, 12))
        assert start_entry_inspection(s, ACTOR, people, on=date(2026, 11, 13)) == inspection_id
        inspection = s.get(Inspection, inspection_id)
        assert inspection is not None
        assert (inspection.round_id, inspection.kind, inspection.inspectors) == (
            round_id,
            "supervision",
            ["张三", "李四"],
        )
        assert [c.template_id for c in inspection.checklists] == [city["triage"], city["fever"]]
        assert entry_for_inspection(s, inspection_id) == people
        with pytest.raises(ReadOnlyError, match="不能移出批次"):
            remove_entry(s, ACTOR, people)
        health = entries[city["health"]].id
        mark_not_done(s, ACTOR, health, "停诊")
        with pytest.raises(UserError, match="已标记为未完成"):
            start_entry_inspection(s, ACTOR, health, on=date(2026, 11, 12))
    with db.session() as s:
        row = next(e for e in round_detail(s, round_id).entries if e.id == people)
    assert (row.inspection_id, row.inspection_status, row.status) == (inspection_id, "draft", "planned")


def test_done_entry_shows_the_inspection_score(db: Database, city: dict[str, uuid.UUID]) -> None:
    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三"])
        entry = _entries(s, round_id)[city["city"]]
        inspection = Inspection(
            id=uuid.uuid4(),
            institution_id=city["city"],
            round_id=round_id,
            kind="supervision",
            date=date(2026, 11, 20),
            status="finalized",
            score=87.5,
            grade="良好",
        )
        s.add(inspection)
        entry.status = "done"
    with db.session() as s:
        row = next(e for e in round_detail(s, round_id).entries if e.id == entry.id)
    assert (row.inspection_id, row.score, row.grade, row.vetoed) == (inspection.id, 87.5, "良好", False)


def test_finalizing_the_entry_inspection_marks_it_done(db: Database, city: dict[str, uuid.UUID]) -> None:
    from inspections.workflow import finalize_inspection, load_inspection, record_answer

    with db.begin() as s:
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三"], scope=RoundScope(levels=(1,)))
        entry_id = _entries(s, round_id)[city["health"]].id
        inspection_id = start_entry_inspection(s, ACTOR, entry_id, on=date(2026, 11, 12))
        for item in load_inspection(s, inspection_id).items():
            record_answer(s, ACTOR, inspection_id, item.item_id, response="pass")
        finalize_inspection(s, ACTOR, inspection_id)
    with db.session() as s:
        detail = round_detail(s, round_id)
    [row] = detail.entries
    assert (row.status, row.inspection_id, row.inspection_status, row.score) == (
        "done",
        inspection_id,
        "finalized",
        100,
    )
    assert detail.coverage_text == "1/1 (100%)"
    with db.begin() as s, pytest.raises(ReadOnlyError, match="检查已完成"):
        start_entry_inspection(s, ACTOR, entry_id, on=date(2026, 11, 13))


def test_hospital_officers_cannot_plan_rounds(db: Database, city: dict[str, uuid.UUID]) -> None:
    from inspections.users import CurrentUser

    officer = CurrentUser("gk", "hospital", institution_id=city["people"])
    with db.begin() as s:
        with pytest.raises(PermissionDenied):
            create_round(s, "gk", month="2026-11", team=["张三"], user=officer)
        round_id = create_round(s, ACTOR, month="2026-11", team=["张三"], user=CurrentUser("zs", "inspector"))
        entry_id = _entries(s, round_id)[city["people"]].id
        with pytest.raises(PermissionDenied):
            mark_not_done(s, "gk", entry_id, "不想查", user=officer)
