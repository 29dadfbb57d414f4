"""An expert team across laptops: the lead assigns parts, members answer offline, parts are merged item by item.

Four databases trusting one another the honest way (trust_world's pattern): the commission issues identity files to
the lead 王组长 (wang) and the members 李专家 (li) and 赵专家 (zhao); each laptop installs its own. The lead assigns
triage and the first section of the fever clinic's zoning checklist to li, the whole zoning checklist to zhao.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from inspections.cli import main
from inspections.errors import InvalidInputError, PermissionDenied, UserError
from inspections.identity import export_keys, import_keys, install_identity, issue_identity
from inspections.institutions import InstitutionData, create_institution
from inspections.integrity import check_database
from inspections.packages import (
    export_assignment,
    export_inspections,
    export_part,
    import_package,
    preview_file,
    read_package,
)
from inspections.scoring import response_options
from inspections.signing import key_infos, verify_stored
from inspections.teams import assign_part, current_values, part_item_ids, parts_of
from inspections.teams.signing import PART_ENTITY
from inspections.users import CurrentUser, add_user, log_in
from inspections.workflow import (
    add_item_photo,
    finalize_inspection,
    load_inspection,
    previous_inspection_id,
    record_answer,
    start_inspection,
)
from inspections.workspace import open_workspace
from models.audit import AuditEvent
from models.checklist import ChecklistTemplate
from models.database import DB_FILENAME, Database
from models.inspection import Inspection
from models.keys import Signature
from models.team import PartReceipt
from tests.inspections.packages.conftest import jpeg
from tests.inspections.packages.trust_world import resign

PW = {"admin": "admin-pass-1", "wang": "wang-pass-1", "li": "li-pass-1", "zhao": "zhao-pass-1"}
NAMES = {"wang": "王组长", "li": "李专家", "zhao": "赵专家"}
OVERLAP = "FZ1"  # the section of fever-clinic-zoning both members hold


@dataclass
class Team:
    tmp: Path
    dirs: dict[str, Path]
    dbs: dict[str, Database]
    inspection_id: uuid.UUID
    previous_id: uuid.UUID

    def user(self, where: str) -> CurrentUser:
        with self.dbs[where].session() as s:
            return log_in(s, where, PW[where])


def _copy_workspace(template: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    src, dst = sqlite3.connect(template / DB_FILENAME), sqlite3.connect(folder / DB_FILENAME)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _answer_all(db: Database, who: CurrentUser, inspection_id: uuid.UUID, *, overlap: str) -> None:
    """``who`` answers every item of their parts: 符合, except the overlapping section's first item (``overlap``,
    with a note and a photo when it fails)."""
    with db.begin() as s:
        mine = part_item_ids(s, inspection_id, who.username)
        view = load_inspection(s, inspection_id)
        for checklist in view.checklists:
            for section in checklist.sections:
                for item in section.items:
                    if item.item_id not in mine:
                        continue
                    options = {o.outcome: o.code for o in response_options(checklist.spec, item.spec)}
                    if item.code == f"{OVERLAP}.1" and overlap == "fail":
                        record_answer(s, who.username, inspection_id, item.item_id, response=options["fail"],
                                      note="缓冲间两门同时开启", user=who)
                        add_item_photo(s, who.username, inspection_id, item.item_id, jpeg((20, 20, 200)),
                                       filename="缓冲间.jpg")
                    else:
                        record_answer(s, who.username, inspection_id, item.item_id, response=options["pass"],
                                      user=who)


def _item(db: Database, inspection_id: uuid.UUID, template: str, code: str) -> uuid.UUID:
    with db.session() as s:
        view = load_inspection(s, inspection_id)
        return next(
            i.item_id for c in view.checklists if c.spec.code == template
            for sec in c.sections for i in sec.items if i.code == code
        )


def _values(db: Database, inspection_id: uuid.UUID) -> dict[uuid.UUID, str]:
    with db.session() as s:
        return {k: v.digest for k, v in current_values(s, inspection_id).items()}


def _audit_count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.fixture
def team(tmp_path: Path, _workspace_template: Path) -> Iterator[Team]:
    dirs = {name: tmp_path / name for name in ("commission", "wang", "li", "zhao")}
    for folder in dirs.values():
        _copy_workspace(_workspace_template, folder)
    dbs = {name: open_workspace(None, folder, backup=False) for name, folder in dirs.items()}
    try:
        yield _build(tmp_path, dirs, dbs)
    finally:
        for db in dbs.values():
            db.close()


def _build(tmp: Path, dirs: dict[str, Path], dbs: dict[str, Database]) -> Team:
    commission = dbs["commission"]
    with commission.begin() as s:
        add_user(s, None, username="admin", password=PW["admin"], role="admin", display_name="王管理")
    with commission.session() as s:
        admin = log_in(s, "admin", PW["admin"])
    with commission.begin() as s:
        for username, name in NAMES.items():
            issue_identity(s, admin, tmp / f"{username}.ygid", username=username, password=PW[username],
                           role="inspector", display_name=name)
        export_keys(s, admin, tmp / "keys.json")
    with dbs["wang"].begin() as s:  # the lead's laptop knows the hospital before its user is installed
        institution_id = create_institution(s, "王组长", InstitutionData(
            name="第一人民医院", code="H001", level=2, category="综合医院", has_fever_clinic=True))
    for username in NAMES:
        with dbs[username].begin() as s:
            install_identity(s, None, tmp / f"{username}.ygid", PW[username])
    lead = Team(tmp, dirs, dbs, uuid.uuid4(), uuid.uuid4()).user("wang")
    with dbs["wang"].begin() as s:
        import_keys(s, lead, tmp / "keys.json")  # the members' keys, so the lead can assign them
        templates = {
            code: s.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == code)
                           .order_by(ChecklistTemplate.version.desc()))
            for code in ("triage", "fever-clinic-zoning")
        }
        # Last month's inspection of the hospital: its results are last time's results in the members' editors.
        previous_id = start_inspection(s, "wang", institution_id=institution_id, on=date(2026, 10, 20),
                                       inspectors=["王组长"], template_ids=[templates["triage"]], user=lead)
        view = load_inspection(s, previous_id)
        for checklist in view.checklists:
            for item in checklist.spec.items():
                options = {o.outcome: o.code for o in response_options(checklist.spec, item)}
                item_id = next(i.item_id for i in view.items() if i.code == item.code)
                record_answer(s, "wang", previous_id, item_id, response=options["pass"], user=lead)
        finalize_inspection(s, "wang", previous_id, signatures={"检查组": "王组长"}, hospital_rep="院感科 王主任",
                            user=lead)
        inspection_id = start_inspection(s, "wang", institution_id=institution_id, on=date(2026, 11, 20),
                                         inspectors=["王组长"], template_ids=list(templates.values()), user=lead)
        assign_part(s, "wang", inspection_id, "li", checklists=["triage"],
                    sections=[f"fever-clinic-zoning/{OVERLAP}"], user=lead)
        assign_part(s, "wang", inspection_id, "zhao", checklists=["fever-clinic-zoning"], user=lead)
    return Team(tmp, dirs, dbs, inspection_id, previous_id)


def _send_assignments(team: Team) -> None:
    lead = team.user("wang")
    for member in ("li", "zhao"):
        with team.dbs["wang"].session() as s:
            path = export_assignment(s, team.tmp / f"assign-{member}.ygpkg", team.inspection_id, member,
                                     user=lead).path
        user = team.user(member)
        with team.dbs[member].begin() as s:
            import_package(s, member, path, user=user)


def _export_part(team: Team, member: str, name: str) -> Path:
    user = team.user(member)
    with team.dbs[member].session() as s:
        return export_part(s, team.tmp / name, team.inspection_id, user=user).path


def test_three_laptops_assign_answer_merge_decide_and_finalize(team: Team) -> None:
    lead = team.user("wang")
    _send_assignments(team)
    # The member's laptop: the same inspection (a draft), the parts of everyone, last time's inspection.
    with team.dbs["li"].session() as s:
        copy = s.get(Inspection, team.inspection_id)
        assert copy is not None and copy.status == "draft" and copy.created_by == "wang"
        assert [(p.member, p.template_code, p.section_code) for p in parts_of(s, team.inspection_id)] == [
            ("li", "triage", ""), ("li", "fever-clinic-zoning", OVERLAP), ("zhao", "fever-clinic-zoning", "")]
        assert previous_inspection_id(s, copy) == team.previous_id
    # Importing the same assignment again changes nothing.
    before = _audit_count(team.dbs["li"])
    with team.dbs["li"].begin() as s:
        again = import_package(s, "li", team.tmp / "assign-li.ygpkg", user=team.user("li"))
    assert "没有需要导入的变化" in again.message and _audit_count(team.dbs["li"]) == before

    _answer_all(team.dbs["li"], team.user("li"), team.inspection_id, overlap="pass")
    _answer_all(team.dbs["zhao"], team.user("zhao"), team.inspection_id, overlap="fail")
    li_package = _export_part(team, "li", "li-part.ygpkg")
    zhao_package = _export_part(team, "zhao", "zhao-part.ygpkg")
    assert read_package(li_package).manifest.kind == "part"

    lead_db = team.dbs["wang"]
    with lead_db.begin() as s:
        result = import_package(s, "wang", li_package, user=lead)
    assert "检查项新增" in result.message
    overlap_item = _item(lead_db, team.inspection_id, "fever-clinic-zoning", f"{OVERLAP}.1")

    # zhao's part: the overlapping item li answered 符合 and zhao 不符合 is a conflict showing both and who.
    with lead_db.session() as s:
        preview = preview_file(s, zhao_package, user=lead)
    conflicts = preview.conflicts
    assert [c.entity for c in conflicts] == ["item"] and conflicts[0].id.endswith(f"/fever-clinic-zoning/{OVERLAP}.1")
    conflict = conflicts[0]
    assert conflict.key == f"item:{team.inspection_id}/fever-clinic-zoning/{OVERLAP}.1"
    assert conflict.mine is not None and conflict.theirs is not None
    assert (conflict.mine["回答"], conflict.mine["填写人"], conflict.mine["照片"]) == ("符合", "李专家", 0)
    assert (conflict.theirs["回答"], conflict.theirs["填写人"], conflict.theirs["照片"]) == ("不符合", "赵专家", 1)
    assert conflict.theirs["备注"] == "缓冲间两门同时开启" and len(conflict.theirs["照片sha256"][0]) == 64
    assert "第一人民医院 2026-11-20 · 发热门诊" in conflict.label
    with pytest.raises(UserError, match="1 项冲突"), lead_db.begin() as s:
        import_package(s, "wang", zhao_package, user=lead)
    with lead_db.begin() as s:
        import_package(s, "wang", zhao_package, decisions={conflict.key: "theirs"}, user=lead)
    with lead_db.session() as s:
        merged = current_values(s, team.inspection_id)
        assert merged[overlap_item].response == "fail" and len(merged[overlap_item].photos) == 1
        assert merged[overlap_item].updated_by == "zhao"
        receipts = {r.member for r in s.scalars(select(PartReceipt).where(PartReceipt.item_id == overlap_item))}
        assert receipts == {"li", "zhao"}
        seals = s.scalars(select(Signature).where(Signature.entity == PART_ENTITY)).all()
        assert sorted(r.signer for r in seals) == ["li", "zhao"]
        keys = key_infos(s)
        assert all(verify_stored(row, keys) is None for row in seals)

    # The same member package again: nothing applied, nothing asked (li's 符合 was decided away, li has not
    # changed it since, so it is left alone).
    values, audit = _values(lead_db, team.inspection_id), _audit_count(lead_db)
    with lead_db.session() as s:
        assert not preview_file(s, li_package, user=lead).conflicts
    with lead_db.begin() as s:
        again = import_package(s, "wang", li_package, user=lead)
    assert "没有需要导入的变化" in again.message
    assert _values(lead_db, team.inspection_id) == values and _audit_count(lead_db) == audit

    # li works on: one triage item changed; re-sending updates only that one.
    li = team.user("li")
    with team.dbs["li"].begin() as s:
        view = load_inspection(s, team.inspection_id)
        checklist = next(c for c in view.checklists if c.spec.code == "triage")
        first = checklist.sections[0].items[0]
        options = {o.outcome: o.code for o in response_options(checklist.spec, first.spec)}
        record_answer(s, "li", team.inspection_id, first.item_id, response=options["partial"] if "partial" in options
                      else options["fail"], note="分诊台无流调表", user=li)
        add_item_photo(s, "li", team.inspection_id, first.item_id, jpeg((0, 160, 0)), filename="分诊台.jpg")
        triage_item = first.item_id
    li_again = _export_part(team, "li", "li-part-2.ygpkg")
    with lead_db.session() as s:
        counts = preview_file(s, li_again, user=lead).counts()
    assert counts["updated"] == 1 and counts["conflict"] == 0 and counts["new"] == 0
    with lead_db.begin() as s:
        import_package(s, "wang", li_again, user=lead)
    with lead_db.session() as s:
        assert current_values(s, team.inspection_id)[triage_item].note == "分诊台无流调表"
        assert current_values(s, team.inspection_id)[overlap_item].response == "fail"  # the decision stands

    # The lead finalizes with their key; every signature verifies; findings come from both parts.
    with lead_db.begin() as s:
        outcome = finalize_inspection(s, "wang", team.inspection_id, signatures={"检查组": "王组长、李专家、赵专家"},
                                      hospital_rep="院感科 王主任", user=lead)
    assert len(outcome.finding_ids) == 2
    report = check_database(lead_db)
    assert report.problems == []
    with lead_db.session() as s:
        sealed = s.scalars(select(Signature).where(Signature.entity_id == str(team.inspection_id))).all()
        assert {r.entity for r in sealed} == {"inspection", PART_ENTITY}
        assert {r.signer for r in sealed if r.entity == PART_ENTITY} == {"li", "zhao"}
        # The 反馈单 lists who inspected what, with each member's part signature (the lead's decision on the overlap
        # shows where it differs from what that member signed), and findings from both parts.
        from inspections.reports.gather.feedback import feedback_data

        feedback = feedback_data(s, team.inspection_id)
    rows = {r.member: r for r in feedback.team_parts}
    assert set(rows) == {"李专家", "赵专家"}
    assert all(r.signed == "已签署" for r in rows.values())
    assert "预检分诊" in rows["李专家"].parts and "发热门诊" in rows["赵专家"].parts
    assert sum(r.differs for r in rows.values()) == 1  # the overlapping item: one member's answer was not taken
    assert len({f.checklist_title for f in feedback.findings}) == 2

    # A finalized inspection is never changed by a part package.
    with team.dbs["li"].begin() as s:
        record_answer(s, "li", team.inspection_id, triage_item, note="分诊台无流调表，已口头告知", user=li)
    late = _export_part(team, "li", "li-part-3.ygpkg")
    with lead_db.session() as s:
        kept = [e for e in preview_file(s, late, user=lead).entries if e.status == "kept"]
    assert [e.id.split("/", 1)[1] for e in kept if "已完成签字" in e.detail] == [f"triage/{first.code}"]
    assert all("没有再改动" in e.detail for e in kept if "已完成签字" not in e.detail)
    with lead_db.begin() as s:
        assert "没有需要导入的变化" in import_package(s, "wang", late, user=lead).message
    with lead_db.session() as s:
        finalized = s.get(Inspection, team.inspection_id)
        assert finalized is not None and finalized.status == "finalized"


def test_members_merge_with_each_other(team: Team) -> None:
    _send_assignments(team)
    _answer_all(team.dbs["li"], team.user("li"), team.inspection_id, overlap="pass")
    _answer_all(team.dbs["zhao"], team.user("zhao"), team.inspection_id, overlap="fail")
    li_package = _export_part(team, "li", "li-part.ygpkg")
    zhao = team.user("zhao")
    zhao_db = team.dbs["zhao"]
    with zhao_db.session() as s:
        preview = preview_file(s, li_package, user=zhao)
    assert [c.id.rsplit("/", 1)[1] for c in preview.conflicts] == [f"{OVERLAP}.1"]
    assert preview.counts()["new"] > 0
    with zhao_db.begin() as s:
        import_package(s, "zhao", li_package, decisions={preview.conflicts[0].key: "mine"}, user=zhao)
    overlap_item = _item(zhao_db, team.inspection_id, "fever-clinic-zoning", f"{OVERLAP}.1")
    with zhao_db.session() as s:
        values = current_values(s, team.inspection_id)
        li_items = part_item_ids(s, team.inspection_id, "li") - part_item_ids(s, team.inspection_id, "zhao")
    assert values[overlap_item].response == "fail"  # zhao kept their own
    assert all(values[i].updated_by == "li" and values[i].response is not None for i in li_items)
    before = _values(zhao_db, team.inspection_id)
    with zhao_db.begin() as s:
        again = import_package(s, "zhao", li_package, user=zhao)
    assert "没有需要导入的变化" in again.message and _values(zhao_db, team.inspection_id) == before


def test_an_answer_the_member_clears_is_cleared_at_the_lead_unless_the_lead_changed_it(team: Team) -> None:
    _send_assignments(team)
    li, lead, lead_db = team.user("li"), team.user("wang"), team.dbs["wang"]
    _answer_all(team.dbs["li"], li, team.inspection_id, overlap="pass")
    with lead_db.begin() as s:
        import_package(s, "wang", _export_part(team, "li", "li-1.ygpkg"), user=lead)
    with lead_db.session() as s:
        view = load_inspection(s, team.inspection_id)
    triage = next(c for c in view.checklists if c.spec.code == "triage")
    cleared, changed = triage.sections[0].items[0].item_id, triage.sections[0].items[1].item_id
    with lead_db.begin() as s:  # the lead changes one of li's answers meanwhile
        record_answer(s, "wang", team.inspection_id, changed, note="组长补充：分诊台无体温枪", user=lead)
    with team.dbs["li"].begin() as s:  # li takes two answers back (the items are unanswered again on li's laptop)
        for item_id in (cleared, changed):
            record_answer(s, "li", team.inspection_id, item_id, response=None, user=li)
    with team.dbs["li"].session() as s:
        assert cleared not in current_values(s, team.inspection_id)
    second = _export_part(team, "li", "li-2.ygpkg")

    with lead_db.session() as s:
        preview = preview_file(s, second, user=lead)
    updated = [e for e in preview.entries if e.entity == "item" and e.status == "updated"]
    assert [e.detail for e in updated] == ["成员清除了该项的回答（本机未改动）"]
    assert [c.theirs["回答"] for c in preview.conflicts if c.theirs] == ["未作答"]  # the lead's change is asked about
    assert preview.conflicts[0].mine is not None and "组长补充" in preview.conflicts[0].mine["备注"]
    with lead_db.begin() as s:
        import_package(s, "wang", second, decisions={preview.conflicts[0].key: "mine"}, user=lead)
    with lead_db.session() as s:
        values = current_values(s, team.inspection_id)
    assert cleared not in values  # unanswered at the lead too
    assert "组长补充" in values[changed].note  # the lead decided to keep theirs
    assert check_database(lead_db).problems == []  # li's part signature still verifies
    with lead_db.begin() as s:  # nothing asked or changed the second time
        assert "没有需要导入的变化" in import_package(s, "wang", second, user=lead).message

    # li answers the item again: it arrives as new, like any answer.
    with team.dbs["li"].begin() as s:
        options = {o.outcome: o.code for o in response_options(triage.spec, triage.sections[0].items[0].spec)}
        record_answer(s, "li", team.inspection_id, cleared, response=options["pass"], user=li)
    with lead_db.begin() as s:
        import_package(s, "wang", _export_part(team, "li", "li-3.ygpkg"), user=lead)
    with lead_db.session() as s:
        assert current_values(s, team.inspection_id)[cleared].response == options["pass"]


def _rewrite(src: Path, dst: Path, mutate: Any, signer: Any, name: str = "") -> Path:
    return resign(src, dst, mutate, signer, display_name=name)


def test_hostile_part_packages_are_refused_in_words(team: Team) -> None:
    _send_assignments(team)
    _answer_all(team.dbs["li"], team.user("li"), team.inspection_id, overlap="pass")
    _answer_all(team.dbs["zhao"], team.user("zhao"), team.inspection_id, overlap="fail")
    li_package = _export_part(team, "li", "li-part.ygpkg")
    zhao_package = _export_part(team, "zhao", "zhao-part.ygpkg")
    li_signer, zhao_signer = team.user("li").signer, team.user("zhao").signer
    assert li_signer is not None and zhao_signer is not None
    lead = team.user("wang")
    lead_db = team.dbs["wang"]
    zhao_results = json.loads(zipfile.ZipFile(zhao_package).read("data.json"))["inspections"][0]["results"]
    outside = next(r for r in zhao_results if not r["item_code"].startswith(OVERLAP))

    def add_outside(data: dict[str, Any]) -> None:
        data["inspections"][0]["results"].append(dict(outside, photos=[]))

    def claim_li(data: dict[str, Any]) -> None:  # zhao passing off their answers of the shared section as li's
        data["team"]["member"] = "li"
        results = data["inspections"][0]["results"]
        results[:] = [r for r in results if r["item_code"].startswith(OVERLAP)]

    def alter(data: dict[str, Any]) -> None:
        data["inspections"][0]["results"][0]["note"] = "改过的备注"

    cases = [
        (_rewrite(li_package, team.tmp / "outside.ygpkg", add_outside, li_signer, "李专家"),
         InvalidInputError, "不在“li”在本机的分工范围内"),
        (_rewrite(zhao_package, team.tmp / "claim.ygpkg", claim_li, zhao_signer, "赵专家"),
         PermissionDenied, "自称是 li 的分工结果，但签名者是"),
        (_rewrite(li_package, team.tmp / "altered.ygpkg", alter, li_signer, "李专家"),
         PermissionDenied, "分工签名与数据包中的检查结果不符"),
        (_rewrite(li_package, team.tmp / "unsigned-change.ygpkg", alter, None),
         PermissionDenied, "签名无效"),
    ]
    values, audit = _values(lead_db, team.inspection_id), _audit_count(lead_db)
    for path, error, words in cases:
        with pytest.raises(error, match=words), lead_db.begin() as s:
            import_package(s, "wang", path, user=lead)
    # A part package whose team is malformed, and an inspection package smuggling a team: problem lists.
    bad_team = _rewrite(li_package, team.tmp / "bad-team.ygpkg", lambda d: d["team"].pop("parts"), li_signer)
    with pytest.raises(InvalidInputError) as caught, lead_db.begin() as s:
        import_package(s, "wang", bad_team, user=lead)
    assert "缺少字段 parts" in str(caught.value)
    with lead_db.session() as s:
        plain = export_inspections(s, team.tmp / "plain.ygpkg", exporter="wang", inspection_ids=[team.previous_id],
                                   user=lead).path
    smuggled = _rewrite(plain, team.tmp / "smuggled.ygpkg", lambda d: d.update(team={}), lead.signer)
    with pytest.raises(InvalidInputError, match="未知的部分"), lead_db.begin() as s:
        import_package(s, "wang", smuggled, user=lead)
    assert _values(lead_db, team.inspection_id) == values and _audit_count(lead_db) == audit
    # Only a member may send a part; the lead exports an inspection package instead.
    with pytest.raises(UserError, match="组长"), lead_db.session() as s:
        export_part(s, team.tmp / "lead-part.ygpkg", team.inspection_id, user=lead)


def test_command_line_round_trip(team: Team, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def run(where: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("YG_USER", where)
        monkeypatch.setenv("YG_PASSWORD", PW[where])
        code = main(["--data-dir", str(team.dirs[where]), *args])
        out, err = capsys.readouterr()
        return code, out, err

    inspection = str(team.inspection_id)
    assignment = team.tmp / "cli-assign-li.ygpkg"
    code, out, err = run("wang", "package", "export", "--assignment", inspection, "--member", "li",
                         "--checklists", "triage", "--sections", f"fever-clinic-zoning/{OVERLAP}", "-o",
                         str(assignment))
    assert code == 0, err
    assert "已分配给 li" in out and "已导出检查分工包" in out
    code, out, err = run("li", "package", "import", str(assignment))
    assert code == 0 and "已导入检查分工包" in out, err
    _answer_all(team.dbs["li"], CurrentUser("li", "inspector", display_name="李专家"), team.inspection_id,
                overlap="pass")
    part = team.tmp / "cli-li-part.ygpkg"
    code, out, err = run("li", "package", "export", "--inspection", inspection, "-o", str(part))
    assert code == 0 and "已导出分工结果包" in out, err
    code, out, err = run("wang", "package", "import", str(part), "--dry-run")
    assert code == 0 and "检查项" in out and "新增" in out
    code, out, err = run("wang", "package", "import", str(part))
    assert code == 0 and "检查项新增" in out, err
    code, out, err = run("wang", "package", "import", str(part))
    assert code == 0 and "没有需要导入的变化" in out
    code, out, err = run("wang", "package", "export", "--inspection", inspection, "--member", "li", "-o",
                         str(team.tmp / "x.ygpkg"))
    assert code == 2 and err.startswith("错误：") and "--assignment" in err


def test_a_new_assignment_keeps_the_members_own_work(team: Team) -> None:
    _send_assignments(team)
    li = team.user("li")
    _answer_all(team.dbs["li"], li, team.inspection_id, overlap="pass")
    lead = team.user("wang")
    lead_db = team.dbs["wang"]
    own = _item(lead_db, team.inspection_id, "fever-clinic-zoning", f"{OVERLAP}.1")  # li answered it
    other = _item(lead_db, team.inspection_id, "fever-clinic-zoning", "FZ2.1")  # zhao's only
    with lead_db.begin() as s:  # the lead answers one item of li's part and one outside it
        record_answer(s, "wang", team.inspection_id, own, response="fail", note="组长看到的问题", user=lead)
        record_answer(s, "wang", team.inspection_id, other, note="组长的提示：先看缓冲间", user=lead)
    li_before = _values(team.dbs["li"], team.inspection_id)
    with lead_db.session() as s:
        path = export_assignment(s, team.tmp / "assign-li-2.ygpkg", team.inspection_id, "li", user=lead).path
    with team.dbs["li"].session() as s:
        preview = preview_file(s, path, user=li)
    entry = next(e for e in preview.entries if e.entity == "inspection" and e.id == str(team.inspection_id))
    assert entry.status == "updated" and "1 项采用组长的结果" in entry.detail
    with team.dbs["li"].begin() as s:
        import_package(s, "li", path, user=li)
    with team.dbs["li"].session() as s:
        values = current_values(s, team.inspection_id)
    assert values[own].response == "pass" and values[own].digest == li_before[own]  # li's own work stays
    assert values[other].note == "组长的提示：先看缓冲间"  # outside li's part: the lead's
    assert {k: v for k, v in _values(team.dbs["li"], team.inspection_id).items() if k != other} == li_before
    with team.dbs["li"].begin() as s:
        assert "没有需要导入的变化" in import_package(s, "li", path, user=li).message
    # li may not change zhao's items on their laptop: they are read-only there.
    with pytest.raises(Exception, match="不在您的分工范围内"), team.dbs["li"].begin() as s:
        record_answer(s, "li", team.inspection_id, other, note="改别人的", user=li)
    # An assignment signed by someone other than the lead is refused.
    zhao = team.user("zhao")
    assert zhao.signer is not None
    with team.dbs["li"].begin() as s:  # li's laptop knows zhao's key (the commission's key list)
        import_keys(s, li, team.tmp / "keys.json")
    forged = resign(path, team.tmp / "forged-assign.ygpkg", None, zhao.signer, display_name="赵专家")
    with pytest.raises(PermissionDenied, match="不是这次检查的组长"), team.dbs["li"].begin() as s:
        import_package(s, "li", forged, user=li)


def test_an_assignment_imported_by_someone_else_says_so_and_keeps_their_own_part(team: Team) -> None:
    _send_assignments(team)
    zhao, zhao_db = team.user("zhao"), team.dbs["zhao"]
    _answer_all(zhao_db, zhao, team.inspection_id, overlap="fail")
    before = _values(zhao_db, team.inspection_id)
    assert len(before) > 10
    with zhao_db.session() as s:  # li's assignment, taken on zhao's laptop by mistake
        preview = preview_file(s, team.tmp / "assign-li.ygpkg", user=zhao)
    assert len(preview.warnings) == 1
    assert "这是发给 李专家 的检查分工包，当前登录的是 赵专家" in preview.warnings[0]
    assert "分工内已填写的项保留本机" in preview.warnings[0] and "注意：" in preview.message
    with zhao_db.begin() as s:
        import_package(s, "zhao", team.tmp / "assign-li.ygpkg", user=zhao)
    assert _values(zhao_db, team.inspection_id) == before  # zhao's own work is not replaced by the lead's (nothing)

    commission = team.dbs["commission"]
    with commission.session() as s:
        admin = log_in(s, "admin", PW["admin"])
        preview = preview_file(s, team.tmp / "assign-li.ygpkg", user=admin)
    assert [w for w in preview.warnings if "当前登录的是 王管理" in w and "没有分工，导入后只能查看" in w]
    with team.dbs["li"].session() as s:  # the member it is for: nothing to warn about
        assert not preview_file(s, team.tmp / "assign-li.ygpkg", user=team.user("li")).warnings


def test_command_line_conflict_decided_by_item_key(team: Team, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _send_assignments(team)
    _answer_all(team.dbs["li"], team.user("li"), team.inspection_id, overlap="pass")
    _answer_all(team.dbs["zhao"], team.user("zhao"), team.inspection_id, overlap="fail")
    li_package = _export_part(team, "li", "li-part.ygpkg")
    zhao_package = _export_part(team, "zhao", "zhao-part.ygpkg")
    monkeypatch.setenv("YG_USER", "wang")
    monkeypatch.setenv("YG_PASSWORD", PW["wang"])

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(team.dirs["wang"]), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("package", "import", str(li_package))[0] == 0
    key = f"item:{team.inspection_id}/fever-clinic-zoning/{OVERLAP}.1"
    code, out, err = run("package", "import", str(zhao_package), "--dry-run")
    assert code == 0 and f"冲突 {key}" in out and "回答：本机 符合 ／ 导入 不符合" in out
    assert "填写人：本机 李专家 ／ 导入 赵专家" in out
    code, out, err = run("package", "import", str(zhao_package))
    assert code == 2 and "1 项冲突" in err and key in err
    code, out, err = run("package", "import", str(zhao_package), "--take-theirs", key)
    assert code == 0 and "检查项" in out, err
    overlap = _item(team.dbs["wang"], team.inspection_id, "fever-clinic-zoning", f"{OVERLAP}.1")
    with team.dbs["wang"].session() as s:
        assert current_values(s, team.inspection_id)[overlap].response == "fail"
    code, out, err = run("package", "import", str(zhao_package))
    assert code == 0 and "没有需要导入的变化" in out


def test_single_user_laptops_exchange_unsigned_parts(team: Team, _workspace_template: Path) -> None:
    """Laptops without users (the single-user mode): the lead knows the member by their enrolled key, packages go
    unsigned (and say so); a part package still changes answers only, never the institution."""
    from inspections.institutions import update_institution
    from models.reference import Institution

    dbs: dict[str, Database] = {}
    for name in ("solo-lead", "solo-li"):
        _copy_workspace(_workspace_template, team.tmp / name)
        dbs[name] = open_workspace(None, team.tmp / name, backup=False)
    try:
        lead_db, li_db = dbs["solo-lead"], dbs["solo-li"]
        with lead_db.begin() as s:
            import_keys(s, None, team.tmp / "keys.json")  # li's key: the lead may assign li
            institution_id = create_institution(s, "wang", InstitutionData(name="第二人民医院", code="H002", level=2,
                                                                           contact="院感科"))
            triage = s.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == "triage")
                              .order_by(ChecklistTemplate.version.desc()))
            inspection_id = start_inspection(s, "wang", institution_id=institution_id, on=date(2026, 11, 21),
                                             inspectors=["王组长"], template_ids=[triage])
            assign_part(s, "wang", inspection_id, "li", checklists=["triage"])
        with lead_db.session() as s:
            assignment = export_assignment(s, team.tmp / "solo-assign.ygpkg", inspection_id, "li").path
        with li_db.begin() as s:
            import_package(s, "li", assignment)
        _answer_all(li_db, CurrentUser("li", "inspector"), inspection_id, overlap="pass")
        with li_db.session() as s:
            with pytest.raises(UserError, match="指定导出谁的分工结果"):
                export_part(s, team.tmp / "nobody.ygpkg", inspection_id)
            part = export_part(s, team.tmp / "solo-part.ygpkg", inspection_id, member="li").path
        with lead_db.begin() as s:  # the lead corrects the hospital's contact meanwhile
            row = s.get(Institution, institution_id)
            assert row is not None
            update_institution(s, "wang", institution_id, InstitutionData(name="第二人民医院", code="H002", level=2,
                                                                          contact="院感科 0371-5555"),
                               expected_version=row.version)
        with lead_db.session() as s:
            preview = preview_file(s, part)
        assert not preview.signed
        institution = next(e for e in preview.entries if e.entity == "institution")
        assert institution.status == "kept" and not preview.conflicts
        with lead_db.begin() as s:
            result = import_package(s, "wang", part)
        assert "检查项新增" in result.message
        with lead_db.session() as s:
            assert s.get(Institution, institution_id).contact == "院感科 0371-5555"  # type: ignore[union-attr]
            answered = [v for v in current_values(s, inspection_id).values() if v.response is not None]
            assert answered and all(v.updated_by == "li" for v in answered)
    finally:
        for db in dbs.values():
            db.close()
