"""Worked examples of checklist and inspection scoring: the numbers and the formula a report prints."""

from __future__ import annotations

import math

import pytest

from inspections.checklists.spec import (
    ChecklistSpec,
    GradeBand,
    ItemSpec,
    ResponseOption,
    ScoringRule,
    SectionSpec,
)
from inspections.errors import UserError
from inspections.scoring import (
    NO_SCORE_GRADE,
    VETO_GRADE,
    Answer,
    response_options,
    score_checklist,
    score_inspection,
    validate_answer,
)

IPCAF_BANDS = (GradeBand(601, "高级"), GradeBand(401, "中级"), GradeBand(201, "基础"), GradeBand(0, "不足"))
IPCAF_COMPONENT = (
    ResponseOption("full", "完全达到", 100, "pass"),
    ResponseOption("partly", "部分达到", 50, "partial"),
    ResponseOption("none", "未达到", 0, "fail"),
    ResponseOption("na", "不涉及", None, "na"),
)
YES_PARTLY_NO = (
    ResponseOption("yes", "是", 10, "pass"),
    ResponseOption("partly", "部分", 4, "partial"),
    ResponseOption("no", "否", 0, "fail"),
)


def item(code: str, points: float, *, critical: bool = False, response_set: str | None = None) -> ItemSpec:
    return ItemSpec(
        code=code,
        text=f"检查内容 {code}",
        method="现场查看",
        criteria="不符合不得分",
        points=points,
        critical=critical,
        response_set=response_set,
    )


def checklist(
    *sections: SectionSpec,
    scoring: ScoringRule | None = None,
    response_sets: dict[str, tuple[ResponseOption, ...]] | None = None,
) -> ChecklistSpec:
    return ChecklistSpec(
        code="fever-clinic-zoning",
        version=2,
        title="发热门诊三区两通道",
        sections=sections,
        scoring=scoring or ScoringRule(),
        response_sets=response_sets or {},
    )


def fever_clinic() -> ChecklistSpec:
    """Eight items, one of them critical, in two sections: the checklist of the worked examples."""
    return checklist(
        SectionSpec("FZ1", "布局与分区", (item("FZ1.1", 10, critical=True), item("FZ1.2", 5), item("FZ1.3", 5))),
        SectionSpec(
            "FZ2",
            "通道与缓冲",
            (item("FZ2.1", 45), item("FZ2.2", 20), item("FZ2.3", 20), item("FZ2.4", 3), item("FZ2.5", 3)),
        ),
    )


# --- response options ------------------------------------------------------------------------------------------


def test_default_options_carry_points_from_the_item_and_partial_ratio() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 5),)), scoring=ScoringRule(partial_ratio=0.6))

    options = response_options(spec, spec.items()[0])

    assert [(o.code, o.label, o.points, o.outcome) for o in options] == [
        ("pass", "符合", 5.0, "pass"),
        ("partial", "部分符合", 3.0, "partial"),
        ("fail", "不符合", 0.0, "fail"),
        ("na", "不适用", None, "na"),
        ("not_checked", "未检查", None, "not_checked"),
    ]


def test_custom_options_are_the_set_plus_not_checked() -> None:
    spec = checklist(
        SectionSpec("S", "分区", (item("S1", 10, response_set="ynp"),)), response_sets={"ynp": YES_PARTLY_NO}
    )

    options = response_options(spec, spec.items()[0])

    assert [o.label for o in options] == ["是", "部分", "否", "未检查"]


def test_an_unknown_response_set_is_a_user_error() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 10, response_set="missing"),)))

    with pytest.raises(UserError, match="选项集“missing”不存在"):
        response_options(spec, spec.items()[0])


# --- the worked checklist --------------------------------------------------------------------------------------


