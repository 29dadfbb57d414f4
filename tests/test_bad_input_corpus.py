"""The bad-input corpus: every malformed or hostile file gives a clear Chinese UserError and leaves the database
unchanged (a checksum over every table's rows); files in a foreign encoding that can be read are read correctly.

The files live in tests/corpus/: checklists/, institutions/, photos/ (everyday mistakes, written by
make_checklist_corpus.py and make_institution_corpus.py) and hostile/<importer>/ (attacks and broken tools, written
by make_hostile_corpus.py). Each folder's expected.json says what each file must produce.
"""

from __future__ import annotations

import gc
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.backup import database_checksum
from inspections.checklists.spec import ChecklistSpec, ItemSpec, SectionSpec
from inspections.errors import UserError
from inspections.institutions import import_institutions
from inspections.packages import import_package
from inspections.photos import ingest_photo, load_photo_file
from inspections.templates import import_checklist, import_checklist_file, template_spec
from inspections.workspace import open_workspace
from models.database import Database
from models.reference import Institution
from tests.helpers import make_institution

CORPUS = Path(__file__).resolve().parent / "corpus"
FOLDERS = {
    "checklists": "checklists",
    "institutions": "institutions",
    "photos": "photos",
    "hostile/checklists": "checklists",
    "hostile/institutions": "institutions",
    "hostile/photos": "photos",
    "hostile/packages": "packages",
}
"""Corpus folder → the importer its files are fed to."""

KNOWN_GAPS: dict[str, str] = {}
"""Files that do not yet give a clear error: each is a bug in another module, reported; strict xfail flags the fix."""

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Case:
    folder: str
    importer: str
    path: Path
    expected: Any

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.path.name}"

    @property
    def must_load(self) -> bool:
        return self.expected is None or isinstance(self.expected, dict)


def _cases() -> list[Case]:
    cases = []
    for folder, importer in FOLDERS.items():
        expected = json.loads((CORPUS / folder / "expected.json").read_text(encoding="utf-8"))
        for name in sorted(expected):
            cases.append(Case(folder, importer, CORPUS / folder / name, expected[name]))
    return cases


CASES = _cases()
BAD = [c for c in CASES if not c.must_load]
GOOD = [c for c in CASES if c.must_load]


def _params(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(
            c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[c.id])] if c.id in KNOWN_GAPS else []
        )
        for c in cases
    ]


def test_the_corpus_is_complete() -> None:
    for folder in FOLDERS:
        on_disk = {p.name for p in (CORPUS / folder).iterdir()} - {"expected.json"}
        listed = set(json.loads((CORPUS / folder / "expected.json").read_text(encoding="utf-8")))
        assert on_disk == listed, f"{folder}: files and expected.json disagree"
    assert len(BAD) >= 30
    assert {c.importer for c in BAD} == {"checklists", "institutions", "photos", "packages"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A workspace with data of its own (built-in checklists, an institution, an imported checklist)."""
    database = open_workspace(None, tmp_path_factory.mktemp("corpus"))
    make_institution(database, "上街区人民医院", fever=True)
    item = ItemSpec(code="Z1.1", text="建立制度", method="查阅资料", criteria="未建立不得分", points=5)
    spec = ChecklistSpec(
        code="corpus-own", version=1, title="语料测试自带检查表", sections=(SectionSpec("Z1", "制度", (item,)),)
    )
    with database.begin() as s:
        import_checklist(s, "张三", spec)
    try:
        yield database
    finally:
        database.close()


def _feed(session: Session, case: Case) -> Any:
    """Give the file to its importer, as the window and the command line do."""
    if case.importer == "checklists":
        return import_checklist_file(session, "张三", case.path)
    if case.importer == "institutions":
        return import_institutions(session, "张三", case.path)
    if case.importer == "photos":
        return ingest_photo(session, load_photo_file(case.path), filename=case.path.name)
    return import_package(session, "张三", case.path)


class _Rollback(Exception):
    """Raised to discard a unit of work whose result has been checked."""


def _refusal(db: Database, case: Case) -> tuple[bool, str]:
    """Feed the file in a unit of work that never commits; (was it a UserError, the message). Only text leaves
    this function: the exception and its frames are freed, so an importer's leaked file handle is collected."""
    try:
        with db.begin() as s:
            _feed(s, case)
            raise _Rollback("文件被接受了")  # a file wrongly accepted must not change the shared database
    except Exception as err:  # anything but a UserError is the failure being looked for
        return isinstance(err, UserError), f"{type(err).__name__}: {err}"
    raise AssertionError("unreachable: the unit of work always raises")


@pytest.mark.parametrize("case", _params(BAD))
def test_a_bad_file_gives_a_clear_chinese_error_and_changes_nothing(db: Database, case: Case) -> None:
    before = database_checksum(db)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clear, message = _refusal(db, case)
        gc.collect()  # a file handle left open by the importer shows up here as a ResourceWarning
    assert clear, f"not a clear error but {message}"
    assert CJK.search(message), message
    for part in case.expected:
        assert part in message, f"{part!r} missing from: {message}"
    assert "Traceback" not in message
    assert [str(w.message) for w in caught] == []
    assert database_checksum(db) == before


@pytest.mark.parametrize("case", _params(GOOD))
def test_a_readable_file_is_read_correctly(db: Database, case: Case) -> None:
    before = database_checksum(db)
    with pytest.raises(_Rollback), db.begin() as s:
        result = _feed(s, case)
        wanted = case.expected.get("load", case.expected) if isinstance(case.expected, dict) else None
        if case.importer == "institutions":
            assert wanted is not None and result.created == wanted["created"]
            names = set(s.scalars(select(Institution.name)))
            assert set(wanted.get("names", [])) <= names, names
        elif case.importer == "checklists" and wanted is not None:
            assert len(list(template_spec(s, result.template_id).items())) == wanted["items"]
        raise _Rollback
    assert database_checksum(db) == before
