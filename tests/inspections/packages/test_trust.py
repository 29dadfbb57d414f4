"""Trust across laptops: the honest loop works signed end to end; every forgery the issue lists is refused on the
command line with one 错误： line, exit 2, and the database unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from inspections.cli import main
from inspections.findings import list_findings, record_feedback, record_reinspection
from inspections.integrity import check_database
from inspections.packages import export_feedback, import_package, preview_file
from models.audit import AuditEvent
from models.keys import Signature
from tests.inspections.packages.conftest import DAY, checksum, jpeg
from tests.inspections.packages.trust_world import (
    ADMIN_PW,
    OFFICER_PW,
    World,
    build,
    resign,
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = build(tmp_path)
    yield built
    built.close()


LOGIN_RECORDS = ("audit_events", "audit_head", "users")
"""What a failed login changes, by design: its audit record and the user's failure count."""


def refused(world: World, where: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            user: str, password: str, *argv: str, failed_login: bool = False) -> str:
    """Run a command as ``user`` that must be refused: exit 2, one 错误： line, the database unchanged (but for the
    audit record and failure count of a failed login)."""
    before = checksum(world.dbs[where])
    monkeypatch.setenv("YG_USER", user)
    monkeypatch.setenv("YG_PASSWORD", password)
    capsys.readouterr()
    code = main(["--data-dir", str(world.dirs[where]), *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("错误：") and err.count("错误：") == 1, err
    after = checksum(world.dbs[where])
    if failed_login:
        before = {k: v for k, v in before.items() if k not in LOGIN_RECORDS}
        after = {k: v for k, v in after.items() if k not in LOGIN_RECORDS}
    assert after == before
    return err


def test_the_honest_loop_runs_signed_across_commission_laptop_and_hospital(world: World) -> None:
    honest_loop(world)


def honest_loop(world: World) -> None:
    """The rectification package to the hospital, its signed feedback back to the commission, one signed verdict."""
    officer = world.officer()
    hospital = world.dbs["hospital"]
    with hospital.session() as s:
        preview = preview_file(s, world.rectification_package, user=officer)
    assert preview.signed and "签名有效" in preview.signature and "admin" in preview.signature
    with hospital.begin() as s:
        import_package(s, "liu", world.rectification_package, user=officer)
    with hospital.session() as s:
        rows = list_findings(s, today=DAY, statuses=["open"], user=officer)
    assert {r.id for r in rows} == set(world.finding_ids)
    with hospital.begin() as s:
        for row in rows:
            record_feedback(s, "liu", row.id, measure="已设置分诊标识", department="门诊部",
                            photos=[(jpeg((0, 160, 0)), "整改后.jpg")], user=officer)
    with hospital.session() as s:
        feedback = export_feedback(s, world.tmp / "fb.ygpkg.zip", world.institution_id, exporter="liu",
                                   user=officer).path

    admin = world.admin()
    commission = world.dbs["commission"]
    with commission.begin() as s:
        result = import_package(s, "admin", feedback, user=admin)
    assert result.applied == {"finding:updated": 2}
    with commission.begin() as s:
        record_reinspection(s, "admin", world.finding_ids[0], passed=True, user=admin)
    with commission.session() as s:
        statuses = {r.id: r.status for r in list_findings(s, today=DAY)}
        kinds = set(s.scalars(select(Signature.entity)))
    assert statuses[world.finding_ids[0]] == "passed" and statuses[world.finding_ids[1]] == "feedback"
    assert kinds == {"inspection", "finding_event"}  # the inspection, the feedback and the verdict are signed
    for name, db in world.dbs.items():
        report = check_database(db)
        assert report.ok, (name, report.problems)
        assert not report.unsigned, (name, report.unsigned)


def test_an_incremental_check_verifies_the_signed_events_since_the_last_and_a_rotating_slice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed feedback and verdicts pile up by the hundred thousand in a city: a daily check verifies those signed or
    received since the last one and a slice of the rest; the full check verifies every one."""
    import sqlite3

    from inspections import integrity
    from inspections.signing import seals

    honest_loop(world)
    commission, folder = world.dbs["commission"], world.dirs["commission"]
    monkeypatch.setattr(integrity, "CLOCK_MARGIN", timedelta(0))
    monkeypatch.setattr(integrity, "ROTATE_INSPECTIONS", 0)
    monkeypatch.setattr(integrity, "ROTATE_EVENTS", 0)

    def edit(sql: str) -> None:
        conn = sqlite3.connect(folder / "yuangan.db")
        try:
            assert conn.execute(sql).rowcount == 1
            conn.commit()
        finally:
            conn.close()

    assert check_database(commission, full=True).ok
    quiet = check_database(commission, full=False)
    assert quiet.ok and not quiet.full
    assert any("核对已签名的整改记录 0 条" in line for line in quiet.lines)  # nothing new, no rotation

    # A verdict signed since the last check, then altered behind the application's back: the next check finds it.
    admin = world.admin()
    with commission.begin() as s:
        record_reinspection(s, "admin", world.finding_ids[1], passed=False, note="分诊标识仍未设置", user=admin)
    edit("UPDATE finding_events SET note = '已整改' WHERE note = '分诊标识仍未设置'")
    found = check_database(commission, full=False)
    assert not found.full and any("复查未通过" in p and "签名不符" in p for p in found.problems), found.problems
    edit("UPDATE finding_events SET note = '分诊标识仍未设置' WHERE note = '已整改'")
    assert check_database(commission, full=True).ok

    # A feedback verified long ago, altered without a trace: not seen without the rotation, found as it comes round.
    edit("UPDATE finding_events SET measure = '已整改完毕' WHERE id = (SELECT id FROM finding_events "
         "WHERE kind = 'feedback' ORDER BY id LIMIT 1)")
    assert check_database(commission, full=False).ok
    monkeypatch.setattr(integrity, "ROTATE_EVENTS", 1)
    runs = 0
    while runs < 6:
        runs += 1
        report = check_database(commission, full=False)
        if not report.ok:
            assert any("整改反馈" in p and "签名不符" in p for p in report.problems), report.problems
            break
    assert runs < 6  # four signatures here, one a run: come round within them
    full = check_database(commission, full=True)
    assert [p for p in full.problems if "整改反馈" in p]
    monkeypatch.setattr(seals, "SEALS_AT_ONCE", 0)  # a city's full check reads the signatures in one statement
    assert check_database(commission, full=True).problems == full.problems


# --- forged hospital packages --------------------------------------------------------------------------------------


def _self_approve(data: dict[str, Any]) -> None:
    for finding in data["findings"]:
        event = dict(finding["events"][-1], id=str(uuid.uuid4()), kind="passed", seals=[])
        finding["events"].append(event)
        finding["status"], finding["closed_at"] = "passed", "2026-11-20T08:00:00+00:00"


def test_a_hospital_cannot_mark_its_own_findings_passed_with_a_forged_rectification_package(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = world.officer()
    assert officer.signer is not None
    kept_signature = resign(world.rectification_package, world.tmp / "a.zip", _self_approve, None)
    err = refused(world, "hospital", capsys, monkeypatch, "liu", OFFICER_PW, "package", "import", str(kept_signature))
    assert "签名无效" in err
    own_key = resign(world.rectification_package, world.tmp / "b.zip", _self_approve, officer.signer)
    err = refused(world, "hospital", capsys, monkeypatch, "liu", OFFICER_PW, "package", "import", str(own_key))
    assert "不是督导专家或管理员" in err


def test_a_hospital_cannot_bring_itself_a_perfect_inspection_or_a_higher_level(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = world.officer()
    assert officer.signer is not None

    def perfect(data: dict[str, Any]) -> None:
        record = data["inspections"][0]
        record["id"] = str(uuid.uuid4())
        for r in record["results"]:
            r["id"], r["response"], r["note"], r["photos"] = str(uuid.uuid4()), "pass", "", []
        record["score"], record["grade"], record["vetoed"] = 100.0, "优秀", False
        data["findings"] = []
        data["institutions"][0]["level"] = 3
        data["institutions"][0]["name"] = "第一人民医院（三甲）"

    for name, signer in (("unsigned.zip", None), ("own.zip", officer.signer)):
        forged = resign(world.rectification_package, world.tmp / name, perfect, signer)
        refused(world, "hospital", capsys, monkeypatch, "liu", OFFICER_PW, "package", "import", str(forged),
                "--take-theirs", f"institution:{world.institution_id}")


def test_a_hospital_cannot_close_another_hospitals_finding_by_its_id(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the commission: a feedback package from 第一人民医院's officer naming a finding of 第二人民医院."""
    officer = world.officer()
    assert officer.signer is not None

    def other(data: dict[str, Any]) -> None:
        data["findings"] = data["findings"][:1]
        data["findings"][0]["institution_id"] = str(world.other_institution_id)

    forged = resign(world.rectification_package, world.tmp / "x.zip", other, officer.signer, kind="feedback")
    refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))


