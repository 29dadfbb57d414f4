"""Institutions: validation, optimistic locking, deactivation, filtered lists and all-or-nothing import."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError, InvalidInputError, NotFoundError, UserError
from inspections.institutions import (
    ImportSummary,
    InstitutionData,
    InstitutionRow,
    categories,
    create_institution,
    deactivate_institution,
    districts,
    get_institution,
    import_institutions,
    institution_names,
    list_institutions,
    parse_level,
    parse_yes_no,
    preview_import,
    reactivate_institution,
    update_institution,
)
from models.all import Base
from models.audit import AuditEvent, verify_audit_chain
from models.database import Database

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "institutions"
EXPECTED: dict[str, Any] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))

PEOPLE = InstitutionData(
    name="第一人民医院", code="A1", level=3, category="综合医院", district="东城区", address="健康路 1 号",
    contact="张三 13800000001", has_fever_clinic=True,
)  # fmt: skip


def audit_events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def database_checksum(db: Database) -> str:
    """A digest of every row of every table: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            digest.update(table.name.encode())
            digest.update(repr(sorted(repr(tuple(r)) for r in rows)).encode())
    return digest.hexdigest()


def add(db: Database, data: InstitutionData) -> uuid.UUID:
    with db.begin() as session:
        return create_institution(session, "管理员", data)


# --- create / get / validation ---------------------------------------------------------------------------------


def test_create_and_get(db: Database) -> None:
    new_id = add(db, InstitutionData(name="  第一人民医院 ", code=" A1 ", level=3, has_fever_clinic=True))
    with db.session() as session:
        row = get_institution(session, new_id)
        assert (row.name, row.code, row.level, row.level_label) == ("第一人民医院", "A1", 3, "三级")
        assert (row.version, row.active, row.has_fever_clinic, row.has_fever_sentinel) == (1, True, True, False)
        assert row.data == InstitutionData(name="第一人民医院", code="A1", level=3, has_fever_clinic=True)
        (event,) = audit_events(session)
        assert (event.action, event.entity, event.entity_id, event.actor) == (
            "institution.create", "institution", str(new_id), "管理员",
        )  # fmt: skip
        assert event.after["name"] == "第一人民医院"


def test_get_unknown(db: Database) -> None:
    with db.session() as session, pytest.raises(NotFoundError, match="找不到该医疗机构"):
        get_institution(session, uuid.uuid4())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (InstitutionData(name="  "), "机构名称不能为空"),
        (InstitutionData(name="中医院", level=4), "级别应为 0–3"),
        (InstitutionData(name="中医院", level=-1), "级别应为 0–3"),
        (InstitutionData(name="院" * 201), "名称太长（201 个字，最多 200 个）"),
        (InstitutionData(name="第一人民医院"), "名称与已有机构「第一人民医院」重复"),
        (InstitutionData(name="第一 人民医院"), "名称与已有机构「第一人民医院」重复"),
        (InstitutionData(name="中医院", code="a1"), "编码「a1」已被机构「第一人民医院」使用"),
    ],
)
def test_create_refuses_bad_data(db: Database, data: InstitutionData, message: str) -> None:
    add(db, PEOPLE)
    with db.begin() as session, pytest.raises(UserError, match=message.replace("(", r"\(")):
        create_institution(session, "管理员", data)
    with db.session() as session:
        assert len(list_institutions(session)) == 1


def test_full_and_half_width_brackets_are_the_same_name(db: Database) -> None:
    add(db, InstitutionData(name="中医院（东院）"))
    with db.begin() as session, pytest.raises(UserError, match="名称与已有机构「中医院（东院）」重复"):
        create_institution(session, "a", InstitutionData(name="中医院(东院)"))


def test_a_deactivated_namesake_is_pointed_out(db: Database) -> None:
    old = add(db, InstitutionData(name="中医院"))
    with db.begin() as session:
        deactivate_institution(session, "a", old, "合并")
    with db.begin() as session, pytest.raises(UserError, match="已停用，可重新启用"):
        create_institution(session, "a", InstitutionData(name="中医院"))