def test_worked_checklist_with_every_response_kind() -> None:
    spec = fever_clinic()
    answers = {
        "FZ1.1": Answer("pass"),
        "FZ1.2": Answer("partial"),  # 5 × 0.5 = 2.5
        "FZ1.3": Answer("na"),
        "FZ2.1": Answer("pass"),
        "FZ2.2": Answer("fail"),
        "FZ2.3": Answer("partial", points=7.5),  # adjusted by the inspector
        "FZ2.4": Answer("not_checked"),
        # FZ2.5 has no answer: counts as 未检查
    }

    result = score_checklist(spec, answers)

    assert [(i.code, i.response_label, i.earned, i.maximum) for i in result.items] == [
        ("FZ1.1", "符合", 10.0, 10.0),
        ("FZ1.2", "部分符合", 2.5, 5.0),
        ("FZ1.3", "不适用", None, None),
        ("FZ2.1", "符合", 45.0, 45.0),
        ("FZ2.2", "不符合", 0.0, 20.0),
        ("FZ2.3", "部分符合", 7.5, 20.0),
        ("FZ2.4", "未检查", None, None),
        ("FZ2.5", "未检查", None, None),
    ]
    assert [(s.code, s.earned, s.maximum, s.percent) for s in result.sections] == [
        ("FZ1", 12.5, 15.0, 83.33),
        ("FZ2", 52.5, 85.0, 61.76),
    ]
    assert (result.earned, result.maximum, result.score) == (65.0, 100.0, 65.0)
    assert result.grade == "合格"
    assert result.passed
    assert not result.vetoed
    assert result.counts == {"pass": 2, "partial": 2, "fail": 1, "na": 1, "not_checked": 2}
    assert (result.answered, result.total) == (6, 8)
    assert result.unchecked_items == ("FZ2.4", "FZ2.5")
    assert result.na_items == ("FZ1.3",)
    assert [i.code for i in result.items if i.flagged_unchecked] == ["FZ2.4", "FZ2.5"]
    assert result.formula == (
        "得分率 = 实得分 ÷ 适用项满分 × 100 = 65 ÷ 100 × 100 = 65%；"
        "“部分符合”按分值 × 0.5 计分，“FZ2.3”按检查人员调整的分值计分；"
        "“不适用”1项、“未检查”2项不计入满分（未检查项已标注）；"
        "等级标准：优秀 ≥90%、良好 ≥80%、合格 ≥60%、不合格 <60%，评定为合格。"
    )


def test_a_failed_critical_item_vetoes_a_high_score() -> None:
    spec = checklist(
        SectionSpec("FZ1", "布局与分区", (item("FZ1.1", 10, critical=True), item("FZ1.2", 5), item("FZ1.3", 5))),
        SectionSpec(
            "FZ2",
            "通道与缓冲",
            (item("FZ2.1", 45), item("FZ2.2", 40), item("FZ2.3", 3), item("FZ2.4", 3), item("FZ2.5", 3)),
        ),
    )
    answers = {
        "FZ1.1": Answer("fail"),
        "FZ1.2": Answer("partial"),
        "FZ1.3": Answer("na"),
        "FZ2.1": Answer("pass"),
        "FZ2.2": Answer("pass"),
        "FZ2.3": Answer("na"),
        "FZ2.4": Answer("na"),
    }

    result = score_checklist(spec, answers)

    assert result.score == 87.5  # 良好 by the bands, but the veto decides
    assert result.grade == VETO_GRADE
    assert result.vetoed
    assert not result.passed
    assert result.veto_items == ("FZ1.1",)
    assert [i.code for i in result.items if i.vetoing] == ["FZ1.1"]
    assert result.formula == (
        "得分率 = 实得分 ÷ 适用项满分 × 100 = 87.5 ÷ 100 × 100 = 87.5%；“部分符合”按分值 × 0.5 计分；"
        "“不适用”3项、“未检查”1项不计入满分（未检查项已标注）；否决项“FZ1.1”不符合，判定为不合格（否决）。"
    )


def test_a_partial_critical_item_does_not_veto() -> None:
    spec = fever_clinic()

    result = score_checklist(spec, {"FZ1.1": Answer("partial"), "FZ2.1": Answer("pass")})

    assert not result.vetoed
    assert result.grade == "优秀"  # (5 + 45) ÷ 55 = 90.91%


# --- adjusted points and invalid answers ---------------------------------------------------------------------


def test_adjusted_partial_points_replace_the_default_ratio() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 5), item("S2", 5))))

    result = score_checklist(spec, {"S1": Answer("partial", points=4), "S2": Answer("partial")})

    assert [(i.earned, i.adjusted) for i in result.items] == [(4.0, True), (2.5, False)]
    assert result.score == 65.0
    assert "“S1”按检查人员调整的分值计分" in result.formula


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer("maybe"), "检查项“S1”没有“maybe”这个选项，可选：符合（pass）、部分符合（partial）"),
        (Answer("pass", points=5), "选择“符合”时不能调整分值"),
        (Answer("na", points=1), "选择“不适用”时不能调整分值"),
        (Answer("partial", points=0), "分值须大于 0 且小于 5，收到 0"),
        (Answer("partial", points=5), "分值须大于 0 且小于 5，收到 5"),
        (Answer("partial", points=6.5), "收到 6.5"),
        (Answer("partial", points=-1), "收到 -1"),
        (Answer("partial", points=2.345), "分值最多保留两位小数，收到 2.345"),
        (Answer("partial", points=math.nan), "不是有效的数字"),
        (Answer("partial", points=math.inf), "不是有效的数字"),
    ],
)
def test_invalid_answers_are_refused_with_a_chinese_message(answer: Answer, message: str) -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 5),)))

    with pytest.raises(UserError, match=message):
        validate_answer(spec, spec.items()[0], answer)
    with pytest.raises(UserError, match=message):
        score_checklist(spec, {"S1": answer})