# --- the inspector's checklist, rewritten scores, re-hashed forgeries -----------------------------------------------


def test_an_inspector_cannot_bring_a_softened_checklist(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The laptop has its own, softer version of the checklist; what it inspects with it is signed honestly by the
    inspector, but checklist versions come only from an administrator."""
    from dataclasses import replace

    from inspections.packages import export_inspections
    from inspections.templates import import_checklist
    from inspections.workflow import finalize_inspection, load_inspection, record_answer, start_inspection
    from tests.inspections.packages.conftest import small_spec
    from tests.inspections.packages.trust_world import laptop_institutions

    spec = small_spec()
    section = spec.sections[0]
    softer = replace(spec, version=2, sections=(replace(section, items=tuple(
        replace(i, criteria="酌情扣分") for i in section.items)),))
    inspector = world.inspector()
    laptop = world.dbs["laptop"]
    with laptop.begin() as s:
        template_id = import_checklist(s, "zhangwei", softer).template_id
        inspection_id = start_inspection(s, "zhangwei", institution_id=laptop_institutions(s)[0], on=date(2026, 11, 20),
                                         inspectors=["张伟"], template_ids=[template_id], user=inspector)
        for item in load_inspection(s, inspection_id).items():
            record_answer(s, "zhangwei", inspection_id, item.item_id, response="pass", user=inspector)
        finalize_inspection(s, "zhangwei", inspection_id, user=inspector)
    with laptop.session() as s:
        package = export_inspections(s, world.tmp / "soft.zip", exporter="zhangwei", inspection_ids=[inspection_id],
                                     user=inspector).path
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(package))
    assert "检查表只能由管理员签名的数据包带入" in err


def test_a_rewritten_score_is_refused_even_under_a_valid_signature(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inspector = world.inspector()
    assert inspector.signer is not None

    def better(data: dict[str, Any]) -> None:
        data["inspections"][0]["id"] = str(uuid.uuid4())  # so it is new at the commission
        for r in data["inspections"][0]["results"]:
            r["id"] = str(uuid.uuid4())
            for p in r["photos"]:
                p["id"] = str(uuid.uuid4())
        data["inspections"][0]["score"], data["inspections"][0]["grade"] = 100.0, "优秀"
        data["findings"] = []

    forged = resign(world.inspection_package, world.tmp / "score.zip", better, inspector.signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert "得分/等级/否决" in err or "签名" in err


def test_a_rehashed_forgery_is_refused(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 不符合 turned into 符合 and the content hash recomputed with the application's own content_digest."""
    from inspections.workflow import content_digest

    inspector = world.inspector()
    assert inspector.signer is not None

    def whitewash(data: dict[str, Any]) -> None:
        record = data["inspections"][0]
        record["id"] = str(uuid.uuid4())
        for r in record["results"]:
            r["id"], r["response"], r["note"], r["photos"] = str(uuid.uuid4()), "pass", "", []
        record["score"], record["grade"] = 100.0, "优秀"
        for c in record["checklists"]:
            c["score"], c["grade"] = 100.0, "优秀"
        code = data["checklists"][0]["code"]
        header = {"id": record["id"], "institution": record["institution_id"], "kind": record["kind"],
                  "date": record["date"], "inspectors": record["inspectors"], "hospital_rep": record["hospital_rep"],
                  "signatures": record["signatures"]}
        record["content_hash"] = content_digest(
            header, [[code, 1, data["checklists"][0]["content_hash"]]],
            [[code, r["item_code"], "pass", None, "", []] for r in record["results"]],
        )
        data["findings"] = []

    # with the inspector's own package signature (a dishonest exporter): the inspection's signature fails
    forged = resign(world.inspection_package, world.tmp / "white.zip", whitewash, inspector.signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert "没有督导专家的有效签名" in err or "得分" in err
    # with nobody's: the package signature fails
    forged = resign(world.inspection_package, world.tmp / "white2.zip", whitewash, None)
    assert "签名无效" in refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import",
                                 str(forged))


def test_a_checklist_marked_out_of_scope_after_signing_is_refused(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signed inspection's failed items hidden by a 本次未检 mark added afterwards, its score, grade and content
    hash made to fit and the package signed again by the inspector: the inspection's own signature does not cover
    the mark, so the package is refused and the commission's copy keeps its findings' basis."""
    from inspections.scoring import Answer, overall_grade
    from inspections.workflow import content_digest
    from inspections.workflow.scope import score_left_out
    from tests.inspections.packages.conftest import small_spec

    inspector = world.inspector()
    assert inspector.signer is not None

    def hide(data: dict[str, Any]) -> None:
        record = data["inspections"][0]
        key = record["checklists"][0]["template"]
        record["scope"] = [{"template": key, "section_code": "", "mode": "not_checked", "reason": "停诊"}]
        answers = {r["item_code"]: Answer(r["response"], r["points"]) for r in record["results"]}
        score = score_left_out([(small_spec(), answers, {""})])
        record["score"], record["grade"], record["vetoed"] = score.percent, overall_grade(score), score.vetoed
        c = score.checklists[0]
        record["checklists"][0].update(score=c.score, grade=c.grade, vetoed=c.vetoed)
        code = data["checklists"][0]["code"]
        header = {"id": record["id"], "institution": record["institution_id"], "kind": record["kind"],
                  "date": record["date"], "inspectors": record["inspectors"], "hospital_rep": record["hospital_rep"],
                  "signatures": dict(sorted(record["signatures"].items()))}
        record["content_hash"] = content_digest(
            header, [[code, 1, data["checklists"][0]["content_hash"]]],
            [[code, r["item_code"], r["response"], r["points"], r["note"], sorted(p["sha256"] for p in r["photos"])]
             for r in record["results"]],
            [[code, "", "not_checked", "停诊"]],
        )

    forged = resign(world.inspection_package, world.tmp / "hidden.zip", hide, inspector.signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert "没有督导专家的有效签名（或签名后内容被改动）" in err


# --- over-reaching feedback packages -------------------------------------------------------------------------------


@pytest.fixture
def answered(world: World) -> Path:
    """The hospital has imported the notice and answered both findings; its honest feedback package."""
    officer = world.officer()
    hospital = world.dbs["hospital"]
    with hospital.begin() as s:
        import_package(s, "liu", world.rectification_package, user=officer)
        for finding_id in world.finding_ids:
            record_feedback(s, "liu", finding_id, measure="已整改", department="门诊部", user=officer)
    with hospital.session() as s:
        return export_feedback(s, world.tmp / "fb.ygpkg.zip", world.institution_id, exporter="liu",
                               user=officer).path


def _first(data: dict[str, Any]) -> dict[str, Any]:
    finding: dict[str, Any] = data["findings"][0]
    return finding


@pytest.mark.parametrize(
    ("what", "mutate", "why"),
    [
        ("deadline", lambda d: _first(d).update(deadline="2099-12-31"), "整改期限"),
        ("text", lambda d: _first(d).update(problem="无问题"), "问题描述"),
        ("closed", lambda d: _first(d).update(closed_at="2026-11-20T08:00:00+00:00"), "关闭时间"),
        ("verdict", lambda d: _first(d)["events"].append(
            dict(_first(d)["events"][-1], id=str(uuid.uuid4()), kind="passed", seals=[])), "复查"),
        ("measure", lambda d: _first(d)["events"][-1].update(measure=" "), "整改措施"),
        ("department", lambda d: [_first(d)["events"][-1].update(department=""), _first(d).update(
            responsible_dept="")], "责任科室"),
    ],
)
def test_a_feedback_package_may_only_bring_feedback(
    world: World, answered: Path, what: str, mutate: Any, why: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    officer = world.officer()
    assert officer.signer is not None
    forged = resign(answered, world.tmp / f"{what}.zip", mutate, officer.signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert why in err or "签名" in err, err


def test_a_feedback_package_cannot_reopen_a_closed_finding(
    world: World, answered: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = world.admin()
    with world.dbs["commission"].begin() as s:
        import_package(s, "admin", answered, user=admin)
        record_reinspection(s, "admin", world.finding_ids[0], passed=True, user=admin)
    officer = world.officer()
    assert officer.signer is not None

    def again(data: dict[str, Any]) -> None:
        finding = next(f for f in data["findings"] if f["id"] == str(world.finding_ids[0]))
        finding["events"].append(dict(finding["events"][-1], id=str(uuid.uuid4()), seals=[]))

    forged = resign(answered, world.tmp / "reopen.zip", again, officer.signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert "不能重新打开" in err or "签名" in err


def test_take_theirs_cannot_widen_what_a_package_may_do(
    world: World, answered: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feedback package with a changed institution: --take-theirs on it changes nothing of the institution."""
    officer = world.officer()
    assert officer.signer is not None

    def level(data: dict[str, Any]) -> None:
        data["institutions"][0]["level"] = 3

    forged = resign(answered, world.tmp / "level.zip", level, officer.signer)
    monkeypatch.setenv("YG_USER", "admin")
    monkeypatch.setenv("YG_PASSWORD", ADMIN_PW)
    capsys.readouterr()
    code = main(["--data-dir", str(world.dirs["commission"]), "package", "import", str(forged), "--take-theirs",
                 f"institution:{world.institution_id}"])
    out = capsys.readouterr()
    assert code == 0, out.err  # the feedback itself is honest and goes in; the institution difference is kept
    from inspections.institutions import list_institutions

    with world.dbs["commission"].session() as s:
        levels = {i.name: i.level for i in list_institutions(s)}
    assert levels["第一人民医院"] == 2


# --- logins ----------------------------------------------------------------------------------------------------------


def test_restore_without_a_login_is_refused(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspections.backup import backup_database

    backup = backup_database(world.dbs["commission"]).path
    monkeypatch.delenv("YG_PASSWORD", raising=False)
    monkeypatch.setenv("YG_USER", "admin")
    before = checksum(world.dbs["commission"])
    capsys.readouterr()
    code = main(["--data-dir", str(world.dirs["commission"]), "restore", str(backup)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("错误：") and err.count("错误：") == 1, err
    assert checksum(world.dbs["commission"]) == before
    # an inspector may not restore either
    refused(world, "laptop", capsys, monkeypatch, "zhangwei", "inspector-pass-1", "restore", str(backup))


@pytest.mark.parametrize("command", [["institutions", "list"], ["checklists", "list"], ["check"], ["backup"]])
def test_reading_commands_log_in(
    world: World, command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YG_PASSWORD", raising=False)
    monkeypatch.setenv("YG_USER", "admin")
    capsys.readouterr()
    assert main(["--data-dir", str(world.dirs["commission"]), *command]) == 2
    assert capsys.readouterr().err.startswith("错误：")
    monkeypatch.setenv("YG_PASSWORD", ADMIN_PW)
    assert main(["--data-dir", str(world.dirs["commission"]), *command]) == 0


def test_thirty_wrong_passwords_are_slowed_locked_and_audited(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspections.users as users

    waited: list[float] = []
    monkeypatch.setattr(users, "login_sleep", waited.append)
    db = world.dbs["commission"]
    for _ in range(30):
        refused(world, "commission", capsys, monkeypatch, "admin", "wrong-password", "institutions", "list",
                failed_login=True)
    assert waited[:3] == [1.0, 2.0, 4.0] and max(waited) == 30.0  # from the 6th attempt, growing
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "institutions", "list",
                  failed_login=True)
    assert "锁定" in err  # even the right password, until an administrator unlocks it
    with db.session() as s:
        failures = s.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failures) == 31
    assert any(isinstance(f.after, dict) and f.after.get("locked") for f in failures)


def test_an_administrator_lifts_a_lockout(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import inspections.users as users
    from inspections.errors import PermissionDenied
    from inspections.users import add_user, log_in, unlock_user

    monkeypatch.setattr(users, "login_sleep", lambda _s: None)
    db = world.dbs["commission"]
    admin = world.admin()
    with db.begin() as s:
        add_user(s, admin, username="lisi", password="lisi-pass-1", role="inspector")
    for _ in range(users.LOCKOUT_AFTER):
        with pytest.raises(PermissionDenied), db.session() as s:
            log_in(s, "lisi", "nope-nope-1")
    with pytest.raises(PermissionDenied, match="锁定"), db.session() as s:
        log_in(s, "lisi", "lisi-pass-1")
    with db.begin() as s:
        unlock_user(s, admin, "lisi")
    with db.session() as s:
        assert log_in(s, "lisi", "lisi-pass-1").role == "inspector"


def test_check_names_unsigned_old_records_and_a_tampered_signed_one(world: World) -> None:
    from sqlalchemy import update

    from models.inspection import Inspection

    report = check_database(world.dbs["commission"])
    assert report.ok, report.problems
    with world.dbs["commission"].begin() as s:
        s.execute(update(Inspection).where(Inspection.id == world.inspection_id).values(score=100.0, grade="优秀"))
    report = check_database(world.dbs["commission"])
    assert any(str(world.inspection_id) in p and "得分" in p for p in report.problems), report.problems
    with world.dbs["commission"].begin() as s:
        s.execute(update(Inspection).where(Inspection.id == world.inspection_id).values(hospital_rep="无人"))
    report = check_database(world.dbs["commission"])
    assert any(str(world.inspection_id) in p and "zhangwei" in p for p in report.problems), report.problems


def test_a_record_signed_before_keys_existed_is_listed_as_unsigned(tmp_path: Path) -> None:
    from inspections.workspace import open_workspace
    from tests.inspections.packages.conftest import seed

    db = open_workspace(None, tmp_path / "old", backup=False)
    try:
        seeded = seed(db)
        report = check_database(db)
    finally:
        db.close()
    assert report.ok
    assert any("未签名（旧数据）" in w and str(seeded.inspection_id) in w for w in report.unsigned)
    assert any("未签名（旧数据）" in line and str(seeded.inspection_id) in line for line in report.lines)


def test_a_revoked_key_signs_nothing_new(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YG_USER", "admin")
    monkeypatch.setenv("YG_PASSWORD", ADMIN_PW)
    capsys.readouterr()
    revoke = ["users", "revoke", "zhangwei", "--reason", "电脑丢失"]
    assert main(["--data-dir", str(world.dirs["commission"]), *revoke]) == 0
    inspector = world.inspector()
    with world.dbs["laptop"].session() as s:
        from inspections.packages import export_inspections

        again = export_inspections(s, world.tmp / "again.zip", exporter="zhangwei",
                                   inspection_ids=[world.inspection_id], user=inspector).path

    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(again))
    assert "吊销" in err
    assert check_database(world.dbs["commission"]).ok  # what it signed before the revocation still counts


def test_accounts_of_an_upgraded_server_get_enrolled_keys(tmp_path: Path) -> None:
    """A user who existed before keys did gets a key at their next login; the administrator's next login certifies
    it, so what that user signs on the server passes `check`."""
    from sqlalchemy import update

    from inspections.users import add_user, log_in
    from inspections.workspace import open_workspace
    from models.keys import SigningKey
    from models.reference import User

    db = open_workspace(None, tmp_path / "server", backup=False)
    try:
        with db.begin() as s:
            add_user(s, None, username="admin", password=ADMIN_PW, role="admin")
        with db.session() as s:
            admin = log_in(s, "admin", ADMIN_PW)
        with db.begin() as s:
            add_user(s, admin, username="lisi", password="lisi-pass-1", role="inspector")
        with db.begin() as s:  # as if made before revision 0006: no key, nothing enrolled for lisi
            s.execute(update(User).where(User.username == "lisi").values(private_key=None, key_fingerprint=None,
                                                                         public_key=None))
            s.query(SigningKey).filter(SigningKey.username == "lisi").delete()
        with db.session() as s:
            lisi = log_in(s, "lisi", "lisi-pass-1")
            assert lisi.signer is not None
            enrolled = {k for k in s.scalars(select(SigningKey.fingerprint))}
        assert lisi.signer.fingerprint not in enrolled
        with db.session() as s:
            log_in(s, "admin", ADMIN_PW)
            enrolled = {k for k in s.scalars(select(SigningKey.fingerprint))}
        assert lisi.signer.fingerprint in enrolled
        assert check_database(db).ok
    finally:
        db.close()


def test_an_inspection_filed_under_a_round_must_come_from_its_planned_inspectors(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round planned for 李娜 and 王强: 张伟's inspection re-filed under it (his own signature) is refused; the
    same inspection outside any round goes in (it did, when the world was built)."""
    from inspections.rounds import create_round
    from inspections.signing import inspection_digest, make_seal
    from inspections.workflow import content_digest

    admin = world.admin()
    with world.dbs["commission"].begin() as s:
        round_id = create_round(s, "admin", month="2026-12", team=["李娜", "王强"], user=admin)
    inspector = world.inspector()
    assert inspector.signer is not None

    signer = inspector.signer

    def refile(data: dict[str, Any]) -> None:
        record = data["inspections"][0]
        record["id"], record["round_id"] = str(uuid.uuid4()), str(round_id)
        for r in record["results"]:
            r["id"] = str(uuid.uuid4())
            for p in r["photos"]:
                p["id"] = str(uuid.uuid4())
        data["findings"] = []
        # a genuine signature of his over the re-filed record: only the round decides
        header = {k: record[k] for k in ("id", "kind", "date", "inspectors", "hospital_rep", "signatures",
                                         "finalized_at", "amendments")}
        header["institution"] = record["institution_id"]
        code = data["checklists"][0]["code"]
        results = [[r["template"].split("@")[1], r["item_code"], r["response"], r["points"], r["note"],
                    sorted(p["sha256"] for p in r["photos"])] for r in record["results"]]
        digest = inspection_digest(header, [[code, data["checklists"][0]["content_hash"]]], results)
        record["seals"] = [make_seal(signer, "inspection", record["id"], "finalize", digest,
                                     {"institution": record["institution_id"]})]
        old_header = {k: header[k] for k in ("id", "institution", "kind", "date", "inspectors", "hospital_rep",
                                             "signatures")}
        record["content_hash"] = content_digest(
            old_header, [[code, data["checklists"][0]["version"], data["checklists"][0]["content_hash"]]],
            [[code, r["item_code"], r["response"], r["points"], r["note"], sorted(p["sha256"] for p in r["photos"])]
             for r in record["results"]],
        )

    forged = resign(world.inspection_package, world.tmp / "round.zip", refile, signer)
    err = refused(world, "commission", capsys, monkeypatch, "admin", ADMIN_PW, "package", "import", str(forged))
    assert "不是由督导批次" in err, err
    # the same, outside the round, goes in: the round alone made the difference
    monkeypatch.setenv("YG_PASSWORD", ADMIN_PW)

    def unfiled(data: dict[str, Any]) -> None:
        refile(data)
        data["inspections"][0]["round_id"] = None

    honest = resign(world.inspection_package, world.tmp / "noround.zip", unfiled, signer)
    assert main(["--data-dir", str(world.dirs["commission"]), "package", "import", str(honest)]) == 0
