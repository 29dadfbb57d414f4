"""Members sign their parts: how each signature stands, what finalizing asks for, what `check` says of a forged or
tampered part signature, and the 反馈单's 检查分工."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from inspections import integrity
from inspections.errors import PermissionDenied, UserError
from inspections.integrity import check_database
from inspections.reports.feedback import build_feedback_report
from inspections.reports.gather import feedback_data
from inspections.signing import Signer, fingerprint_of, make_seal, public_bytes, store_seals
from inspections.teams import part_signatures, sign_part
from inspections.teams.signing import PART_ENTITY, PART_PURPOSE
from inspections.workflow import finalize_blockers, finalize_inspection, finalize_warnings, record_answer
from models.database import Database
from models.keys import Signature
from tests.inspections.reports.report_samples import flat, page_texts
from tests.inspections.teams.team_world import Team, answer_part, build_team

TITLES = {"triage": "预检分诊", "fever-clinic-zoning": "发热门诊\"三区两通道\"设置与管理"}
UNSIGNED_LI, UNSIGNED_ZHAO = "成员 李专家 尚未签署其分工部分", "成员 赵专家 尚未签署其分工部分"


def _sign(team: Team, member: str) -> Signature:
    signer = team.users[member].signer
    assert signer is not None
    with team.db.begin() as s:
        return sign_part(s, team.inspection_id, signer)


def _statuses(team: Team) -> dict[str, tuple[bool, bool, int, str]]:
    with team.db.session() as s:
        statuses = part_signatures(s, team.inspection_id)
    return {p.member: (p.signed, p.valid, p.differs, p.status_label) for p in statuses}


def _blockers(team: Team, who: str) -> set[str]:
    with team.db.session() as s:
        return {b.message for b in finalize_blockers(s, team.inspection_id, user=team.users[who])}


def test_with_keys_a_member_who_has_not_signed_blocks_finalizing(ws: Database) -> None:
    team = build_team(ws)
    answer_part(team, "li", fail_first="分诊台未配备体温计")
    # 赵专家 has answered nothing yet: an empty part needs no signature; 李专家's part does.
    assert _blockers(team, "lead") >= {UNSIGNED_LI}
    assert UNSIGNED_ZHAO not in _blockers(team, "lead")
    answer_part(team, "zhao")
    assert _blockers(team, "lead") >= {UNSIGNED_LI, UNSIGNED_ZHAO}
    with pytest.raises(UserError, match=UNSIGNED_LI), ws.begin() as s:
        finalize_inspection(s, "lead", team.inspection_id, user=team.users["lead"])

    _sign(team, "li")
    _sign(team, "zhao")
    statuses = _statuses(team)
    assert {m: v[:3] for m, v in statuses.items()} == {"li": (True, True, 0), "zhao": (True, True, 0)}
    assert statuses["li"][3].startswith("已签署（")
    assert _blockers(team, "lead") == set()

    # The lead decides one of 李专家's items otherwise: shown, not an error, and not a blocker.
    with ws.begin() as s:
        record_answer(s, "lead", team.inspection_id, team.items["triage"][0], response="pass", note="组长复核：符合",
                      user=team.users["lead"])
    statuses = _statuses(team)
    assert statuses["li"][:3] == (True, True, 1) and statuses["li"][3].endswith("；组长另行裁定 1 项")
    assert statuses["zhao"][2] == 0
    with ws.begin() as s:
        result = finalize_inspection(s, "lead", team.inspection_id, user=team.users["lead"])
    assert result.warnings == ()
    report = check_database(ws)
    assert report.ok, report.problems


def test_signing_needs_a_part_with_answers(ws: Database) -> None:
    team = build_team(ws)
    with pytest.raises(UserError, match="还没有任何已填写"):
        _sign(team, "li")
    lead = team.users["lead"].signer
    assert lead is not None
    with pytest.raises(PermissionDenied, match="没有分工"), ws.begin() as s:
        sign_part(s, team.inspection_id, lead)


def test_without_keys_an_unsigned_part_is_only_a_warning(ws: Database) -> None:
    team = build_team(ws, keys=False)
    answer_part(team, "li")
    answer_part(team, "zhao")
    with ws.session() as s:
        assert {b.message for b in finalize_blockers(s, team.inspection_id)} == set()
        assert finalize_warnings(s, team.inspection_id) == [UNSIGNED_LI, UNSIGNED_ZHAO]
    with ws.begin() as s:
        result = finalize_inspection(s, "lead", team.inspection_id)
    assert result.warnings == (UNSIGNED_LI, UNSIGNED_ZHAO)
    with ws.session() as s:
        assert [r.signed for r in feedback_data(s, team.inspection_id).team_parts] == ["未签署", "未签署"]


def _finalized_with_signatures(ws: Database) -> Team:
    team = build_team(ws)
    answer_part(team, "li")
    answer_part(team, "zhao")
    _sign(team, "li")
    _sign(team, "zhao")
    with ws.begin() as s:
        finalize_inspection(s, "lead", team.inspection_id, user=team.users["lead"])
    assert check_database(ws).ok
    return team


def test_check_reports_a_tampered_part_signature(ws: Database) -> None:
    team = _finalized_with_signatures(ws)
    with ws.begin() as s:
        row = s.scalar(select(Signature).where(Signature.entity == PART_ENTITY, Signature.signer == "zhao"))
        assert row is not None
        context = dict(row.context)
        context["items"] = [[c, i, "0" * 64] for c, i, _d in context["items"]]  # claims other values
        row.context = context
    report = check_database(ws, full=True)
    assert any("成员 zhao 对其分工部分的签名不成立" in p and "签名无效" in p for p in report.problems), report.problems
    assert not any("成员 li" in p for p in report.problems)
    with ws.session() as s:
        status = {p.member: p for p in part_signatures(s, team.inspection_id)}
    assert not status["zhao"].valid and status["zhao"].status_label.startswith("签名无效")


def test_check_reports_a_forged_part_signature(ws: Database) -> None:
    team = _finalized_with_signatures(ws)
    # Someone makes a key of their own and signs 李专家's part in his name.
    key = Ed25519PrivateKey.generate()
    forger = Signer("li", "inspector", None, fingerprint_of(public_bytes(key)), key)
    with ws.session() as s:
        genuine = s.scalar(select(Signature).where(Signature.entity == PART_ENTITY, Signature.signer == "li"))
        assert genuine is not None
        seal = make_seal(forger, PART_ENTITY, str(team.inspection_id), PART_PURPOSE, genuine.digest, genuine.context)
    with ws.begin() as s:
        store_seals(s, [seal])
    report = check_database(ws, full=True)
    forged = [p for p in report.problems if "成员 li 对其分工部分的签名不成立" in p and "未在本机登记" in p]
    assert forged, report.problems
    with ws.session() as s:
        status = {p.member: p for p in part_signatures(s, team.inspection_id)}
    assert not status["li"].valid  # the newest signature of his is the forged one


def test_the_feedback_report_lists_who_inspected_what_and_findings_from_every_part(
    ws: Database, tmp_path: Path
) -> None:
    team = build_team(ws)
    answer_part(team, "li", fail_first="分诊台未配备体温计")
    answer_part(team, "zhao", fail_first="缓冲间门常开")
    _sign(team, "li")
    with ws.session() as s:
        draft = feedback_data(s, team.inspection_id)
    assert [(r.member, r.parts, r.signed) for r in draft.team_parts] == [
        ("李专家", TITLES["triage"], "已签署"),
        ("赵专家", TITLES["fever-clinic-zoning"], "未签署"),
    ]
    problems = {f.problem for f in draft.findings}
    assert {"分诊台未配备体温计", "缓冲间门常开"} <= problems
    assert set(draft.team) >= {"王组长", "李专家", "赵专家"}  # the inspectors line stays

    _sign(team, "zhao")
    with ws.begin() as s:
        finalize_inspection(s, "lead", team.inspection_id, user=team.users["lead"])
    with ws.session() as s:
        final = feedback_data(s, team.inspection_id)
    assert [r.signed for r in final.team_parts] == ["已签署", "已签署"]
    assert {"分诊台未配备体温计", "缓冲间门常开"} <= {f.problem for f in final.findings}
    assert len({f.checklist_title for f in final.findings}) == 2
    # The PDF prints the block: each member with their part and signature.
    build_feedback_report(final, tmp_path / "反馈单.pdf")
    text = flat("".join(page_texts((tmp_path / "反馈单.pdf").read_bytes())))
    assert "检查分工" in text and "李专家" in text and "赵专家" in text and text.count("已签署") >= 2


def test_a_part_signed_after_finalizing_is_verified_by_the_next_incremental_check(
    ws: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = _finalized_with_signatures(ws)
    # Only what changed since the last check is read: no rotating slice, and the checks run "two days later", so
    # the inspection's own times are from well before them.
    monkeypatch.setattr(integrity, "ROTATE_INSPECTIONS", 0)
    monkeypatch.setattr(integrity, "utcnow", lambda: datetime.now(UTC) + timedelta(days=2))
    assert check_database(ws, full=True).ok
    assert check_database(ws, full=False).inspections == 0
    key = Ed25519PrivateKey.generate()
    forger = Signer("zhao", "inspector", None, fingerprint_of(public_bytes(key)), key)
    with ws.begin() as s:
        sign_part(s, team.inspection_id, forger)
    report = check_database(ws, full=False)
    assert not report.full
    assert any("成员 zhao 对其分工部分的签名不成立" in p for p in report.problems), report.problems
