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
    assert any(item.critical for item in spec.items()), "每张检查表至少有一个否决项"


@pytest.mark.parametrize("code", ["fever-clinic-zoning", "fever-clinic-loop"])
def test_fever_clinic_checklists_apply_only_with_a_fever_clinic(code: str) -> None:
    assert all(s.applies_to.has_fever_clinic is True for s in SPECS.values() if s.code == code)


@pytest.mark.parametrize("code", ["ward-management", "health-monitoring"])
def test_dated_version_ends_the_day_before_the_current_one_starts(code: str) -> None:
    versions = sorted((s for s in SPECS.values() if s.code == code), key=lambda s: s.version)
    dated = [s for s in versions if s.effective_to is not None]
    current = [s for s in versions if s.effective_to is None]
    assert [s.effective_to for s in dated] == [END_OF_CLASS_A_MEASURES]
    assert len(current) == 1 and current[0].version > dated[0].version
    assert current[0].effective_from == date(2023, 1, 8)
    assert dated[0].effective_from is not None and dated[0].effective_from.year == 2020
    # Repeat-finding detection matches items by code: every dated requirement keeps its code in the current version.
    assert {i.code for i in dated[0].items()} <= {i.code for i in current[0].items()}


@pytest.mark.parametrize("code", REPLACED_ON_NEW_STANDARDS_DAY)
def test_replaced_standard_hands_over_to_the_new_version_on_1_february_2026(code: str) -> None:
    old, new = sorted((s for s in SPECS.values() if s.code == code), key=lambda s: s.version)
    assert (old.effective_from, old.effective_to) == (date(2023, 1, 8), NEW_IPC_STANDARDS_DAY - timedelta(days=1))
    assert (new.effective_from, new.effective_to) == (NEW_IPC_STANDARDS_DAY, None)
    assert any("国卫通〔2025〕9号" in line for line in new.basis)
    # The new standard's text was not checked: the new version must say so, and keep every item code.
    assert any("未核对" in line for line in new.basis)
    assert [i.code for i in old.items()] == [i.code for i in new.items()]


def test_hand_hygiene_applies_from_ws_t_313_2019_to_every_institution() -> None:
    (spec,) = (s for s in SPECS.values() if s.code == "hand-hygiene")
    assert spec.effective_from == date(2020, 6, 1)
    assert spec.applies_to == Applicability()


@pytest.mark.parametrize(("code", "levels"), [("key-departments", (2, 3)), ("outbreak-surveillance", (1, 2, 3))])
def test_level_restricted_checklists(code: str, levels: tuple[int, ...]) -> None:
    assert {s.applies_to.levels for s in SPECS.values() if s.code == code} == {levels}


@pytest.mark.parametrize("code", ["medical-waste", "key-departments", *REPLACED_ON_NEW_STANDARDS_DAY])
def test_unverified_details_are_marked_in_basis(code: str) -> None:
    versions = [s for s in SPECS.values() if s.code == code]
    assert versions
    for spec in versions:
        assert any("未核对原文" in line for line in spec.basis), spec.version


@pytest.mark.parametrize("code", ["hand-hygiene", "medical-waste", "key-departments", *REPLACED_ON_NEW_STANDARDS_DAY])
def test_on_site_items_prompt_for_a_photo_on_failure(code: str) -> None:
    versions = [s for s in SPECS.values() if s.code == code]
    assert versions
    for spec in versions:
        on_site = [item for item in spec.items() if item.method == "现场查看"]
        assert on_site
        assert all(item.evidence == "photo-on-fail" for item in on_site), [i.code for i in on_site]


def test_no_two_versions_of_a_code_are_in_force_on_the_same_day() -> None:
    by_code: dict[str, list[ChecklistSpec]] = {}
    for spec in SPECS.values():
        by_code.setdefault(spec.code, []).append(spec)
    for code, versions in by_code.items():
        spans = sorted((s.effective_from or date.min, s.effective_to or date.max) for s in versions)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end < start, code


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.effective_to is None))
def test_current_versions_carry_no_2020_22_rules(name: str) -> None:
    text = _all_text(SPECS[name])
    found = [phrase for phrase in DATED_PHRASES if phrase in text]
    assert not found, f"{name} 仍含有 2020—2022 年的要求：{found}"


# Dated 2020–22 versions added to the product after the current version: their version number is higher although
# their era is earlier (version numbers give the order in which versions were added).
DATED_ADDED_AFTER_CURRENT = ["triage", "fever-clinic-zoning", "fever-clinic-loop"]
CLASS_A_MEASURES_FROM = date(2020, 1, 20)  # 国家卫生健康委员会公告2020年第1号


@pytest.mark.parametrize("code", DATED_ADDED_AFTER_CURRENT)
def test_dated_version_added_after_the_current_one_covers_2020_22_and_keeps_item_codes(code: str) -> None:
    dated, current = sorted((s for s in SPECS.values() if s.code == code), key=lambda s: s.effective_to or date.max)
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