def test_an_answer_to_an_item_not_in_the_checklist_is_refused() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 5),)))

    with pytest.raises(UserError, match="没有检查项“S9”"):
        score_checklist(spec, {"S1": Answer("pass"), "S9": Answer("pass")})


# --- custom response sets and the points basis -------------------------------------------------------------


def test_custom_response_set_scores_each_option_with_its_points() -> None:
    spec = checklist(
        SectionSpec(
            "HH",
            "手卫生",
            (
                item("HH1", 10, response_set="ynp"),
                item("HH2", 10, response_set="ynp", critical=True),
                item("HH3", 10, response_set="ynp"),
                item("HH4", 5),
            ),
        ),
        response_sets={"ynp": YES_PARTLY_NO},
    )

    result = score_checklist(
        spec, {"HH1": Answer("yes"), "HH2": Answer("partly"), "HH3": Answer("no"), "HH4": Answer("pass")}
    )

    assert [(i.response_label, i.earned, i.maximum) for i in result.items] == [
        ("是", 10.0, 10.0),
        ("部分", 4.0, 10.0),
        ("否", 0.0, 10.0),
        ("符合", 5.0, 5.0),
    ]
    assert result.score == 54.29  # 19 ÷ 35
    assert result.grade == "不合格"
    assert "自定义选项按各选项分值计分，每项满分取该项最高选项分值" in result.formula
    assert "“部分符合”按分值 × 0.5 计分" in result.formula


def test_a_critical_item_answered_with_a_custom_fail_option_vetoes() -> None:
    spec = checklist(
        SectionSpec("HH", "手卫生", (item("HH1", 10, response_set="ynp", critical=True), item("HH2", 90))),
        response_sets={"ynp": YES_PARTLY_NO},
    )

    result = score_checklist(spec, {"HH1": Answer("no"), "HH2": Answer("pass")})

    assert result.score == 90.0
    assert result.grade == VETO_GRADE
    assert result.veto_items == ("HH1",)


def test_a_custom_not_checked_option_stands_for_a_missing_answer() -> None:
    options = (*YES_PARTLY_NO, ResponseOption("unassessed", "未评估", None, "not_checked"))
    spec = checklist(
        SectionSpec("HH", "手卫生", (item("HH1", 10, response_set="icar"), item("HH2", 10, response_set="icar"))),
        response_sets={"icar": options},
    )

    result = score_checklist(spec, {"HH1": Answer("yes")})

    assert [(i.response, i.response_label, i.flagged_unchecked) for i in result.items] == [
        ("yes", "是", False),
        ("unassessed", "未评估", True),
    ]
    assert result.score == 100.0


def ipcaf(answers: list[str]) -> tuple[ChecklistSpec, dict[str, Answer]]:
    """Eight core components scored to 100 each, graded on the raw total like WHO IPCAF."""
    sections = tuple(
        SectionSpec(f"CC{n}", f"核心要素 {n}", (item(f"CC{n}.1", 100, response_set="ipcaf"),)) for n in range(1, 9)
    )
    spec = ChecklistSpec(
        code="ipcaf",
        version=1,
        title="感染预防与控制评估框架",
        sections=sections,
        scoring=ScoringRule(basis="points", grades=IPCAF_BANDS),
        response_sets={"ipcaf": IPCAF_COMPONENT},
    )
    return spec, {f"CC{n}.1": Answer(code) for n, code in enumerate(answers, start=1)}


@pytest.mark.parametrize(
    ("answers", "total", "grade", "passed"),
    [
        (["full"] * 8, 800.0, "高级", True),
        (["full", "full", "full", "partly", "partly", "partly", "none", "na"], 450.0, "中级", True),
        (["full", "full", "none", "none", "none", "none", "none", "none"], 200.0, "不足", False),
        (["full", "full", "partly", "none", "none", "none", "none", "none"], 250.0, "基础", True),
    ],
)
def test_points_basis_grades_the_raw_total_with_ipcaf_bands(
    answers: list[str], total: float, grade: str, passed: bool
) -> None:
    spec, given = ipcaf(answers)

    result = score_checklist(spec, given)

    assert (result.basis, result.score, result.grade, result.passed) == ("points", total, grade, passed)


def test_points_basis_formula_names_the_total_and_the_applicable_maximum() -> None:
    spec, given = ipcaf(["full", "full", "full", "partly", "partly", "partly", "none", "na"])

    result = score_checklist(spec, given)

    assert result.maximum == 700.0
    assert result.formula == (
        "总分 = 各适用项实得分之和 = 450（适用项满分 700）；自定义选项按各选项分值计分，每项满分取该项最高选项分值；"
        "“不适用”1项不计入满分；等级标准：高级 ≥601、中级 ≥401、基础 ≥201、不足 <201，评定为中级。"
    )


