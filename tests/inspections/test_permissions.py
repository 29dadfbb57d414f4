"""Roles are enforced in the services and on the command line, not only hidden in the window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspections.cli import main
from inspections.errors import PermissionDenied
from inspections.institutions import InstitutionData, create_institution
from inspections.templates import export_checklist, import_checklist_file
from inspections.users import CurrentUser, add_user
from models.database import Database

INSPECTOR = CurrentUser("lisi", "inspector")
ADMIN = CurrentUser("admin", "admin")


def test_only_administrators_manage_institutions_and_checklists(ws: Database, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied, match="管理医疗机构"), ws.begin() as s:
        create_institution(s, "lisi", InstitutionData(name="新机构", level=1), user=INSPECTOR)
    with ws.begin() as s:
        create_institution(s, "admin", InstitutionData(name="新机构", level=1), user=ADMIN)
        text = export_checklist(s, "triage").replace("title: 预检分诊", "title: 预检分诊（本区）", 1)
    path = tmp_path / "triage.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PermissionDenied, match="管理检查表"), ws.begin() as s:
        import_checklist_file(s, "lisi", path, user=INSPECTOR)


def test_the_command_line_logs_in_and_limits_a_hospital_officer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert (
        main(["--data-dir", str(data), "demo", "--institutions", "4", "--months", "1", "--end-month", "2026-10"]) == 0
    )
    capsys.readouterr()
    from inspections.workspace import open_workspace

    db = open_workspace(None, data)
    with db.session() as s:
        from inspections.workflow import list_inspections

        own = list_inspections(s, status="finalized")[0]
    with db.begin() as s:
        add_user(s, None, username="admin", password="admin-password-1", role="admin")
        add_user(
            s,
            ADMIN,
            username="officer",
            password="officer-password-1",
            role="hospital",
            institution_id=own.institution_id,
        )
    db.close()
    monkeypatch.setenv("YG_USER", "officer")
    monkeypatch.setenv("YG_PASSWORD", "officer-password-1")
    assert main(["--data-dir", str(data), "inspections", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and {row["institution_id"] for row in listed} == {str(own.institution_id)}
    code = main(["--data-dir", str(data), "report", "bulletin", "2026-10", "-o", str(tmp_path / "b.pdf")])
    assert code == 2 and "无权" in capsys.readouterr().err
    monkeypatch.setenv("YG_PASSWORD", "wrong")
    assert main(["--data-dir", str(data), "inspections", "list"]) == 2
    assert "密码" in capsys.readouterr().err


def test_services_act_for_the_window_user_even_where_a_call_passes_none(ws: Database) -> None:
    from datetime import date

    from inspections.findings import list_findings
    from inspections.users import acting_as
    from inspections.workflow import finalize_inspection, list_inspections, load_inspection, record_answer
    from inspections.workflow import start_inspection as start
    from tests.helpers import answer_all, make_institution

    own = make_institution(ws, "本院", level=2, fever=True)
    other = make_institution(ws, "他院", level=2, fever=True)
    ids = {}
    for inst in (own, other):
        with ws.begin() as s:
            ids[inst] = start(s, "张三", institution_id=inst, on=date(2026, 11, 2), inspectors=["张三"])
        answer_all(ws, ids[inst], fail_codes={"TR1.1"})
        with ws.begin() as s:
            finalize_inspection(s, "张三", ids[inst])
    officer = CurrentUser("officer", "hospital", own)
    with ws.session() as s:
        item = load_inspection(s, ids[own]).items()[0]
    with acting_as(officer):
        with pytest.raises(PermissionDenied), ws.begin() as s:
            record_answer(s, "officer", ids[own], item.item_id, response="fail", note="x", reason="y")
        with ws.session() as s:
            assert {r.institution_id for r in list_inspections(s)} == {own}
            assert {r.institution_id for r in list_findings(s, today=date(2026, 11, 28))} == {own}
    with ws.session() as s:  # outside the block: the laptop's single-user mode sees everything
        assert {r.institution_id for r in list_inspections(s)} == {own, other}
