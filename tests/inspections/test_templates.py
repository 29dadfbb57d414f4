"""Checklist versions: immutable, a changed file becomes the next version, inspections keep theirs."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from inspections import templates
from inspections.checklists.yaml_format import dump_checklist, load_checklist_text
from inspections.templates import (
    export_checklist,
    find_template,
    import_checklist_file,
    list_templates,
    sync_builtin_checklists,
    template_spec,
)
from inspections.workflow import load_inspection, start_inspection
from models.database import Database
from tests.helpers import make_institution

pytestmark = pytest.mark.postgres  # these run on SQLite and on the PostgreSQL test server


def test_every_builtin_is_loaded_into_a_new_database(ws: Database) -> None:
    with ws.session() as s:
        codes = {r.code for r in list_templates(s)}
    assert {"triage", "fever-clinic-zoning", "fever-clinic-loop", "ward-management", "health-monitoring",
            "ipc-system"} <= codes


def test_a_changed_file_becomes_the_next_version_and_inspections_keep_theirs(ws: Database, tmp_path: Path) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    with ws.begin() as s:
        old = find_template(s, "triage")
        old_id, old_version = old.id, old.version
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=date(2026, 11, 1), inspectors=["张三"],
                                         template_ids=[old_id])
        text = export_checklist(s, "triage")
    changed = text.replace("title: 预检分诊", "title: 预检分诊（修订）", 1)
    assert changed != text
    path = tmp_path / "triage.yaml"
    path.write_text(changed, encoding="utf-8")
    with ws.begin() as s:
        outcome = import_checklist_file(s, "张三", path)
        again = import_checklist_file(s, "张三", path)
    assert outcome.status == "new_version" and again.status == "unchanged" and again.version == outcome.version
    with ws.session() as s:
        assert find_template(s, "triage").title == "预检分诊（修订）"
        assert template_spec(s, old_id).title == "预检分诊"  # the old version is untouched
        view = load_inspection(s, inspection_id)
        assert [c.spec.version for c in view.checklists] == [old_version]
        rows = {(r.code, r.version): r for r in list_templates(s, code="triage")}
    assert rows[("triage", old_version)].in_use and not rows[("triage", outcome.version)].in_use


def test_export_round_trips_exactly(ws: Database) -> None:
    with ws.session() as s:
        for row in list_templates(s):
            text = export_checklist(s, row.code, row.version)
            spec = load_checklist_text(text, f"{row.code}.yaml")
            assert spec == template_spec(s, row.id)
            assert dump_checklist(spec) == text


def test_a_changed_builtin_is_added_as_a_new_version_on_upgrade(ws: Database, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    builtin = tmp_path / "builtin"
    shutil.copytree(templates.BUILTIN_DIR, builtin)
    target = builtin / "ipc-system-v1.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("points: 6", "points: 7", 1), encoding="utf-8")
    monkeypatch.setattr(templates, "BUILTIN_DIR", builtin)
    with ws.session() as s:
        before = [r.version for r in list_templates(s, code="ipc-system")]
    with ws.begin() as s:
        outcomes = sync_builtin_checklists(s)
    with ws.session() as s:
        after = [r.version for r in list_templates(s, code="ipc-system")]
    # ipc-system-v1.yaml changed, ipc-system-v2.yaml (read after it) did not.
    assert [o.status for o in outcomes if o.code == "ipc-system"] == ["new_version", "unchanged"]
    assert after == [max(before) + 1, *before]
    assert not [o for o in outcomes if o.code != "ipc-system" and o.status == "new_version"]


def test_a_bad_file_imports_nothing(ws: Database, tmp_path: Path) -> None:
    from inspections.errors import InvalidInputError

    path = tmp_path / "bad.yaml"
    path.write_text("format: 1\ncode: bad\nversion: 1\ntitle: 坏表\nsections: []\nfoo: 1\n", encoding="utf-8")
    with ws.session() as s:
        count = len(list_templates(s))
    with pytest.raises(InvalidInputError, match=r"bad\.yaml"), ws.begin() as s:
        import_checklist_file(s, "张三", path)
    with ws.session() as s:
        assert len(list_templates(s)) == count
