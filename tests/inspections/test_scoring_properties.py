"""Properties of scoring that hold for any valid checklist and answers (hypothesis)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inspections.checklists.spec import (
    ChecklistSpec,
    GradeBand,
    ItemSpec,
    ResponseOption,
    ScoringBasis,
    ScoringRule,
    SectionSpec,
)
from inspections.scoring import (
    NO_SCORE_GRADE,
    VETO_GRADE,
    Answer,
    ChecklistScore,
    response_options,
    score_checklist,
    score_inspection,
)

SETTINGS = settings(max_examples=200, deadline=None)

# Points with at most two decimals, as checklist files carry them: 0.01 … 20.
points = st.integers(min_value=1, max_value=2000).map(lambda cents: cents / 100)


@st.composite
def response_sets(draw: st.DrawFn, name: str) -> tuple[ResponseOption, ...]:
    """A custom set: a pass option with the most points, some partial options below it, a fail option at 0."""
    top = draw(points)
    options = [ResponseOption(f"{name}-yes", "是", top, "pass")]
    if top > 0.01:
        below = st.integers(min_value=1, max_value=round(top * 100) - 1).map(lambda cents: cents / 100)
        for n, value in enumerate(draw(st.lists(below, max_size=2))):
            options.append(ResponseOption(f"{name}-part{n}", f"部分{n}", value, "partial"))
    options.append(ResponseOption(f"{name}-no", "否", 0, "fail"))
    if draw(st.booleans()):
        options.append(ResponseOption(f"{name}-na", "不涉及", None, "na"))
    if draw(st.booleans()):
        options.append(ResponseOption(f"{name}-unknown", "未评估", None, "not_checked"))
    return tuple(draw(st.permutations(options)))


@st.composite
def grade_bands(draw: st.DrawFn, basis: ScoringBasis) -> tuple[GradeBand, ...]:
    top = 100 if basis == "percent" else 200
    mins = draw(st.lists(st.integers(min_value=1, max_value=top), max_size=3, unique=True))
    return tuple(GradeBand(value, f"等级{n}") for n, value in enumerate([*sorted(mins, reverse=True), 0], start=1))


@st.composite
def checklists(draw: st.DrawFn, basis: ScoringBasis | None = None) -> ChecklistSpec:
    """A small valid checklist: 1–3 sections of 1–4 items, default or custom response sets."""
    bases: tuple[ScoringBasis, ...] = ("percent", "points")
    chosen = draw(st.sampled_from(bases)) if basis is None else basis
    sets = {f"set{n}": draw(response_sets(f"set{n}")) for n in range(draw(st.integers(0, 2)))}
    sections = []
    for s in range(draw(st.integers(1, 3))):
        items = []
        for i in range(draw(st.integers(1, 4))):
            set_name = draw(st.sampled_from([None, *sets]))
            if set_name is None:
                item_points = draw(points)
            else:
                item_points = max(o.points for o in sets[set_name] if o.points is not None)
            items.append(
                ItemSpec(
                    code=f"S{s}.{i}",
                    text=f"检查内容 {s}.{i}",
                    method="现场查看",
                    criteria="不符合不得分",
                    points=item_points,
                    critical=draw(st.booleans()),
                    response_set=set_name,
                )
            )
        sections.append(SectionSpec(f"S{s}", f"部分 {s}", tuple(items)))
    rule = ScoringRule(
        basis=chosen,
        partial_ratio=draw(st.integers(min_value=1, max_value=99)) / 100,
        grades=draw(grade_bands(chosen)),
    )
    return ChecklistSpec(
        code="generated", version=1, title="生成的检查表", sections=tuple(sections), scoring=rule, response_sets=sets
    )


@st.composite
def answers_for(draw: st.DrawFn, spec: ChecklistSpec) -> dict[str, Answer]:
    """Answers to some of the items (the rest stay unanswered); partial answers sometimes adjusted."""
    answers: dict[str, Answer] = {}
    for item in spec.items():
        options = response_options(spec, item)
        option = draw(st.none() | st.sampled_from(options))
        if option is None:
            continue
        maximum = max(o.points for o in options if o.points is not None)
        adjusted = None
        if option.outcome == "partial" and maximum > 0.01 and draw(st.booleans()):
            adjusted = draw(st.integers(min_value=1, max_value=round(maximum * 100) - 1)) / 100
        answers[item.code] = Answer(option.code, adjusted)
    return answers


@st.composite
def answered_checklists(
    draw: st.DrawFn, basis: ScoringBasis | None = None
) -> tuple[ChecklistSpec, dict[str, Answer], int]:
    """A checklist, answers, and the index of one item for a property to change."""
    spec = draw(checklists(basis))
    return spec, draw(answers_for(spec)), draw(st.integers(0, len(spec.items()) - 1))


def option_with(spec: ChecklistSpec, item: ItemSpec, outcome: str) -> ResponseOption:
    """The option of ``item`` with ``outcome`` that earns the most."""
    options = [o for o in response_options(spec, item) if o.outcome == outcome]
    return max(options, key=lambda o: o.points or 0)


def without_item(spec: ChecklistSpec, code: str) -> ChecklistSpec:
    sections = tuple(replace(s, items=tuple(i for i in s.items if i.code != code)) for s in spec.sections)
    return replace(spec, sections=sections)


def with_item(spec: ChecklistSpec, new: ItemSpec) -> ChecklistSpec:
    sections = tuple(replace(s, items=tuple(new if i.code == new.code else i for i in s.items)) for s in spec.sections)
    return replace(spec, sections=sections)


def expected_grade(spec: ChecklistSpec, result: ChecklistScore) -> str:
    if result.vetoed:
        return VETO_GRADE
    if result.score is None:
        return NO_SCORE_GRADE
    return next(band.label for band in spec.scoring.grades if result.score >= band.min)


@SETTINGS
@given(answered_checklists())
def test_score_stays_within_its_range(case: tuple[ChecklistSpec, Mapping[str, Answer], int]) -> None:
    spec, answers, _ = case

    result = score_checklist(spec, answers)

    assert 0 <= result.earned <= result.maximum
    if result.score is not None:
        upper = 100 if result.basis == "percent" else result.maximum
        assert 0 <= result.score <= upper


@SETTINGS
@given(answered_checklists("percent"))
def test_not_applicable_is_the_same_as_leaving_the_item_out(
    case: tuple[ChecklistSpec, Mapping[str, Answer], int],
) -> None:
    spec, answers, index = case
    item = spec.items()[index]
    assume(any(o.outcome == "na" for o in response_options(spec, item)))  # custom sets may lack 不适用
    with_na = {**answers, item.code: Answer(option_with(spec, item, "na").code)}
    rest = {code: answer for code, answer in answers.items() if code != item.code}

    answered = score_checklist(spec, with_na)
    removed = score_checklist(without_item(spec, item.code), rest)

    assert (answered.score, answered.earned, answered.maximum) == (removed.score, removed.earned, removed.maximum)
    assert (answered.grade, answered.vetoed) == (removed.grade, removed.vetoed)


@SETTINGS
@given(answered_checklists())
def test_a_failed_critical_item_always_fails_the_checklist(
    case: tuple[ChecklistSpec, Mapping[str, Answer], int],
) -> None:
    spec, answers, index = case
    item = replace(spec.items()[index], critical=True)
    spec = with_item(spec, item)

    result = score_checklist(spec, {**answers, item.code: Answer(option_with(spec, item, "fail").code)})

    assert result.vetoed
    assert not result.passed
    assert result.grade == VETO_GRADE
    assert item.code in result.veto_items


@SETTINGS
@given(answered_checklists())
def test_answering_pass_never_lowers_the_score(case: tuple[ChecklistSpec, Mapping[str, Answer], int]) -> None:
    spec, answers, index = case
    item = spec.items()[index]

    before = score_checklist(spec, answers)
    after = score_checklist(spec, {**answers, item.code: Answer(option_with(spec, item, "pass").code)})

    assert after.score is not None
    if before.score is not None:
        assert after.score >= before.score
    assert after.earned >= before.earned
    assert after.vetoed <= before.vetoed


@SETTINGS
@given(answered_checklists())
def test_sections_add_up_to_the_checklist(case: tuple[ChecklistSpec, Mapping[str, Answer], int]) -> None:
    spec, answers, _ = case

    result = score_checklist(spec, answers)

    assert sum(Decimal(repr(s.earned)) for s in result.sections) == Decimal(repr(result.earned))
    assert sum(Decimal(repr(s.maximum)) for s in result.sections) == Decimal(repr(result.maximum))
    assert sum(s.total for s in result.sections) == result.total == len(spec.items())
    assert sum(s.answered for s in result.sections) == result.answered
    for outcome, count in result.counts.items():
        assert sum(s.counts[outcome] for s in result.sections) == count
    for section in result.sections:
        items = [i for i in result.items if i.section == section.code]
        assert sum(Decimal(repr(i.earned)) for i in items if i.earned is not None) == Decimal(repr(section.earned))


@SETTINGS
@given(answered_checklists())
def test_the_grade_is_the_band_of_the_score(case: tuple[ChecklistSpec, Mapping[str, Answer], int]) -> None:
    spec, answers, _ = case

    result = score_checklist(spec, answers)

    assert result.grade == expected_grade(spec, result)
    bands = spec.scoring.grades
    failing = {VETO_GRADE, NO_SCORE_GRADE} | ({bands[-1].label} if len(bands) > 1 else set())
    assert result.passed == (result.grade not in failing)


@settings(max_examples=50, deadline=None)
@given(st.lists(answered_checklists(), min_size=1, max_size=3))
def test_the_inspection_percent_sums_the_percent_checklists(
    cases: list[tuple[ChecklistSpec, Mapping[str, Answer], int]],
) -> None:
    result = score_inspection([(spec, answers) for spec, answers, _ in cases])

    percent_based = [c for c in result.checklists if c.basis == "percent"]
    assert result.maximum == float(sum(Decimal(repr(c.maximum)) for c in percent_based))
    if result.percent is not None:
        assert 0 <= result.percent <= 100
    assert result.vetoed == any(c.vetoed for c in result.checklists)
    assert result.total == sum(len(spec.items()) for spec, _, _ in cases)
