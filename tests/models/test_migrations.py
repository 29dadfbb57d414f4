"""Migrations: they build exactly the models' schema, and an old database upgrades with its data intact."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import models.all  # noqa: F401
from models.base import Base
from models.database import DB_FILENAME, make_engine, open_database, sqlite_url
from models.migrations import current_revision, head_revision, upgrade_to_head


def test_migrations_produce_exactly_the_models_schema(tmp_path: Path) -> None:
    db = open_database(None, tmp_path)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    db.close()
    assert diff == []


def test_a_database_at_the_first_revision_upgrades_with_its_data(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / DB_FILENAME))
    upgrade_to_head(engine, "0001")
    inst_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO institutions (id, name, level, category, district, address, contact, has_fever_clinic,"
                 " has_fever_sentinel, active, version, created_at, updated_at) VALUES (:id, '上街区人民医院', 2,"
                 " '综合医院', '上街区', '', '', 1, 0, 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
            {"id": inst_id.hex},
        )
    engine.dispose()
    assert head_revision() != "0001", "add a migration after 0001 to make this test meaningful"

    db = open_database(None, tmp_path)  # opening migrates automatically
    assert current_revision(db.engine) == head_revision()
    from models.reference import Institution

    with db.session() as s:
        inst = s.get(Institution, inst_id)
        assert inst is not None and inst.name == "上街区人民医院" and inst.has_fever_clinic
    db.close()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    db = open_database(None, tmp_path)
    with db.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    db.close()


def test_timestamps_come_back_timezone_aware(tmp_path: Path) -> None:
    from models.audit import AuditEvent, append_audit

    db = open_database(None, tmp_path)
    with db.begin() as s:
        append_audit(s, actor="t", action="x", entity="e", entity_id="1")
    with db.session() as s:
        event = s.query(AuditEvent).one()
        assert event.at.tzinfo is not None and event.at.utcoffset() is not None
    db.close()


def test_the_head_constant_names_the_newest_migration() -> None:
    from models.migrations import HEAD

    assert head_revision() == HEAD


def test_an_older_database_full_of_linked_records_upgrades_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rebuilding a table on SQLite must not trip over the foreign keys of the rows that refer to it. An inspection
    finalized before document numbers were registered gets its 文号 when first printed, and keeps it."""
    from datetime import date

    import inspections.workflow.finalize
    from inspections.integrity import check_database
    from inspections.reports import documents
    from inspections.templates import sync_builtin_checklists
    from inspections.workflow import add_item_photo, finalize_inspection, load_inspection, start_inspection
    from models.database import Database
    from tests.helpers import answer_all, jpeg_bytes, make_institution

    # The records are made with today's model at the newest schema, which is then taken down to 0003: the model can
    # only write the tables as they are now (a column added since would be missing in an 0003 database).
    engine = make_engine(sqlite_url(tmp_path / DB_FILENAME))
    upgrade_to_head(engine)
    old = Database(engine, tmp_path)
    # The version this database comes from issued no numbers (it derived them on every print).
    monkeypatch.setattr(inspections.workflow.finalize, "issue_feedback_number", lambda *args: SimpleNamespace(text=""))
    # Nor had it partial scope (no inspection_scopes table before 0010).
    for module in (inspections.workflow.loading, inspections.workflow.views, inspections.workflow.finalize):
        monkeypatch.setattr(module, "scope_marks", lambda *args: [])
    with old.begin() as s:
        sync_builtin_checklists(s)
    inst = make_institution(old, "上街区人民医院", level=2, fever=True)
    with old.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=date(2026, 11, 2), inspectors=["张三"])
    answer_all(old, inspection_id, fail_codes={"FZ2.3"})
    with old.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with old.begin() as s:
        add_item_photo(s, "张三", inspection_id, item.item_id, jpeg_bytes(), filename="a.jpg")
        finalize_inspection(s, "张三", inspection_id)
    old.close()
    monkeypatch.undo()
    _downgrade(tmp_path, "0003")

    db = open_database(None, tmp_path)
    assert current_revision(db.engine) == head_revision()
    with db.session() as s:
        view = load_inspection(s, inspection_id)
        assert view.finalized and len(view.items()) > 50 and all(i.response for i in view.items())
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    report = check_database(db)
    assert report.ok, report.problems
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM document_numbers")) == 0
    numbers = []
    for n in range(2):
        with db.begin() as s:
            numbers.append(documents.inspection_report(s, inspection_id, tmp_path / f"反馈单{n}.pdf"))
    assert numbers == ["院感督〔2026〕1号"] * 2
    db.close()


def _downgrade(folder: Path, revision: str) -> None:
    """Take the SQLite database in ``folder`` down to ``revision`` (foreign keys off while tables are rebuilt)."""
    from alembic import command

    from models.migrations import alembic_config

    engine = make_engine(sqlite_url(folder / DB_FILENAME))
    try:
        with engine.connect() as conn:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            with conn.begin():
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, revision)
        assert current_revision(engine) == revision
    finally:
        engine.dispose()
