"""Properties of the rules published sheets write (hypothesis): deductions with caps, sub-items rolled up into their
item, section points capping subtotals, key items whose consequence does not depend on points, and the YAML round
trip of every new field."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.checklists.criteria import parse_deduction, parse_options
from inspections.checklists.spec import ChecklistSpec, Deduction, ItemSpec, SectionSpec
from inspections.checklists.yaml_format import dump_checklist, load_checklist_text
from inspections.errors import InvalidInputError, UserError
from inspections.scoring import VETO_GRADE, Answer, deduction_answer, score_checklist, score_inspection

SETTINGS = settings(max_examples=200, deadline=None)
cents = st.integers(min_value=1, max_value=2000).map(lambda c: c / 100)


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


@st.composite
def deduction_items(draw: st.DrawFn) -> ItemSpec:
    points = draw(cents)
    per = draw(st.integers(min_value=1, max_value=round(points * 100)).map(lambda c: c / 100))
    cap = draw(st.none() | st.integers(min_value=1, max_value=round(points * 100)).map(lambda c: c / 100))
    subitems: tuple[str, ...] = ()
    exceptions: tuple[tuple[int, float], ...] = ()
    if draw(st.booleans()):
        count = draw(st.integers(min_value=2, max_value=8))
        subitems = tuple(f"要求{n}" for n in range(1, count + 1))
        if draw(st.booleans()):
            exceptions = ((draw(st.integers(min_value=1, max_value=count)), points),)
    rule = Deduction(per=per, cap=cap, subitems=subitems, exceptions=exceptions)
    return ItemSpec("A1", "检查内容", "", "标准", points, deduction=rule)


def _one_item(item: ItemSpec, section_points: float | None = None) -> ChecklistSpec:
    return ChecklistSpec("t", 1, "测试", (SectionSpec("S1", "分组", (item,), section_points),))


@SETTINGS
@given(deduction_items(), st.integers(min_value=0, max_value=50), st.data())
def test_a_deduction_stays_within_zero_and_the_item_points(item: ItemSpec, found: int, data: st.DataObject) -> None:
    rule = item.deduction
    assert rule is not None
    if rule.subitems:
        failed = data.draw(st.lists(st.integers(min_value=1, max_value=len(rule.subitems)), unique=True))
        answer, reason = deduction_answer(item, failed=failed)
        own = dict(rule.exceptions)
        lost = sum((_dec(own.get(n, rule.per)) for n in failed), Decimal(0))
    else:
        answer, reason = deduction_answer(item, occurrences=found)
        lost = _dec(rule.per) * found
    cap = min(_dec(item.points), _dec(rule.cap)) if rule.cap is not None else _dec(item.points)
    expected = _dec(item.points) - min(lost.quantize(Decimal("0.01")), cap)
    score = score_checklist(_one_item(item), {"A1": answer})
    assert score.earned is not None and 0 <= score.earned <= item.points
    assert _dec(score.earned) == expected  # the points follow from the count, never below the cap
    assert score.maximum == item.points
    assert reason  # the reason goes into the note and the finding


@SETTINGS
@given(deduction_items())
def test_more_occurrences_never_earn_more(item: ItemSpec) -> None:
    rule = item.deduction
    assert rule is not None
    if rule.subitems:
        earned = [
            score_checklist(_one_item(item), {"A1": deduction_answer(item, failed=range(1, n + 1))[0]}).earned
            for n in range(len(rule.subitems) + 1)
        ]
    else:
        earned = [
            score_checklist(_one_item(item), {"A1": deduction_answer(item, occurrences=n)[0]}).earned for n in range(8)
        ]
    assert earned == sorted(earned, reverse=True)
    assert earned[0] == item.points  # nothing found: full points


@SETTINGS
@given(st.lists(cents, min_size=1, max_size=6), cents, st.data())
def test_a_section_subtotal_is_capped_by_its_points_and_never_negative(
    item_points: list[float], section_points: float, data: st.DataObject
) -> None:
    items = tuple(ItemSpec(f"A{n}", "内容", "", "", p) for n, p in enumerate(item_points))
    spec = ChecklistSpec("t", 1, "测试", (SectionSpec("S1", "分组", items, section_points),))
    answers = {i.code: Answer(data.draw(st.sampled_from(["pass", "fail", "na"]))) for i in items}
    score = score_checklist(spec, answers)
    (section,) = score.sections
    applicable = [i.points for i in items if answers[i.code].response != "na"]
    assert section.maximum <= section_points + 1e-9
    assert section.maximum == pytest.approx(min(section_points, sum(applicable)) if applicable else 0)
    assert 0 <= section.earned <= section.maximum
    assert score.earned == section.earned and score.maximum == section.maximum
    lost = sum(i.points for i in items if answers[i.code].response == "fail")
    assert section.earned == pytest.approx(max(0.0, section.maximum - lost), abs=0.011)


@SETTINGS
@given(st.sampled_from(["", "不合格", "重点监督", "限期整改"]), st.sampled_from([0.0, 1.0, 5.0, 40.0]), cents)
def test_a_key_items_consequence_does_not_depend_on_points(consequence: str, key_points: float, other: float) -> None:
    key = ItemSpec("K", "关键项", "", "", key_points, critical=True, consequence=consequence)
    plain = ItemSpec("P", "普通项", "", "", other)
    spec = ChecklistSpec("t", 1, "测试", (SectionSpec("S1", "分组", (key, plain)),))
    failed = score_checklist(spec, {"K": Answer("fail"), "P": Answer("pass")})
    passed = score_checklist(spec, {"K": Answer("pass"), "P": Answer("pass")})
    vetoes = consequence in ("", "不合格")
    assert failed.vetoed == vetoes and failed.grade == (VETO_GRADE if vetoes else consequence)
    assert not failed.passed and passed.passed
    assert failed.consequences == (() if vetoes else ((consequence, ("K",)),))
    assert not passed.vetoed and passed.consequences == ()


@SETTINGS
@given(deduction_items(), st.sampled_from(["", "重点监督"]), st.sampled_from([None, 50.0]))
def test_new_fields_survive_yaml_export_and_import(
    item: ItemSpec, consequence: str, section_points: float | None
) -> None:
    key = ItemSpec("K", "关键项", "", "", 0, critical=True, consequence=consequence)
    spec = ChecklistSpec("t", 1, "测试", (SectionSpec("S1", "分组", (item, key), section_points),))
    again = load_checklist_text(dump_checklist(spec), "t.yaml")
    assert again == spec
    assert again.content_hash() == spec.content_hash()


def test_reading_rules_from_criteria() -> None:
    options = parse_options("是3;不规范1;否0", 3)
    assert options is not None and [(o.label, o.points, o.outcome) for o in options] == [
        ("是", 3, "pass"),
        ("不规范", 1, "partial"),
        ("否", 0, "fail"),
    ]
    assert parse_options("是1，否0", 1) is not None
    assert parse_options("是3;否0", 5) is None  # the options do not reach the item's points: kept as text
    assert parse_deduction("内容", "每发现一处扣2分，扣完为止", 6) == Deduction(per=2)
    assert parse_deduction("内容", "有一处未登记扣1.5分", 6) == Deduction(per=1.5)
    assert parse_deduction("内容", "未开展不得分", 6) is None
    assert parse_deduction("内容", "全扣", 6) is None
    rule = parse_deduction("(1)甲 (2)乙 (3)丙 (4)丁 (5)戊", "一项不符合扣2分，其中(5)如无戊扣4分", 10)
    assert rule is not None and rule.subitems == ("甲", "乙", "丙", "丁", "戊") and rule.exceptions == ((5, 4),)


def test_sub_items_roll_up_with_their_exception() -> None:
    rule = Deduction(per=2, subitems=("甲", "乙", "丙", "丁", "戊"), exceptions=((5, 4),))
    item = ItemSpec("A1", "内容", "", "一项不符合扣2分，其中(5)扣4分", 10, deduction=rule)
    answer, reason = deduction_answer(item, failed=[2, 5])
    assert answer == Answer("partial", 4.0) and "（2）乙" in reason and "（5）戊" in reason and "扣 6 分" in reason
    assert deduction_answer(item, failed=[])[0] == Answer("pass")
    assert deduction_answer(item, failed=[1, 2, 3, 5])[0] == Answer("fail")  # 2+2+2+4 = 10: all gone
    with pytest.raises(UserError, match="第 1–5 个子项"):
        deduction_answer(item, failed=[6])
    plain = ItemSpec("A2", "内容", "", "", 6, deduction=Deduction(per=2))
    assert deduction_answer(plain, occurrences=2) == (Answer("partial", 2.0), "发现 2 处，扣 4 分")
    assert deduction_answer(plain, occurrences=9)[0] == Answer("fail")
    with pytest.raises(UserError, match="发现处数"):
        deduction_answer(plain, occurrences=-1)


def test_the_overall_rule_across_checklists_is_chosen() -> None:
    from dataclasses import replace as with_

    from inspections.checklists.spec import ScoringRule
    from inspections.scoring import score_inspection

    small = ChecklistSpec("a", 1, "小表", (SectionSpec("S", "分组", (ItemSpec("A", "内容", "", "", 10),)),))
    items = tuple(ItemSpec(f"B{n}", "内容", "", "", 10) for n in range(9))
    big = ChecklistSpec("b", 1, "大表", (SectionSpec("S", "分组", items),), scoring=ScoringRule(weight=3))
    answers = [(small, {"A": Answer("fail")}), (big, {i.code: Answer("pass") for i in items})]
    assert score_inspection(answers).percent == 90  # (0 + 90) ÷ (10 + 90): points weigh
    assert score_inspection(answers, "mean").percent == 50  # (0 + 100) ÷ 2
    assert score_inspection(answers, "weighted").percent == 75  # (0×1 + 100×3) ÷ 4
    assert "(0×1 + 100×3) ÷ 4 = 75%" in score_inspection(answers, "weighted").formula
    with pytest.raises(UserError):
        score_inspection(answers, "median")
    heavy = with_(big, scoring=ScoringRule(weight=2.5))
    assert load_checklist_text(dump_checklist(heavy), "t.yaml").scoring.weight == 2.5


# --- section weights ----------------------------------------------------------------------------------------------

responses = st.sampled_from(["pass", "partial", "fail", "na", "not_checked"])
weights = st.none() | st.integers(min_value=1, max_value=100).map(float) | st.sampled_from([0.05, 0.2, 0.25, 1.5])


@st.composite
def weighted_checklists(draw: st.DrawFn) -> tuple[ChecklistSpec, dict[str, Answer]]:
    """A checklist of 1–5 sections, at least one with a weight, and answers to its items."""
    sections = []
    answers: dict[str, Answer] = {}
    for s in range(draw(st.integers(min_value=1, max_value=5))):
        items = tuple(
            ItemSpec(f"S{s}.{n}", "内容", "", "", p)
            for n, p in enumerate(draw(st.lists(cents, min_size=1, max_size=4)))
        )
        answers.update({i.code: Answer(draw(responses)) for i in items})
        section_points = draw(st.none() | cents)
        sections.append(SectionSpec(f"S{s}", f"第{s}部分", items, section_points, draw(weights)))
    if all(section.weight is None for section in sections):
        sections[0] = replace(sections[0], weight=draw(cents))
    return ChecklistSpec("t", 1, "测试", tuple(sections)), answers


@SETTINGS
@given(weighted_checklists())
def test_a_weighted_percent_is_the_weighted_mean_of_section_percents_within_0_and_100(
    case: tuple[ChecklistSpec, dict[str, Answer]],
) -> None:
    spec, answers = case
    score = score_checklist(spec, answers)
    counted = [
        (_dec(s.weight if s.weight is not None else 1.0), _dec(sec.percent))
        for s, sec in zip(spec.sections, score.sections, strict=True)
        if sec.percent is not None
    ]
    if not counted:
        assert score.score is None and "无法计算得分率" in score.formula
        return
    expected = sum((w * p for w, p in counted), Decimal(0)) / sum((w for w, _ in counted), Decimal(0))
    assert score.score is not None and 0 <= score.score <= 100
    assert _dec(score.score) == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert "各部分得分率按权重加权平均" in score.formula
    assert len(score.sections) == len(spec.sections)  # the subtotals are still there


@SETTINGS
@given(weighted_checklists())
def test_all_pass_is_100_whatever_the_weights(case: tuple[ChecklistSpec, dict[str, Answer]]) -> None:
    spec, _ = case
    score = score_checklist(spec, {item.code: Answer("pass") for item in spec.items()})
    assert score.score == 100


@SETTINGS
@given(weighted_checklists(), cents)
def test_equal_weights_give_the_plain_mean_of_section_percents(
    case: tuple[ChecklistSpec, dict[str, Answer]], weight: float
) -> None:
    spec, answers = case
    equal = replace(spec, sections=tuple(replace(s, weight=weight) for s in spec.sections))
    score = score_checklist(equal, answers)
    percents = [_dec(sec.percent) for sec in score.sections if sec.percent is not None]
    if percents:
        mean = sum(percents, Decimal(0)) / len(percents)
        assert score.score is not None
        assert _dec(score.score) == mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    unweighted = score_checklist(replace(spec, sections=tuple(replace(s, weight=None) for s in spec.sections)), answers)
    assert (score.earned, score.maximum) == (unweighted.earned, unweighted.maximum)


@SETTINGS
@given(weighted_checklists(), st.sampled_from(["", "重点监督"]))
def test_a_veto_still_vetoes_and_a_lesser_key_item_still_decides_with_weights(
    case: tuple[ChecklistSpec, dict[str, Answer]], consequence: str
) -> None:
    spec, answers = case
    key = ItemSpec("K", "关键项", "", "", 0, critical=True, consequence=consequence)
    first = spec.sections[0]
    spec = replace(spec, sections=(replace(first, items=(*first.items, key)), *spec.sections[1:]))
    score = score_checklist(spec, {**answers, "K": Answer("fail")})
    if consequence:
        assert not score.vetoed and score.grade == consequence and not score.passed
    else:
        assert score.vetoed and score.grade == VETO_GRADE and not score.passed


def test_a_weighted_percent_in_numbers_and_in_words() -> None:
    a = SectionSpec("S1", "综合管理", (ItemSpec("A", "内容", "", "", 10),), weight=0.2)
    b = SectionSpec("S2", "消毒隔离", (ItemSpec("B1", "内容", "", "", 10), ItemSpec("B2", "内容", "", "", 30)))
    c = SectionSpec("S3", "医疗废物", (ItemSpec("C", "内容", "", "", 5),), weight=3)
    spec = ChecklistSpec("t", 1, "测试", (a, b, c))
    score = score_checklist(spec, {"A": Answer("fail"), "B1": Answer("pass"), "B2": Answer("fail"), "C": Answer("na")})
    # 综合管理 0% × 0.2, 消毒隔离 25% × 1 (no weight), 医疗废物 has nothing applicable and leaves the denominator
    assert [sec.percent for sec in score.sections] == [0, 25, None]
    assert score.score == round(25 / 1.2, 2) == 20.83
    assert score.formula.startswith(
        "得分率 = 各部分得分率按权重加权平均（未标权重的部分按 1 计，没有适用项的部分不计入）"
        " = (0×0.2 + 25×1) ÷ 1.2 = 20.83%（实得分 10，适用项满分 50）"
    )
    plain = score_checklist(replace(spec, sections=(replace(a, weight=None), b, replace(c, weight=None))), {})
    assert "加权" not in plain.formula  # without weights, the plain percent of points as before


def test_points_basis_checklists_refuse_section_weights_at_import() -> None:
    text = dump_checklist(
        ChecklistSpec("t", 1, "测试", (SectionSpec("S1", "分组", (ItemSpec("A", "内容", "", "", 5),), weight=2),))
    )
    with pytest.raises(InvalidInputError) as info:
        load_checklist_text(
            text.replace(
                "title: 测试\n",
                "title: 测试\nscoring:\n  basis: points\n  partial_ratio: 0.5\n  grades:\n  - {min: 0, label: 合格}\n",
            ),
            "t.yaml",
        )
    assert "不能给分组设权重" in str(info.value) and "第 " in info.value.problems[0].location


@SETTINGS
@given(weighted_checklists())
def test_an_inspection_of_one_weighted_checklist_has_its_percent_by_every_overall_rule(
    case: tuple[ChecklistSpec, dict[str, Answer]],
) -> None:
    spec, answers = case
    alone = score_checklist(spec, answers).score
    for rule in ("sum", "mean", "weighted"):
        assert score_inspection([(spec, answers)], rule).percent == alone
