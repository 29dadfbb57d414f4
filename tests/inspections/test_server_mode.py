"""Server mode: migrations on PostgreSQL, the audit chain under concurrent writers, and two users saving one record."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from inspections.conflicts import saving
from inspections.errors import ConflictError
from models.audit import AuditEvent, append_audit, verify_audit_chain
from models.database import Database, open_database
from models.finding import Finding
from models.migrations import current_revision, head_revision
from models.reference import Institution
from tests.inspections.packages.conftest import seed

pytestmark = pytest.mark.postgres


def test_migrations_create_the_schema_on_postgresql_and_reopening_is_a_no_op(pg_url: str, tmp_path: Path) -> None:
    first = open_database(pg_url, tmp_path)
    try:
        assert first.engine.dialect.name == "postgresql"
        assert current_revision(first.engine) == head_revision()
        tables = set(inspect(first.engine).get_table_names())
        assert {"inspections", "findings", "audit_events", "audit_head", "users", "blobs"} <= tables
        seed(first)
    finally:
        first.close()
    again = open_database(pg_url, tmp_path)
    try:
        with again.session() as s:
            assert s.scalar(select(func.count()).select_from(Finding)) == 2
    finally:
        again.close()


WRITERS = ("张伟", "李娜", "王磊")


def _together(work: Callable[[str, threading.Barrier], None]) -> list[BaseException]:
    """Run ``work(name, barrier)`` for each writer on a thread of its own; what they raise is returned."""
    barrier = threading.Barrier(len(WRITERS))
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            work(name, barrier)
        except BaseException as err:  # collected and re-raised in the test thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(name,)) for name in WRITERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_concurrent_writers_queue_on_the_audit_chain_head(db: Database) -> None:
    with db.begin() as s:
        append_audit(s, actor="system", action="test.start", entity="test", entity_id="0")

    def writer(name: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        for n in range(12):
            with db.begin() as s:
                append_audit(s, actor=name, action="test.write", entity="test", entity_id=f"{name}-{n}")

    errors = _together(writer)
    assert not errors, errors
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 37
        assert verify_audit_chain(s) == []
        assert list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq))) == list(range(1, 38))


def test_the_first_events_of_a_new_database_written_at_once_all_land(db: Database) -> None:
    """No event yet, so no chain head row: writers that start together must not both create it."""

    def writer(name: str, barrier: threading.Barrier) -> None:
        with db.begin() as s:
            barrier.wait()
            append_audit(s, actor=name, action="test.first", entity="test", entity_id=name)

    errors = _together(writer)
    assert not errors, errors
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 3
        assert verify_audit_chain(s) == []


def test_a_long_lived_session_appends_after_the_head_it_last_saw(db: Database) -> None:
    """A window keeps its session across units of work (expire_on_commit=False): its next append must still lock
    and re-read the chain head that another user has moved on since."""
    with db.begin() as s:
        append_audit(s, actor="system", action="test.start", entity="test", entity_id="0")
    window = db.sessions()
    try:
        with window.begin():
            append_audit(window, actor="张伟", action="test.write", entity="test", entity_id="1")
        with db.begin() as other:
            append_audit(other, actor="李娜", action="test.write", entity="test", entity_id="2")
        with window.begin():
            event = append_audit(window, actor="张伟", action="test.write", entity="test", entity_id="3")
        assert event.seq == 4
    finally:
        window.close()
    with db.session() as s:
        assert verify_audit_chain(s) == []


def test_the_second_of_two_users_saving_one_institution_sees_both_values(db: Database) -> None:
    seeded = seed(db)
    first, second = db.sessions(), db.sessions()
    try:
        mine = first.get(Institution, seeded.institution_id)
        first.commit()  # both hold the record as loaded (version 1) across units of work
        theirs = second.get(Institution, seeded.institution_id)
        second.commit()
        assert mine is not None and theirs is not None
        mine.contact = "王主任 13800000001"
        with saving(first):
            pass
        theirs.contact = "李科长 13900000002"
        theirs.address = "建设路 1 号"
        with pytest.raises(ConflictError) as err, saving(second):
            pass
    finally:
        first.close()
        second.close()
    assert "已被他人修改" in str(err.value) and "第一人民医院" in str(err.value)
    assert err.value.mine == {"contact": "李科长 13900000002", "address": "建设路 1 号"}
    assert err.value.theirs == {"contact": "王主任 13800000001", "address": ""}
    with db.session() as s:
        stored = s.get(Institution, seeded.institution_id)
        assert stored is not None and (stored.contact, stored.address, stored.version) == ("王主任 13800000001", "", 2)


def test_a_save_waiting_on_another_users_open_transaction_is_a_conflict(pg_db: Database) -> None:
    """Two sessions with overlapping transactions: the second UPDATE waits for the first's row lock, then finds
    the row at a new version."""
    seeded = seed(pg_db)
    finding_id = seeded.finding_ids[0]
    first, second = pg_db.sessions(), pg_db.sessions()
    outcome: list[BaseException | None] = []
    try:
        a = first.get(Finding, finding_id)
        b = second.get(Finding, finding_id)
        assert a is not None and b is not None and a.version == b.version == 1
        a.responsible_dept = "门诊部"
        first.flush()  # holds the row lock until commit

        def save_second() -> None:
            b.responsible_dept = "急诊科"
            try:
                with saving(second):
                    pass
                outcome.append(None)
            except ConflictError as err:
                outcome.append(err)

        thread = threading.Thread(target=save_second)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive(), "the second save should wait for the first transaction"
        first.commit()
        thread.join(30)
    finally:
        first.close()
        second.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    assert outcome[0].mine == {"responsible_dept": "急诊科"}
    assert outcome[0].theirs == {"responsible_dept": "门诊部"}


def test_the_command_line_runs_against_a_server(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspections.cli import main

    base = ["--database", pg_url, "--data-dir", str(tmp_path)]
    monkeypatch.setenv("YG_NEW_PASSWORD", "管理员的密码123")
    assert main([*base, "users", "add", "admin", "--role", "admin", "--name", "系统管理员"]) == 0
    monkeypatch.setenv("YG_USER", "admin")
    monkeypatch.setenv("YG_PASSWORD", "管理员的密码123")
    monkeypatch.setenv("YG_NEW_PASSWORD", "专家的密码456")
    assert main([*base, "users", "add", "zhangwei", "--role", "inspector"]) == 0
    capsys.readouterr()
    assert main([*base, "users", "list"]) == 0
    out = capsys.readouterr().out
    assert "系统管理员" in out and "督导专家" in out
    monkeypatch.setenv("YG_PASSWORD", "wrong-password")
    assert main([*base, "users", "list"]) == 2
    assert "用户名或密码错误" in capsys.readouterr().err


def test_a_row_held_too_long_by_another_user_is_a_clear_message_not_a_hang(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's lock_timeout bounds the wait for another user's open transaction; the message says what
    happened in words (nothing of the unit is saved)."""
    import models.database
    from models.database import StorageError

    monkeypatch.setattr(models.database, "LOCK_WAIT_SECONDS", 1)
    db = open_database(pg_url, tmp_path)
    try:
        seeded = seed(db)
        holder = db.sessions()
        try:
            held = holder.get(Finding, seeded.finding_ids[0])
            assert held is not None
            held.responsible_dept = "门诊部"
            holder.flush()  # the row stays locked until the holder's transaction ends
            started = time.monotonic()
            with pytest.raises(StorageError, match="另一位用户的操作长时间占用该记录，本次操作未保存"), db.begin() as s:
                other = s.get(Finding, seeded.finding_ids[0])
                assert other is not None
                other.responsible_dept = "急诊科"
            assert time.monotonic() - started < 20
        finally:
            holder.rollback()
            holder.close()
        with db.session() as s:
            stored = s.get(Finding, seeded.finding_ids[0])
            assert stored is not None and stored.responsible_dept not in ("门诊部", "急诊科")
    finally:
        db.close()
