"""The built-in checklists load, are complete, and keep the 2020–22 COVID rules in dated versions only."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from inspections.checklists.spec import Applicability, ChecklistSpec
from inspections.checklists.yaml_format import dump_checklist, load_checklist_file, load_checklist_text
from inspections.templates import applicable_templates
from models.database import Database
from models.reference import Institution

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_DIR = ROOT / "resources" / "checklists"
FILES = sorted(BUILTIN_DIR.glob("*.yaml"))
EXPECTED_CODES = {
    "triage": 12,
    "fever-clinic-zoning": 12,
    "fever-clinic-loop": 12,
    "ward-management": 6,
    "health-monitoring": 6,
    "ipc-system": 6,
    "hand-hygiene": 16,
    "medical-waste": 16,
    "environment-disinfection": 16,
    "key-departments": 20,
    "outbreak-surveillance": 14,
    "safe-injection": 8,
    "occupational-exposure": 8,
    "sterilization-basic": 8,
    "dental-instruments": 8,
    "medical-textiles": 8,
    "dialysis-endoscopy": 8,
}
END_OF_CLASS_A_MEASURES = date(2023, 1, 7)  # 乙类乙管 from 2023-01-08 (联防联控机制综发〔2023〕6号)
NEW_IPC_STANDARDS_DAY = date(2026, 2, 1)  # 16 standards of 国卫通〔2025〕9号 take effect
# Checklists whose standard is replaced on NEW_IPC_STANDARDS_DAY: v1 ends the day before, v2 starts that day.
REPLACED_ON_NEW_STANDARDS_DAY = ["environment-disinfection", "outbreak-surveillance"]
# Phrases of the 2020–22 rules (test everyone, twice-weekly staff tests, no visiting): never in a current version.
DATED_PHRASES = ("核酸", "严禁探视", "禁止探视", "每周至少两次", "每周两次", "全员检测", "先查")


def _load(path: Path) -> ChecklistSpec:
    return load_checklist_file(path, require_remedy=True)


SPECS = {path.name: _load(path) for path in FILES}


def _all_text(spec: ChecklistSpec) -> str:
    parts = [spec.title, spec.note, *spec.basis]
    for section in spec.sections:
        parts.append(section.title)
        for item in section.items:
            parts += [item.text, item.criteria, item.remedy]
    return "\n".join(parts)


REVIEW_DAY = date(2026, 11, 29)  # a day in the 2026 set (国卫通〔2025〕9号 in force)
# COVID-era wording removed from the versions in force in 2026 (the 2023 versions kept them; issue 15).
RETIRED_TERMS = (
    "非必要不陪护",
    "疑似与确诊",
    "疑似患者与确诊患者分开",
    "健康码",
    "行程码",
    "每日症状",
    "每日开展发热",
    "健康监测台账",
    "每日询问健康状况",
    "穿工作服、戴医用外科口罩",
    "2022年12月",
)


# Checklists of paperwork and interviews only: no item checked by looking alone.
RECORD_CHECKLISTS = {"health-monitoring", "ipc-system"}


def in_force(code: str, day: date) -> ChecklistSpec | None:
    """The version a new inspection on ``day`` gets: the newest version of the code in force that day."""
    versions = [
        s
        for s in SPECS.values()
        if s.code == code and (s.effective_from or date.min) <= day <= (s.effective_to or date.max)
    ]
    return max(versions, key=lambda s: s.version, default=None)


CURRENT = {code: spec for code in EXPECTED_CODES if (spec := in_force(code, REVIEW_DAY)) is not None}


def test_every_expected_checklist_ships() -> None:
    assert {spec.code for spec in SPECS.values()} == set(EXPECTED_CODES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_builtin_loads_and_file_name_matches(path: Path) -> None:
    spec = _load(path)
    assert path.name == f"{spec.code}-v{spec.version}.yaml"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_items_are_complete(name: str) -> None:
    spec = SPECS[name]
    items = spec.items()
    assert len(items) >= EXPECTED_CODES[spec.code]
    for item in items:
        assert item.method and item.criteria and item.remedy, item.code
        assert item.points > 0 and float(item.points).is_integer() and 2 <= item.points <= 10, item.code
    codes = [item.code for item in items]
    assert len(codes) == len(set(codes))
    prefix = {s.code: s.code + "." for s in spec.sections}
    for section in spec.sections:
        assert all(item.code.startswith(prefix[section.code]) for item in section.items), section.code


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_has_basis_dates_and_says_points_are_a_proposal(name: str) -> None:
    spec = SPECS[name]
    assert spec.basis
    assert spec.effective_from is not None
    assert "建议" in spec.note


@pytest.mark.parametrize("code", ["fever-clinic-zoning", "fever-clinic-loop"])
def test_fever_clinic_checklists_apply_only_with_a_fever_clinic(code: str) -> None:
    assert all(s.applies_to.has_fever_clinic is True for s in SPECS.values() if s.code == code)


@pytest.mark.parametrize("code", ["ward-management", "health-monitoring"])
def test_dated_version_ends_the_day_before_the_current_one_starts(code: str) -> None:
    versions = sorted((s for s in SPECS.values() if s.code == code), key=lambda s: s.version)
    dated = [s for s in versions if s.effective_to is not None]
    assert [s.effective_to for s in dated] == [END_OF_CLASS_A_MEASURES]
    assert dated[0].effective_from is not None and dated[0].effective_from.year == 2020
    assert in_force(code, END_OF_CLASS_A_MEASURES) is dated[0]
    after = in_force(code, END_OF_CLASS_A_MEASURES + timedelta(days=1))
    assert after is not None and after.version > dated[0].version and after.effective_from == date(2023, 1, 8)
    now = in_force(code, REVIEW_DAY)
    assert now is not None and now.version > after.version and now.effective_from == NEW_IPC_STANDARDS_DAY
    # Repeat-finding detection matches items by code: every requirement keeps its code from version to version.
    assert {i.code for i in dated[0].items()} <= {i.code for i in after.items()} <= {i.code for i in now.items()}


@pytest.mark.parametrize("code", REPLACED_ON_NEW_STANDARDS_DAY)
def test_replaced_standard_hands_over_to_the_new_version_on_1_february_2026(code: str) -> None:
    old, relabelled, checked = sorted((s for s in SPECS.values() if s.code == code), key=lambda s: s.version)
    assert (old.effective_from, old.effective_to) == (date(2023, 1, 8), NEW_IPC_STANDARDS_DAY - timedelta(days=1))
    # v2 only relabelled the v1 items; v3 starts the same day and takes over (v2 is never chosen for a new inspection).
    assert (relabelled.effective_from, relabelled.effective_to) == (NEW_IPC_STANDARDS_DAY, None)
    assert (checked.effective_from, checked.effective_to) == (NEW_IPC_STANDARDS_DAY, None)
    assert in_force(code, NEW_IPC_STANDARDS_DAY - timedelta(days=1)) is old
    assert in_force(code, NEW_IPC_STANDARDS_DAY) is checked and in_force(code, REVIEW_DAY) is checked
    assert any("国卫通〔2025〕9号" in line for line in checked.basis)
    # The new standard's text was not checked: the version in force must say so, and keep every item code.
    assert any("未核对" in line for line in checked.basis)
    assert [i.code for i in old.items()] == [i.code for i in relabelled.items()] == [i.code for i in checked.items()]


def test_hand_hygiene_applies_from_ws_t_313_2019_to_every_institution() -> None:
    versions = sorted((s for s in SPECS.values() if s.code == "hand-hygiene"), key=lambda s: s.version)
    assert versions[0].effective_from == date(2020, 6, 1)
    assert all(spec.applies_to == Applicability() for spec in versions)


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("key-departments", (2, 3)),
        ("outbreak-surveillance", (1, 2, 3)),
        ("ward-management", (1, 2, 3)),
        ("health-monitoring", (1, 2, 3)),
        ("sterilization-basic", (0, 1)),
        ("dialysis-endoscopy", (0, 1)),
    ],
)
def test_level_restricted_checklists(code: str, levels: tuple[int, ...]) -> None:
    current = in_force(code, REVIEW_DAY)
    assert current is not None and current.applies_to.levels == levels


@pytest.mark.parametrize("code", ["medical-waste", "key-departments", *REPLACED_ON_NEW_STANDARDS_DAY])
def test_unverified_details_are_marked_in_basis(code: str) -> None:
    versions = [s for s in SPECS.values() if s.code == code]
    assert versions
    for spec in versions:
        assert any("未核对原文" in line for line in spec.basis), spec.version


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_on_site_items_prompt_for_a_photo_on_failure(code: str) -> None:
    current = in_force(code, REVIEW_DAY)
    assert current is not None
    on_site = [item for item in current.items() if item.method == "现场查看"]
    assert bool(on_site) != (code in RECORD_CHECKLISTS)
    assert [i.code for i in on_site if i.evidence != "photo-on-fail"] == []


def test_where_versions_overlap_the_later_start_has_the_higher_number() -> None:
    # A used built-in cannot be edited to add an end date: a later version takes over by starting later (or the same
    # day) with a higher number, since a new inspection gets the newest version in force on its date.
    by_code: dict[str, list[ChecklistSpec]] = {}
    for spec in SPECS.values():
        by_code.setdefault(spec.code, []).append(spec)
    for code, versions in by_code.items():
        for a, b in itertools.combinations(versions, 2):
            a_span = (a.effective_from or date.min, a.effective_to or date.max)
            b_span = (b.effective_from or date.min, b.effective_to or date.max)
            if a_span[0] <= b_span[1] and b_span[0] <= a_span[1]:
                later, earlier = (a, b) if a_span[0] > b_span[0] else (b, a)
                if a_span[0] == b_span[0]:
                    later, earlier = (a, b) if a.version > b.version else (b, a)
                assert later.version > earlier.version, (code, later.version, earlier.version)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 6, 1), {"triage": 2, "ward-management": 1, "health-monitoring": 1, "hand-hygiene": 1}),
        (date(2023, 1, 8), {"triage": 1, "ward-management": 2, "health-monitoring": 2, "ipc-system": 1}),
        (date(2026, 1, 31), {"triage": 1, "ward-management": 2, "environment-disinfection": 1, "medical-waste": 1}),
        (
            date(2026, 2, 1),
            {"triage": 3, "fever-clinic-zoning": 3, "fever-clinic-loop": 3, "ward-management": 3,
             "health-monitoring": 3, "ipc-system": 2, "hand-hygiene": 2, "medical-waste": 2,
             "environment-disinfection": 3, "outbreak-surveillance": 3, "key-departments": 2, "safe-injection": 1},
        ),
    ],
)
def test_the_version_in_force_on_a_day(day: date, expected: dict[str, int]) -> None:
    assert {code: getattr(in_force(code, day), "version", None) for code in expected} == expected


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_current_versions_carry_no_2020_22_rules(code: str) -> None:
    current = in_force(code, REVIEW_DAY)
    assert current is not None
    text = _all_text(current)
    found = [phrase for phrase in (*DATED_PHRASES, *RETIRED_TERMS) if phrase in text]
    assert not found, f"{code} 第{current.version}版仍含有新冠肺炎防控期间的要求：{found}"


def test_ward_and_health_monitoring_drop_the_isolation_ward_rules() -> None:
    ward, health = in_force("ward-management", REVIEW_DAY), in_force("health-monitoring", REVIEW_DAY)
    assert ward is not None and health is not None
    ward_items = "\n".join(f"{i.text}{i.criteria}{i.remedy}" for i in ward.items())
    assert "1.2 m" not in ward_items and "独立卫生间" not in ward_items and "1.1 m" in ward_items
    assert not any(i.critical for i in health.items())  # HM1.4 (symptomatic staff at work) is no longer a veto
    assert "每日" not in "\n".join(i.text for i in health.items())


def test_2023_versions_still_show_what_the_reviewer_found() -> None:
    # The versions in force from 2023-01-08 are kept as they were (inspections used them); the carry-overs are there.
    text = _all_text(in_force("ward-management", date(2023, 1, 8)))  # type: ignore[arg-type]
    assert "非必要不陪护" in text and "1.2 m" in text


# Dated 2020–22 versions added to the product after the current version: their version number is higher although
# their era is earlier (version numbers give the order in which versions were added).
DATED_ADDED_AFTER_CURRENT = ["triage", "fever-clinic-zoning", "fever-clinic-loop"]
CLASS_A_MEASURES_FROM = date(2020, 1, 20)  # 国家卫生健康委员会公告2020年第1号


@pytest.mark.parametrize("code", DATED_ADDED_AFTER_CURRENT)
def test_dated_version_added_after_the_current_one_covers_2020_22_and_keeps_item_codes(code: str) -> None:
    (dated,) = (s for s in SPECS.values() if s.code == code and s.effective_to == END_OF_CLASS_A_MEASURES)
    (current,) = (s for s in SPECS.values() if s.code == code and s.effective_from == date(2023, 1, 8))
    assert (dated.effective_from, dated.effective_to) == (CLASS_A_MEASURES_FROM, END_OF_CLASS_A_MEASURES)
    assert (current.effective_from, current.effective_to) == (END_OF_CLASS_A_MEASURES + timedelta(days=1), None)
    assert dated.version > current.version
    assert dated.applies_to == current.applies_to
    # Repeat-finding detection matches items by code: every current requirement that also applied in 2020–22 keeps its
    # code (all of them here), in the same section; the 2020–22-only rules have codes of their own.
    current_sections = {i.code: s.code for s in current.sections for i in s.items}
    dated_sections = {i.code: s.code for s in dated.sections for i in s.items}
    assert set(current_sections) < set(dated_sections)
    assert all(dated_sections[c] == current_sections[c] for c in current_sections)
    assert any("公告2020年第1号" in line and "未核对原文" in line for line in dated.basis)
    assert "2020—2022" in dated.note and "第2版" in dated.note
    # The 2026 version takes over from the 2023 one and keeps its codes where the requirement stayed.
    now = in_force(code, REVIEW_DAY)
    assert now is not None and now.version > dated.version and now.effective_from == NEW_IPC_STANDARDS_DAY
    assert now.applies_to == current.applies_to


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        ("triage", ("先查核酸", "引导至发热门诊")),
        ("fever-clinic-zoning", ("国家卫生健康委发热门诊设置要求（2020年", "发热诊室")),
        ("fever-clinic-loop", ("核酸采样", "核酸检测结果出具前", "2小时内网络直报")),
    ],
)
def test_dated_version_carries_the_2020_22_rules_where_they_belong(code: str, rules: tuple[str, ...]) -> None:
    (dated,) = (s for s in SPECS.values() if s.code == code and s.effective_to == END_OF_CLASS_A_MEASURES)
    text = _all_text(dated)
    assert [rule for rule in rules if rule not in text] == []


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.effective_to == END_OF_CLASS_A_MEASURES))
def test_dated_versions_cite_only_standards_of_their_time(name: str) -> None:
    text = _all_text(SPECS[name])
    assert "311-2023" not in text and "医院隔离技术标准" not in text  # WS/T 311-2023 did not exist before 2023
    if SPECS[name].code.startswith("fever-clinic"):
        assert any("WS/T 311-2009《医院隔离技术规范》" in line for line in SPECS[name].basis)


@pytest.mark.parametrize("code", DATED_ADDED_AFTER_CURRENT)
def test_dated_on_site_items_prompt_for_a_photo_on_failure(code: str) -> None:
    (dated,) = (s for s in SPECS.values() if s.code == code and s.effective_to == END_OF_CLASS_A_MEASURES)
    on_site = [item for item in dated.items() if "现场查看" in item.method]
    assert on_site
    assert [i.code for i in on_site if i.evidence != "photo-on-fail"] == []
    assert 2 <= sum(item.critical for item in dated.items()) <= 5


def test_a_new_inspection_gets_the_version_in_force_on_its_date(ws: Database) -> None:
    hospital = Institution(name="上街区人民医院", level=2, category="综合医院", has_fever_clinic=True)
    with ws.session() as s:
        during = {t.code: (t.version, t.source) for t in applicable_templates(s, hospital, date(2022, 6, 1))}
        last_day = {t.code: t.version for t in applicable_templates(s, hospital, END_OF_CLASS_A_MEASURES)}
        after = {t.code: (t.version, t.source) for t in applicable_templates(s, hospital, date(2023, 1, 8))}
    for code in DATED_ADDED_AFTER_CURRENT:
        assert during[code] == (2, f"{code}-v2.yaml")
        assert last_day[code] == 2
        assert after[code] == (1, f"{code}-v1.yaml")
    assert during["ward-management"] == (1, "ward-management-v1.yaml")
    assert after["ward-management"] == (2, "ward-management-v2.yaml")


def test_dated_versions_do_carry_the_2020_22_rules() -> None:
    dated = "\n".join(_all_text(s) for s in SPECS.values() if s.effective_to == END_OF_CLASS_A_MEASURES)
    assert "严禁探视" in dated
    assert "新入院患者及陪护人员全部进行核酸检测" in dated
    assert "每周至少进行两次核酸检测" in dated


def test_the_example_in_the_format_guide_loads() -> None:
    guide = (ROOT / "docs" / "checklist-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, flags=re.S)
    complete = [b for b in blocks if b.startswith("format: 1\ncode:")]
    assert len(complete) == 1
    spec = load_checklist_text(complete[0], "checklist-format.md", require_remedy=True)
    assert spec.response_sets and any(item.response_set for item in spec.items())
    assert any(item.critical for item in spec.items())


@pytest.mark.parametrize("name", sorted(SPECS))
def test_exported_builtin_reads_back_unchanged(name: str) -> None:
    spec = SPECS[name]
    assert load_checklist_text(dump_checklist(spec), name, require_remedy=True) == spec


# --- the veto policy (docs/veto-policy.md) applied to the versions in force ------------------------------------------

VETO_POLICY = ROOT / "docs" / "veto-policy.md"
BUILTIN_TABLE = ROOT / "docs" / "builtin-checklists.md"
# Words of an item about paperwork: a veto item's requirement must be something seen on site, never these alone.
PAPERWORK = ("制度", "登记", "记录", "台账", "预案", "培训", "协议", "报告")


def _veto_rows() -> dict[tuple[str, str], str]:
    """The cross-reference table of docs/veto-policy.md: (checklist code, item code) → observation id."""
    rows: dict[tuple[str, str], str] = {}
    for line in VETO_POLICY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] in EXPECTED_CODES and re.fullmatch(r"[A-Z]{2}\d+\.\d+", cells[1]):
            rows[(cells[0], cells[1])] = cells[2]
    return rows


def test_every_current_veto_is_in_the_cross_reference_and_nothing_else() -> None:
    vetoes = {(code, item.code) for code, spec in CURRENT.items() for item in spec.items() if item.critical}
    assert vetoes, "the versions in force keep some vetoes"
    assert set(_veto_rows()) == vetoes


def test_no_observation_vetoes_twice_for_one_institution() -> None:
    by_observation: dict[str, list[str]] = {}
    for (code, _item), observation in _veto_rows().items():
        by_observation.setdefault(observation, []).append(code)
    for observation, codes in by_observation.items():
        # The same observation may appear in two checklists only if no institution gets both (disjoint levels).
        for a, b in itertools.combinations(codes, 2):
            levels_a, levels_b = CURRENT[a].applies_to.levels, CURRENT[b].applies_to.levels
            assert levels_a is not None and levels_b is not None, (observation, a, b)
            assert not set(levels_a) & set(levels_b), (observation, a, b)


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_current_vetoes_follow_the_policy(code: str) -> None:
    for item in CURRENT[code].items():
        if not item.critical:
            continue
        # Seen on site, never a record alone …
        assert "现场查看" in item.method or "实操" in item.method, item.code
        assert not [w for w in PAPERWORK if w in item.text], item.code
        # … and the criteria say what vetoes and what a lesser lapse scores instead (部分符合 does not veto).
        assert "判不符合（否决" in item.criteria and "部分符合" in item.criteria, item.code
        # One lapse vetoes only where it is itself a patient's exposure; otherwise a threshold is written down.
        threshold = r"一次即为\w*暴露|2处及以上|2例及以上|2名及以上|普遍|惯常|交叉使用"
        assert re.search(threshold, item.criteria), item.code


def test_the_2026_set_has_far_fewer_vetoes_for_a_full_visit() -> None:
    # A level-2 general hospital with a fever clinic: every checklist it gets, the day before and the day in review.
    def applies(spec: ChecklistSpec) -> bool:
        a = spec.applies_to
        return (a.has_fever_clinic in (None, True)) and (a.levels is None or 2 in a.levels)

    old = [s for code in EXPECTED_CODES if (s := in_force(code, NEW_IPC_STANDARDS_DAY - timedelta(days=1)))]
    before = sum(i.critical for s in old if applies(s) for i in s.items())
    after = sum(i.critical for s in CURRENT.values() if applies(s) for i in s.items())
    assert before >= 25 and after <= 16, (before, after)


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_every_current_item_cites_its_basis(code: str) -> None:
    spec = CURRENT[code]
    refs = [m.groups() for line in spec.basis for m in _ITEM_REF.finditer(line)]

    def cited(section: str, item: str) -> bool:
        number = int(item.split(".")[1])
        for first, last in refs:
            if first in (item, section):
                return True
            same_section = last and "." in first and first.split(".")[0] == section == last.split(".")[0]
            if same_section and int(first.split(".")[1]) <= number <= int(last.split(".")[1]):
                return True
        return False

    assert [i.code for s in spec.sections for i in s.items if not cited(s.code, i.code)] == []
    assert "veto-policy" in spec.note


_ITEM_REF = re.compile(r"([A-Z]{2}\d+(?:\.\d+)?)(?:\s*[–～~-]\s*([A-Z]{2}\d+(?:\.\d+)?))?")


def test_the_table_of_builtins_has_a_row_per_checklist_with_its_versions() -> None:
    table = BUILTIN_TABLE.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines() if line.startswith("| `")}
    assert set(rows) == set(EXPECTED_CODES)
    for code, row in rows.items():
        versions = [s for s in SPECS.values() if s.code == code]
        for spec in versions:
            assert f"v{spec.version}" in row and str(spec.effective_from) in row, (code, spec.version)
        current = CURRENT[code]
        vetoes = [i.code for i in current.items() if i.critical]
        assert all(v in row for v in vetoes), (code, vetoes)
        assert f"{len(current.items())}项" in row, code


def test_a_clinic_without_wards_does_not_get_ward_checklists(ws: Database) -> None:
    clinic = Institution(name="中原区建设路门诊部", level=0, category="诊所", has_fever_clinic=False)
    hospital = Institution(name="上街区人民医院", level=2, category="综合医院", has_fever_clinic=True)
    with ws.session() as s:
        for_clinic = {t.code: t.version for t in applicable_templates(s, clinic, REVIEW_DAY)}
        for_hospital = {t.code: t.version for t in applicable_templates(s, hospital, REVIEW_DAY)}
        clinic_2025 = {t.code for t in applicable_templates(s, clinic, date(2025, 6, 1))}
    # The 2023 versions applied to every institution; the 2026 versions leave clinics out (and don't fall back).
    assert {"ward-management", "health-monitoring"} <= clinic_2025
    assert not {"ward-management", "health-monitoring", "key-departments", "outbreak-surveillance"} & set(for_clinic)
    clinic_gets = {"sterilization-basic": 1, "dialysis-endoscopy": 1, "safe-injection": 1, "triage": 3}
    assert clinic_gets.items() <= for_clinic.items()
    assert not {"sterilization-basic", "dialysis-endoscopy"} & set(for_hospital)
    hospital_gets = {"ward-management": 3, "key-departments": 2, "fever-clinic-zoning": 3, "ipc-system": 2}
    assert hospital_gets.items() <= for_hospital.items()