# --- update -----------------------------------------------------------------------------------------------------


def test_update_writes_only_changed_fields_and_bumps_the_version(db: Database) -> None:
    inst = add(db, PEOPLE)
    with db.begin() as session:
        update_institution(session, "李四", inst, replace_data(PEOPLE, district="西城区", level=2), expected_version=1)
    with db.session() as session:
        row = get_institution(session, inst)
        assert (row.district, row.level, row.version) == ("西城区", 2, 2)
        event = audit_events(session)[-1]
        assert event.action == "institution.update"
        assert event.before == {"district": "东城区", "level": 3}
        assert event.after == {"district": "西城区", "level": 2}


def test_saving_unchanged_data_changes_nothing(db: Database) -> None:
    inst = add(db, PEOPLE)
    with db.begin() as session:
        update_institution(session, "a", inst, PEOPLE, expected_version=1)
    with db.session() as session:
        assert get_institution(session, inst).version == 1
        assert len(audit_events(session)) == 1


@pytest.mark.postgres
def test_a_stale_version_is_a_conflict_with_both_sides(db: Database) -> None:
    inst = add(db, PEOPLE)
    with db.session() as session:
        seen = get_institution(session, inst)
    with db.begin() as session:  # someone else saves first
        update_institution(session, "b", inst, replace_data(seen.data, address="新地址"), expected_version=seen.version)
    mine = replace_data(seen.data, contact="王五")
    with db.begin() as session, pytest.raises(ConflictError, match="已被他人修改") as excinfo:
        update_institution(session, "a", inst, mine, expected_version=seen.version)
    assert excinfo.value.mine == mine
    theirs = excinfo.value.theirs
    assert isinstance(theirs, InstitutionRow)
    assert (theirs.address, theirs.version) == ("新地址", 2)
    with db.session() as session:
        assert get_institution(session, inst).contact == "张三 13800000001"


def test_update_validates_like_create(db: Database) -> None:
    add(db, PEOPLE)
    other = add(db, InstitutionData(name="中医院"))
    with db.begin() as session, pytest.raises(UserError, match="名称与已有机构「第一人民医院」重复"):
        update_institution(session, "a", other, InstitutionData(name="第一人民医院"), expected_version=1)
    with db.begin() as session, pytest.raises(NotFoundError):
        update_institution(session, "a", uuid.uuid4(), InstitutionData(name="x"), expected_version=1)


def replace_data(data: InstitutionData, **changes: Any) -> InstitutionData:
    from dataclasses import replace

    return replace(data, **changes)


# --- deactivate / reactivate --------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_deactivate_and_reactivate(db: Database) -> None:
    inst = add(db, PEOPLE)
    with db.begin() as session, pytest.raises(UserError, match="请填写停用原因"):
        deactivate_institution(session, "a", inst, "  ")
    with db.begin() as session:
        assert deactivate_institution(session, "a", inst, "已撤销") is True
        assert deactivate_institution(session, "a", inst, "再次") is False
    with db.session() as session:
        assert list_institutions(session, active_only=True) == []
        assert [r.active for r in list_institutions(session)] == [False]
        assert institution_names(session, active_only=True) == {}
        event = audit_events(session)[-1]
        assert (event.action, event.reason, event.after) == ("institution.deactivate", "已撤销", {"active": False})
    with db.begin() as session:
        assert reactivate_institution(session, "a", inst, "恢复执业") is True
        assert reactivate_institution(session, "a", inst) is False
    with db.session() as session:
        assert get_institution(session, inst).active is True
        assert [e.action for e in audit_events(session)] == [
            "institution.create", "institution.deactivate", "institution.reactivate",
        ]  # fmt: skip
        assert verify_audit_chain(session) == []
    with db.begin() as session, pytest.raises(NotFoundError):
        deactivate_institution(session, "a", uuid.uuid4(), "x")


