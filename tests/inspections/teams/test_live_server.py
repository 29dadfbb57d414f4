"""The team split live on a shared PostgreSQL server: members answering different items of one inspection at the
same time never conflict; two sessions saving the same item end with a ConflictError that shows both values, also
when both insert the item's first answer."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError
from inspections.workflow import SavedAnswer, record_answer
from inspections.workspace import open_workspace
from models.audit import verify_audit_chain
from models.database import Database
from models.inspection import Inspection, ItemResult
from tests.inspections.teams.team_world import Team, build_team

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[Database]:
    """A shared PostgreSQL server database with the built-in checklists (each user's laptop connects to it)."""
    folder = tmp_path / "server"
    folder.mkdir()
    database = open_workspace(pg_url, folder)
    try:
        yield database
    finally:
        database.close()


def _inspection_version(team: Team) -> int:
    with team.db.session() as s:
        version = s.scalar(select(Inspection.version).where(Inspection.id == team.inspection_id))
        assert version is not None
        return version


def _stored(team: Team, item_id: uuid.UUID) -> tuple[str | None, str, str]:
    with team.db.session() as s:
        row = s.scalar(
            select(ItemResult).where(ItemResult.inspection_id == team.inspection_id, ItemResult.item_id == item_id)
        )
        assert row is not None
        return row.response, row.note, row.updated_by


def test_members_answering_different_items_at_the_same_time_never_conflict(ws: Database) -> None:
    """Two members, two threads, one save per item as the editor saves: every answer lands, none conflicts, and
    the inspection itself is not touched (its version stays)."""
    team = build_team(ws)
    before = _inspection_version(team)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    parts = {"li": team.items["triage"], "zhao": team.items["fever-clinic-zoning"]}

    def member(name: str) -> None:
        try:
            barrier.wait()
            for item_id in parts[name]:
                with ws.begin() as s:
                    record_answer(s, name, team.inspection_id, item_id, response="pass", note=f"{name} 已查",
                                  expected_version=0, user=team.users[name])
        except BaseException as err:  # collected and re-raised in the test thread
            errors.append(err)

    threads = [threading.Thread(target=member, args=(name,)) for name in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    with ws.session() as s:
        by = dict(s.execute(select(ItemResult.updated_by, func.count()).where(
            ItemResult.inspection_id == team.inspection_id, ItemResult.response == "pass").group_by(
            ItemResult.updated_by)).all())
        assert verify_audit_chain(s) == []
    assert by == {"li": len(parts["li"]), "zhao": len(parts["zhao"])}
    assert _inspection_version(team) == before


def _while_open(
    server: Database, first: Callable[[Session], object], second: Callable[[], object]
) -> BaseException | None:
    """``first`` runs in a transaction left open; ``second`` is started on another thread (it must wait for that
    transaction), then the first commits; returns what ``second`` raised."""
    outcome: list[BaseException | None] = []
    session = server.sessions()
    try:
        session.begin()
        first(session)
        session.flush()

        def run() -> None:
            try:
                second()
                outcome.append(None)
            except BaseException as err:  # collected and looked at in the test thread
                outcome.append(err)

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second save should wait for the first transaction"
        session.commit()
        thread.join(60)
    finally:
        session.close()
    assert len(outcome) == 1
    return outcome[0]


def test_members_in_overlapping_transactions_on_different_items_both_land(server: Database) -> None:
    team = build_team(server)
    triage, fever = team.items["triage"][0], team.items["fever-clinic-zoning"][0]

    def li(s: Session) -> object:
        return record_answer(s, "li", team.inspection_id, triage, response="pass", user=team.users["li"])

    def zhao() -> None:
        with server.begin() as s:
            record_answer(s, "zhao", team.inspection_id, fever, response="pass", user=team.users["zhao"])

    assert _while_open(server, li, zhao) is None
    assert _stored(team, triage)[::2] == ("pass", "li") and _stored(team, fever)[::2] == ("pass", "zhao")


def test_two_sessions_inserting_the_first_answer_of_one_item_conflict_with_both_values(server: Database) -> None:
    """Both find the item unanswered and insert its first answer: the second insert meets the unique (inspection,
    item) pair once the first commits, and is a ConflictError naming both answers, not a database error."""
    team = build_team(server)
    item = team.items["triage"][0]

    def li(s: Session) -> object:
        return record_answer(s, "li", team.inspection_id, item, response="fail", note="分诊台未配备体温计",
                             user=team.users["li"])

    def lead() -> None:
        with server.begin() as s:
            record_answer(s, "lead", team.inspection_id, item, response="pass", note="符合", user=team.users["lead"])

    error = _while_open(server, li, lead)
    assert isinstance(error, ConflictError), error
    assert "李专家" in str(error) and "未保存" in str(error)
    assert isinstance(error.mine, dict) and isinstance(error.theirs, dict)
    assert (error.mine["回答"], error.mine["备注"], error.mine["填写人"]) == ("符合", "符合", "王组长")
    theirs = (error.theirs["回答"], error.theirs["备注"], error.theirs["填写人"])
    assert theirs == ("不符合", "分诊台未配备体温计", "李专家")
    assert _stored(team, item) == ("fail", "分诊台未配备体温计", "li")  # nothing of the second save was kept


def test_two_sessions_updating_one_answer_conflict_with_both_values(server: Database) -> None:
    team = build_team(server)
    item = team.items["triage"][0]
    with server.begin() as s:
        record_answer(s, "li", team.inspection_id, item, response="pass", user=team.users["li"])

    def li(s: Session) -> object:
        return record_answer(s, "li", team.inspection_id, item, response="fail", note="抽查 3 人未测体温",
                             user=team.users["li"])

    def lead() -> None:
        with server.begin() as s:
            record_answer(s, "lead", team.inspection_id, item, note="组长复核", user=team.users["lead"])

    error = _while_open(server, li, lead)
    assert isinstance(error, ConflictError), error
    assert isinstance(error.mine, dict) and isinstance(error.theirs, dict)
    assert error.theirs["回答"] == "不符合" and error.theirs["备注"] == "抽查 3 人未测体温"
    assert error.mine["备注"] == "组长复核" and error.mine["填写人"] == "王组长"
    assert _stored(team, item) == ("fail", "抽查 3 人未测体温", "li")


def test_a_save_over_an_answer_the_user_has_not_seen_is_a_conflict(ws: Database) -> None:
    """The editor passes the version it shows: another member's newer answer is not overwritten unseen."""
    team = build_team(ws)
    item = team.items["triage"][0]
    with ws.begin() as s:
        seen: SavedAnswer = record_answer(s, "li", team.inspection_id, item, response="pass", expected_version=0,
                                          user=team.users["li"])
    assert seen.version == 1
    with ws.begin() as s:  # the lead, on another laptop connected to the server
        record_answer(s, "lead", team.inspection_id, item, response="fail", note="组长复核：缓冲间门常开",
                      expected_version=1, user=team.users["lead"])
    with pytest.raises(ConflictError) as err, ws.begin() as s:
        record_answer(s, "li", team.inspection_id, item, note="补充说明", expected_version=seen.version,
                      user=team.users["li"])
    assert "王组长" in str(err.value) and "不符合" in str(err.value)
    assert isinstance(err.value.theirs, dict) and err.value.theirs["备注"] == "组长复核：缓冲间门常开"
    assert isinstance(err.value.mine, dict) and err.value.mine["备注"] == "补充说明"
    assert _stored(team, item) == ("fail", "组长复核：缓冲间门常开", "lead")