# --- nothing to score --------------------------------------------------------------------------------------------


def test_all_not_applicable_gives_no_score_and_no_division_by_zero() -> None:
    spec = fever_clinic()

    result = score_checklist(spec, {i.code: Answer("na") for i in spec.items()})

    assert result.score is None
    assert result.grade == NO_SCORE_GRADE
    assert not result.passed
    assert (result.earned, result.maximum) == (0.0, 0.0)
    assert [s.percent for s in result.sections] == [None, None]
    assert result.formula == (
        "得分率 = 实得分 ÷ 适用项满分 × 100；适用项满分为 0，无法计算得分率；"
        "“部分符合”按分值 × 0.5 计分；“不适用”8项不计入满分。"
    )


def test_an_unanswered_checklist_gives_no_score_and_flags_every_item() -> None:
    spec, _ = ipcaf([])

    result = score_checklist(spec, {})

    assert result.score is None
    assert result.grade == NO_SCORE_GRADE
    assert (result.answered, result.total) == (0, 8)
    assert len(result.unchecked_items) == 8
    assert result.formula.startswith("总分 = 各适用项实得分之和；没有适用项，无法计分；")
    assert "“未检查”8项不计入满分（未检查项已标注）" in result.formula


# --- rounding ----------------------------------------------------------------------------------------------------


def test_scores_round_half_up_to_two_decimals() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 200),)))

    result = score_checklist(spec, {"S1": Answer("partial", points=174.99)})

    assert result.score == 87.5  # 87.495 rounds up, as a person rounds; float round() would give 87.49


def test_scores_have_no_float_noise() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 0.1), item("S2", 0.2), item("S3", 0.3))))

    result = score_checklist(spec, {"S1": Answer("pass"), "S2": Answer("pass"), "S3": Answer("fail")})

    assert (result.earned, result.maximum, result.score) == (0.3, 0.6, 50.0)
    assert "= 0.3 ÷ 0.6 × 100 = 50%" in result.formula


def test_repeating_fractions_are_rounded_in_score_and_formula() -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 1), item("S2", 1), item("S3", 1))))

    result = score_checklist(spec, {"S1": Answer("pass"), "S2": Answer("pass"), "S3": Answer("fail")})

    assert result.score == 66.67
    assert "= 2 ÷ 3 × 100 = 66.67%" in result.formula


@pytest.mark.parametrize(("earned", "grade"), [(90, "优秀"), (89.99, "良好"), (60, "合格"), (59.99, "不合格")])
def test_a_score_at_a_band_minimum_earns_that_band(earned: float, grade: str) -> None:
    spec = checklist(SectionSpec("S", "分区", (item("S1", 100),)))

    result = score_checklist(spec, {"S1": Answer("partial", points=earned)})

    assert (result.score, result.grade) == (earned, grade)


# --- an inspection with several checklists ----------------------------------------------------------------------


def test_inspection_sums_percent_checklists_and_reports_vetoes() -> None:
    zoning = fever_clinic()
    triage = ChecklistSpec(
        code="triage",
        version=1,
        title="预检分诊",
        sections=(SectionSpec("YJ", "预检分诊", (item("YJ1", 10, critical=True), item("YJ2", 10))),),
    )
    framework, framework_answers = ipcaf(["full"] * 8)

    result = score_inspection(
        [
            (zoning, {i.code: Answer("pass") for i in zoning.items()}),  # 111 of 111
            (triage, {"YJ1": Answer("fail"), "YJ2": Answer("pass")}),  # 10 of 20, vetoed
            (framework, framework_answers),  # points basis: left out of the overall percent
        ]
    )

    assert [c.score for c in result.checklists] == [100.0, 50.0, 800.0]
    assert (result.earned, result.maximum, result.percent) == (121.0, 131.0, 92.37)
    assert result.vetoed
    assert result.vetoed_checklists == ("triage",)
    assert (result.answered, result.total) == (18, 18)
    assert result.formula == (
        "总得分率 = 各检查表实得分之和 ÷ 适用项满分之和 × 100 = 121 ÷ 131 × 100 = 92.37%；"
        "按总分计分的检查表“感染预防与控制评估框架”不计入总得分率；检查表“预检分诊”有否决项不符合。"
    )


def test_an_inspection_without_percent_checklists_has_no_overall_percent() -> None:
    framework, framework_answers = ipcaf(["full"] * 8)

    result = score_inspection([(framework, framework_answers)])

    assert result.percent is None
    assert not result.vetoed
    assert "无法计算总得分率" in result.formula
