"""The offline rectification loop between two databases: commission → hospital → commission, and its guards."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspections.errors import InvalidInputError, PermissionDenied, UserError
from inspections.findings import finding_detail, list_findings, record_feedback, record_reinspection
from inspections.integrity import check_database
from inspections.packages import (
    export_feedback,
    export_inspections,
    export_rectification,
    import_package,
    preview_file,
)
from inspections.users import CurrentUser
from models.database import Database
from tests.inspections.packages.conftest import ACTOR, DAY, checksum, jpeg, rewrite, seed

pytestmark = pytest.mark.postgres

OFFICER = "院感科 刘老师"


def test_findings_go_to_the_hospital_and_come_back_with_evidence(
    db: Database, new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    commission, hospital = db, new_db("hospital")
    seeded = seed(commission)
    before = checksum(commission)
    with commission.session() as s:
        summary = export_rectification(s, tmp_path / "整改通知.zip", seeded.institution_id, exporter=ACTOR)
    assert summary.findings == 2 and summary.photos == 1
    assert checksum(commission) == before

    # The hospital's own copy of the application starts empty.
    with hospital.begin() as s:
        import_package(s, OFFICER, summary.path)
    with hospital.session() as s:
        open_findings = list_findings(s, today=DAY, statuses=["open"])
        texts = {finding_detail(s, f.id, today=DAY).item_text for f in open_findings}
    assert {f.id for f in open_findings} == set(seeded.finding_ids)
    assert {f.deadline for f in open_findings} == {date(2026, 11, 18)}
    assert "设置预检分诊点，标识醒目" in texts

    after_photo = jpeg((20, 160, 40))
    with hospital.begin() as s:
        for finding in open_findings:
            record_feedback(
                s,
                OFFICER,
                finding.id,
                measure=f"已整改：{finding.item_code}",
                department="门诊部",
                photos=[(after_photo, "整改后.jpg")],
            )
    with hospital.session() as s:
        feedback = export_feedback(s, tmp_path / "整改反馈.zip", seeded.institution_id, exporter=OFFICER)
    assert feedback.findings == 2

    with commission.session() as s:
        preview = preview_file(s, feedback.path)
    statuses = {e.entity: set() for e in preview.entries}
    for e in preview.entries:
        statuses[e.entity].add(e.status)
    assert statuses == {
        "checklist": {"unchanged"},
        "institution": {"unchanged"},
        "inspection": {"unchanged"},
        "finding": {"updated"},
    }
    with commission.begin() as s:
        result = import_package(s, ACTOR, feedback.path)
    assert result.applied == {"finding:updated": 2}

    with commission.session() as s:
        rows = list_findings(s, today=DAY)
        assert {r.status for r in rows} == {"feedback"} and {r.responsible_dept for r in rows} == {"门诊部"}
        detail = finding_detail(s, rows[0].id, today=DAY)
    step = detail.events[-1]
    assert (step.kind, step.actor, step.department) == ("feedback", OFFICER, "门诊部")
    assert step.measure.startswith("已整改") and len(step.photos) == 1

    # The inspector re-inspects: one passes, one fails with a new deadline, and the failed one goes out again.
    passed, failed = rows
    with commission.begin() as s:
        record_reinspection(s, ACTOR, passed.id, passed=True, note="现场复查已整改")
        record_reinspection(
            s, ACTOR, failed.id, passed=False, note="仍未张贴标识", today=DAY, new_deadline=date(2026, 12, 1)
        )
    with commission.session() as s:
        again = export_rectification(s, tmp_path / "再次整改.zip", seeded.institution_id, exporter=ACTOR)
    assert again.findings == 1
    with hospital.begin() as s:
        assert import_package(s, OFFICER, again.path).applied == {"finding:updated": 1}
    with hospital.session() as s:
        row = next(r for r in list_findings(s, today=DAY) if r.id == failed.id)
    assert (row.status, row.deadline) == ("failed", date(2026, 12, 1))
    for database in (commission, hospital):
        assert check_database(database).ok, check_database(database).problems


@pytest.fixture
def loop(new_db: Callable[[str], Database], tmp_path: Path) -> dict[str, Any]:
    """A commission, a hospital that has answered, and the feedback package it sent."""
    commission, hospital = new_db("commission"), new_db("hospital")
    seeded = seed(commission)
    with commission.session() as s:
        rect = export_rectification(s, tmp_path / "rect.zip", seeded.institution_id, exporter=ACTOR).path
    with hospital.begin() as s:
        import_package(s, OFFICER, rect)
        for finding_id in seeded.finding_ids:
            record_feedback(s, OFFICER, finding_id, measure="已整改", department="门诊部")
    with hospital.session() as s:
        fb = export_feedback(s, tmp_path / "fb.zip", seeded.institution_id, exporter=OFFICER).path
    return {"commission": commission, "hospital": hospital, "seeded": seeded, "rect": rect, "feedback": fb}


def test_a_feedback_package_cannot_carry_a_verdict(loop: dict[str, Any], tmp_path: Path) -> None:
    def self_approve(data: dict[str, Any]) -> None:
        finding = data["findings"][0]
        event = dict(finding["events"][-1], id="6f1b1c1e-0000-4000-8000-000000000001", kind="passed")
        finding["events"].append(event)
        finding["status"] = "passed"

    forged = rewrite(loop["feedback"], tmp_path / "forged.zip", self_approve)
    commission: Database = loop["commission"]
    before = checksum(commission)
    with pytest.raises(InvalidInputError, match="只能提交整改反馈"), commission.begin() as s:
        import_package(s, OFFICER, forged)
    assert checksum(commission) == before


def test_a_hospital_officer_imports_only_rectification_packages_of_their_own_institution(
    loop: dict[str, Any], new_db: Callable[[str], Database], tmp_path: Path
) -> None:
    commission: Database = loop["commission"]
    seeded = loop["seeded"]
    own = CurrentUser("liu", "hospital", seeded.institution_id)
    stranger = CurrentUser("zhao", "hospital", seeded.template_id)  # bound to some other institution id
    fresh = new_db("another-hospital")
    with commission.session() as s:
        inspection_package = export_inspections(
            s, tmp_path / "i.zip", exporter=ACTOR, inspection_ids=[seeded.inspection_id]
        ).path
    with pytest.raises(UserError, match="只能导入整改通知包"), fresh.begin() as s:
        import_package(s, "liu", inspection_package, user=own)
    with pytest.raises(PermissionDenied, match="本机构"), fresh.begin() as s:
        import_package(s, "zhao", loop["rect"], user=stranger)
    with fresh.begin() as s:
        assert import_package(s, "liu", loop["rect"], user=own).applied["finding:new"] == 2


def test_a_hospital_officer_exports_feedback_only_for_their_own_institution(
    loop: dict[str, Any], tmp_path: Path
) -> None:
    hospital: Database = loop["hospital"]
    seeded = loop["seeded"]
    stranger = CurrentUser("zhao", "hospital", seeded.template_id)
    with pytest.raises(PermissionDenied), hospital.session() as s:
        export_feedback(s, tmp_path / "x.zip", seeded.institution_id, exporter="zhao", user=stranger)
    with pytest.raises(UserError, match="只能导出整改反馈包"), hospital.session() as s:
        export_rectification(
            s,
            tmp_path / "y.zip",
            seeded.institution_id,
            exporter="zhao",
            user=CurrentUser("liu", "hospital", seeded.institution_id),
        )
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "y.zip").exists()


def test_the_loop_runs_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from inspections.cli import main
    from models.database import open_database

    commission_dir, hospital_dir = tmp_path / "commission", tmp_path / "hospital"
    database = open_database(None, commission_dir)
    seeded = seed(database)
    database.close()
    rect, fb = tmp_path / "rect.zip", tmp_path / "fb.zip"

    def run(data_dir: Path, *argv: str) -> str:
        capsys.readouterr()
        assert main(["--data-dir", str(data_dir), *argv]) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    assert "1 张照片" in run(
        commission_dir, "package", "export", "--rectification", str(seeded.institution_id), "-o", str(rect)
    )
    assert "新增" in run(hospital_dir, "package", "import", str(rect), "--dry-run")
    run(hospital_dir, "package", "import", str(rect))
    rows = json.loads(run(hospital_dir, "findings", "list", "--status", "open", "--json"))
    assert len(rows) == 2
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg((0, 200, 0)))
    for row in rows:
        run(
            hospital_dir,
            "findings",
            "feedback",
            row["id"],
            "--measure",
            "已整改",
            "--department",
            "门诊部",
            "--photo",
            str(photo),
        )
    run(hospital_dir, "package", "export", "--feedback", str(seeded.institution_id), "-o", str(fb))
    assert "整改项更新 2" in run(commission_dir, "package", "import", str(fb))
    run(commission_dir, "findings", "reinspect", rows[0]["id"], "--pass")
    statuses = sorted(r["status"] for r in json.loads(run(commission_dir, "findings", "list", "--json")))
    assert statuses == ["feedback", "passed"]


def test_feedback_merges_with_the_commissions_own_notes_but_a_crossing_verdict_is_a_conflict(
    loop: dict[str, Any],
) -> None:
    from inspections.findings import add_finding_note

    commission: Database = loop["commission"]
    noted, judged = loop["seeded"].finding_ids
    with commission.begin() as s:
        add_finding_note(s, ACTOR, noted, "已电话催办")
        record_reinspection(s, ACTOR, judged, passed=False, note="逾期未整改", today=DAY)
    with commission.session() as s:
        entries = {e.id: e for e in preview_file(s, loop["feedback"]).entries if e.entity == "finding"}
    assert entries[str(noted)].status == "updated"
    conflict = entries[str(judged)]
    assert conflict.status == "conflict"
    assert conflict.mine is not None and conflict.theirs is not None
    assert (conflict.mine["状态"], conflict.theirs["状态"]) == ("复查未通过", "已反馈")

    with commission.begin() as s:
        import_package(s, ACTOR, loop["feedback"], decisions={conflict.key: "theirs"})
    with commission.session() as s:
        kinds = {f: [e.kind for e in finding_detail(s, f, today=DAY).events] for f in (noted, judged)}
        statuses = {r.id: r.status for r in list_findings(s, today=DAY)}
    assert sorted(kinds[noted]) == ["created", "feedback", "note"]  # nothing lost on either side
    assert sorted(kinds[judged]) == ["created", "failed", "feedback"]
    assert statuses == {noted: "feedback", judged: "feedback"}