# --- lists ------------------------------------------------------------------------------------------------------


@pytest.fixture
def several(db: Database) -> Database:
    for data in (
        InstitutionData(name="东城社区卫生服务中心", level=1, category="基层", district="东城区"),
        InstitutionData(name="Beta 诊所", level=0, category="诊所", district="西城区", contact="Zhao"),
        InstitutionData(name="第一人民医院", code="A1", level=3, category="综合", district="东城区"),
        InstitutionData(name="妇幼保健院", level=2, category="专科", district="西城区", address="和平路 100% 号"),
        InstitutionData(name="中医院", level=3, category="综合", district="西城区"),
    ):
        add(db, data)
    return db


def names(rows: list[InstitutionRow]) -> list[str]:
    return [r.name for r in rows]


def test_list_sorts_by_level_then_name(several: Database) -> None:
    with several.session() as session:
        rows = list_institutions(session)
        assert [r.level for r in rows] == [3, 3, 2, 1, 0]
        assert names(rows) == ["中医院", "第一人民医院", "妇幼保健院", "东城社区卫生服务中心", "Beta 诊所"]
        assert list(institution_names(session).values()) == names(rows)


@pytest.mark.postgres
def test_list_filters(several: Database) -> None:
    with several.session() as session:
        assert names(list_institutions(session, levels=[1, 2])) == ["妇幼保健院", "东城社区卫生服务中心"]
        assert set(names(list_institutions(session, categories=["综合"]))) == {"第一人民医院", "中医院"}
        assert names(list_institutions(session, districts=["东城区"], levels=[3])) == ["第一人民医院"]
        assert list_institutions(session, levels=[]) == []
        assert names(list_institutions(session, search="a1")) == ["第一人民医院"]
        assert names(list_institutions(session, search="beta")) == ["Beta 诊所"]
        assert names(list_institutions(session, search="zhao")) == ["Beta 诊所"]
        assert names(list_institutions(session, search="100%")) == ["妇幼保健院"]
        assert names(list_institutions(session, search="%")) == ["妇幼保健院"]
        assert names(list_institutions(session, search="西城区 综合")) == ["中医院"]
        assert districts(session) == ["东城区", "西城区"]
        assert categories(session) == sorted(["基层", "诊所", "综合", "专科"])


# --- parsing cells ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("一级", 1), ("二级", 2), ("三级", 3), ("未定级", 0), ("一", 1), ("三", 3), ("1", 1), ("3", 3), ("0", 0),
        ("三级甲等", 3), ("二级乙等", 2), ("三甲", 3), ("二乙", 2), ("三级医院", 3), (" 二级 ", 2), ("未评级", 0),
        ("四级", None), ("甲等", None), ("5", None), ("高级", None),
    ],
)  # fmt: skip
def test_parse_level(text: str, level: int | None) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("是", True), ("有", True), ("√", True), ("Y", True), ("TRUE", True), ("1", True),
        ("否", False), ("无", False), ("", False), ("×", False), ("FALSE", False), ("0", False),
        ("也许", None), ("待定", None),
    ],
)  # fmt: skip
def test_parse_yes_no(text: str, flag: bool | None) -> None:
    assert parse_yes_no(text) is flag


# --- import -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, dict)))
def test_good_sample_lists_import(db: Database, name: str) -> None:
    with db.begin() as session:
        summary = import_institutions(session, "管理员", CORPUS / name)
    assert summary == ImportSummary(created=EXPECTED[name]["created"], updated=0, unchanged=0)
    with db.session() as session:
        assert len(list_institutions(session)) == EXPECTED[name]["created"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, list)))
