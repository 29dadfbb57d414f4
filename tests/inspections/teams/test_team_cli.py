"""`inspection assign / unassign / team / sign-part` on the command line: what a lead and a member type."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from inspections.cli import main
from models.database import Database
from tests.inspections.teams.team_world import PASSWORDS, Team, answer_part, build_team


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: Path, who: str | None,
         *args: str) -> tuple[int, str, str]:
    if who is not None:
        monkeypatch.setenv("YG_USER", who)
        monkeypatch.setenv("YG_PASSWORD", PASSWORDS[who])
    capsys.readouterr()
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def team(ws: Database) -> Team:
    return build_team(ws)


def test_the_lead_reassigns_and_the_team_shows_parts_and_progress(
    team: Team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, iid = team.db.data_dir, str(team.inspection_id)
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "unassign", iid, "--member", "li")
    assert code == 0 and "已取消 li 的分工" in out
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "team", iid)
    assert code == 0 and "赵专家" in out and "李专家" not in out
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "assign", iid, "--member", "li",
                        "--sections", "triage/TR1")
    assert code == 0 and out.strip() == "已为 李专家（li）分配：预检分诊·预检分诊制度与场所设置"
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "assign", iid, "--member", "li",
                        "--checklists", "triage")
    assert code == 0 and out.strip() == "已为 李专家（li）分配：预检分诊"
    answer_part(team, "li")
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "team", iid)
    total = len(team.items["triage"])
    fever = len(team.items["fever-clinic-zoning"])
    assert code == 0 and f"{total}/{total}" in out and f"0/{fever}" in out
    assert out.count("未签署") == 2
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspections", "team", iid, "--json")
    rows = {r["member"]: r for r in json.loads(out)}
    assert rows["li"]["parts"] == ["预检分诊"] and (rows["li"]["answered"], rows["li"]["total"]) == (total, total)
    assert rows["zhao"]["signed_at"] is None and rows["zhao"]["status"].startswith("未签署")


def test_assigning_mistakes_are_one_line(
    team: Team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, iid = team.db.data_dir, str(team.inspection_id)
    code, _, err = _run(capsys, monkeypatch, data, "lead", "inspection", "assign", iid, "--member", "nobody",
                        "--checklists", "triage")
    assert code == 2 and err.strip().startswith("错误：找不到用户“nobody”") and "Traceback" not in err
    code, _, err = _run(capsys, monkeypatch, data, "lead", "inspection", "assign", iid, "--member", "li")
    assert code == 2 and err.strip() == "错误：请用 --checklists 或 --sections 指定分给该成员的检查表或部分"
    code, _, err = _run(capsys, monkeypatch, data, "li", "inspection", "assign", iid, "--member", "li",
                        "--checklists", "fever-clinic-zoning")
    assert code == 2 and "只有组长" in err
    code, _, err = _run(capsys, monkeypatch, data, "lead", "inspection", "unassign", iid, "--member", "lead")
    assert code == 2 and "没有分工" in err
    code, _, err = _run(capsys, monkeypatch, data, "lead", "inspection", "team", str(uuid.uuid4()))
    assert code == 2 and err.startswith("错误：找不到检查记录")


def test_a_member_signs_their_part(team: Team, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data, iid = team.db.data_dir, str(team.inspection_id)
    code, _, err = _run(capsys, monkeypatch, data, "li", "inspection", "sign-part", iid)
    assert code == 2 and err.strip() == "错误：您的分工部分还没有任何已填写的检查项，无法签署"
    answer_part(team, "li")
    code, out, _ = _run(capsys, monkeypatch, data, "li", "inspection", "sign-part", iid)
    total = len(team.items["triage"])
    assert code == 0 and out.strip() == f"已签署 李专家 的分工部分（{total} 项已填写的检查项）"
    code, _, err = _run(capsys, monkeypatch, data, "lead", "inspection", "sign-part", iid)
    assert code == 2 and "没有分工" in err
    code, out, _ = _run(capsys, monkeypatch, data, "lead", "inspection", "team", iid)
    line = next(line for line in out.splitlines() if "李专家" in line)
    assert "已签署（" in line and "组长另行裁定" not in line


def test_signing_a_part_without_a_login_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(capsys, monkeypatch, tmp_path / "alone", None, "inspection", "sign-part", str(uuid.uuid4()))
    assert code == 2 and err.startswith("错误：本数据库未启用用户登录，没有签名密钥")