def test_bad_sample_lists_import_nothing(db: Database, name: str) -> None:
    add(db, InstitutionData(name="已有医院"))
    before = database_checksum(db)
    with db.begin() as session, pytest.raises(InvalidInputError) as excinfo:
        import_institutions(session, "管理员", CORPUS / name)
    message = str(excinfo.value)
    assert name in message
    for part in EXPECTED[name]:
        assert part in message
    assert database_checksum(db) == before


def test_every_bad_row_is_reported_with_its_row_number(db: Database) -> None:
    with db.begin() as session, pytest.raises(InvalidInputError) as excinfo:
        import_institutions(session, "a", CORPUS / "bad-rows.xlsx")
    located = [(p.location, p.message.split("（")[0]) for p in excinfo.value.problems]
    assert located == [
        ("第 3 行", "级别「四级」无法识别"),
        ("第 4 行", "机构名称为空"),
        ("第 5 行", "「发热门诊」应填 是/否"),
        ("第 6 行", "名称「第一人民医院」与第 2 行重复"),
        ("第 7 行", "编码「A1」与第 2 行重复"),
    ]


def test_the_title_row_sample_is_read_cell_by_cell(db: Database) -> None:
    with db.begin() as session:
        import_institutions(session, "a", CORPUS / "good-title-row.xlsx")
    with db.session() as session:
        rows = {r.name: r for r in list_institutions(session)}
    people = rows["第一人民医院"]
    assert (people.code, people.level, people.district, people.contact) == ("1001", 3, "东城区", "张三 13800000001")
    assert (people.has_fever_clinic, people.has_fever_sentinel) == (True, False)
    assert (rows["妇幼保健院"].code, rows["妇幼保健院"].level, rows["妇幼保健院"].has_fever_sentinel) == (
        "1002",
        2,
        True,
    )
    center = rows["东城社区卫生服务中心"]
    assert (center.code, center.level, center.has_fever_clinic, center.has_fever_sentinel) == ("", 1, False, True)


def test_gbk_csv_written_by_a_chinese_windows_excel(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(
        "医疗机构名单\n名称,等级,辖区,联系人,发热门诊,发热哨点\n第一人民医院,三级甲等,东城区,张三,有,无\n中医院,二级,西城区,,,√\n",
        encoding="gbk",
    )
    with db.begin() as session:
        assert import_institutions(session, "a", path) == ImportSummary(2, 0, 0)
    with db.session() as session:
        rows = {r.name: r for r in list_institutions(session)}
    assert (rows["第一人民医院"].level, rows["第一人民医院"].district, rows["第一人民医院"].contact) == (
        3,
        "东城区",
        "张三",
    )
    assert (rows["中医院"].has_fever_clinic, rows["中医院"].has_fever_sentinel) == (False, True)


def test_reimporting_the_same_file_changes_nothing(db: Database) -> None:
    path = CORPUS / "good-title-row.xlsx"
    with db.begin() as session:
        import_institutions(session, "a", path)
    before = database_checksum(db)
    with db.begin() as session:
        assert preview_import(session, path) == ImportSummary(0, 0, 3)
        assert import_institutions(session, "a", path) == ImportSummary(created=0, updated=0, unchanged=3)
    assert database_checksum(db) == before


def write_list(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.mark.postgres
def test_import_updates_by_code_then_by_name_and_only_changed_fields(db: Database, tmp_path: Path) -> None:
    people = add(db, PEOPLE)
    chinese = add(db, InstitutionData(name="中医院", level=2, address="老地址", contact="李四"))
    untouched = add(db, InstitutionData(name="口腔医院", level=1))
    path = write_list(
        tmp_path / "更新.xlsx",
        [
            ["名称", "编码", "级别", "地址", "发热门诊"],
            ["市第一人民医院", "A1", "三级", "", "是"],  # by code: renamed; empty address keeps the old one
            ["中医院", "B2", "二级", "新地址", ""],  # by name: gets a code and a new address
            ["口腔医院", "", "一级", "", ""],  # unchanged
            ["儿童医院", "", "二级", "", "否"],  # new
        ],
    )
    with db.begin() as session:
        assert preview_import(session, path) == ImportSummary(created=1, updated=2, unchanged=1)
    with db.begin() as session:
        assert import_institutions(session, "管理员", path) == ImportSummary(created=1, updated=2, unchanged=1)
    with db.session() as session:
        first = get_institution(session, people)
        assert (first.name, first.address, first.contact, first.version) == (
            "市第一人民医院",
            "健康路 1 号",
            "张三 13800000001",
            2,
        )
        second = get_institution(session, chinese)
        assert (second.code, second.address, second.contact) == ("B2", "新地址", "李四")
        assert get_institution(session, untouched).version == 1
        assert "儿童医院" in institution_names(session).values()
        updates = [e for e in audit_events(session) if e.action == "institution.update"]
        assert [(e.entity_id, e.after) for e in updates] == [
            (str(people), {"name": "市第一人民医院"}),
            (str(chinese), {"code": "B2", "address": "新地址"}),
        ]
        assert all(e.reason == "从文件「更新.xlsx」导入" for e in updates)
        assert verify_audit_chain(session) == []
    with db.begin() as session:
        assert import_institutions(session, "管理员", path) == ImportSummary(created=0, updated=0, unchanged=4)


def test_a_missing_optional_column_leaves_that_field_alone(db: Database, tmp_path: Path) -> None:
    inst = add(db, replace_data(PEOPLE, has_fever_sentinel=True))
    path = tmp_path / "只有级别.csv"
    path.write_text("名称,级别\n第一人民医院,二级\n", encoding="utf-8")
    with db.begin() as session:
        assert import_institutions(session, "a", path) == ImportSummary(0, 1, 0)
    with db.session() as session:
        row = get_institution(session, inst)
    assert (row.level, row.has_fever_clinic, row.has_fever_sentinel) == (2, True, True)


def test_rows_clashing_with_stored_institutions_are_reported(db: Database, tmp_path: Path) -> None:
    add(db, PEOPLE)
    add(db, InstitutionData(name="中医院", code="B2"))
    path = tmp_path / "冲突.csv"
    path.write_text(
        "名称,编码,级别\n"
        "中医院,A1,二级\n"  # row 2: code A1 is 第一人民医院's, the name belongs to another institution
        "第一人民医院,,三级\n"  # row 3: the same stored institution as row 2 (by name this time)
        "新医院,B2,一级\n",  # row 4: B2 is 中医院's code, so this updates 中医院 to a new name ... allowed
        encoding="utf-8",
    )
    before = database_checksum(db)
    with db.begin() as session, pytest.raises(InvalidInputError) as excinfo:
        import_institutions(session, "a", path)
    problems = [(p.location, p.message) for p in excinfo.value.problems]
    assert ("第 2 行", "名称与已有机构「中医院」重复") in problems
    assert ("第 3 行", "与第 2 行指向同一家已有机构「第一人民医院」") in problems
    assert [p for p in problems if p[0] == "第 4 行"] == []
    assert database_checksum(db) == before


@pytest.mark.postgres
def test_a_failed_import_leaves_the_database_as_it_was(db: Database, tmp_path: Path) -> None:
    add(db, PEOPLE)
    bad = write_list(
        tmp_path / "bad.xlsx",
        [["名称", "级别"], ["新医院甲", "一级"], ["新医院乙", "特级"], ["第一人民医院", "二级"]],
    )
    before = database_checksum(db)
    with db.begin() as session, pytest.raises(InvalidInputError, match="第 3 行：级别「特级」无法识别"):
        import_institutions(session, "a", bad)
    assert database_checksum(db) == before
    with db.begin() as session:
        # The good list still imports afterwards; its 第一人民医院 matches the stored one by name.
        assert import_institutions(session, "a", CORPUS / "good-title-row.xlsx") == ImportSummary(2, 1, 0)
    with db.session() as session:
        assert verify_audit_chain(session) == []
