"""Document numbers (文号): issued once, printed the same every time, carried by packages, duplicates reported."""

from __future__ import annotations

import json
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections import docnumbers
from inspections.errors import UserError
from inspections.integrity import check_database
from inspections.packages import export_inspections, import_package, preview_file
from inspections.reports import documents
from inspections.reports.gather import feedback_data
from inspections.settings import get_setting, set_setting
from inspections.workflow import finalize_inspection
from models.database import Database, open_database
from models.document import DocumentNumber
from tests.inspections.packages.conftest import ACTOR, checksum, rewrite, seed

pytestmark = pytest.mark.postgres  # every test using ``db`` runs on SQLite and on PostgreSQL

NOV = datetime(2026, 11, 28, 10, 0).astimezone()


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Database]:
    """Another computer's own SQLite database."""
    database = open_database(None, tmp_path / "laptop")
    yield database
    database.close()


def pdf_text(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(path).pages)


def feedback_number(db: Database, inspection_id: uuid.UUID) -> str:
    with db.session() as s:
        return feedback_data(s, inspection_id, with_details=False).doc_number


def finalize(db: Database, inspection_id: uuid.UUID) -> None:
    with db.begin() as s:
        finalize_inspection(s, ACTOR, inspection_id, signatures={"检查组": ACTOR})


def export(db: Database, path: Path, *inspection_ids: uuid.UUID) -> Path:
    with db.session() as s:
        export_inspections(s, path, exporter=ACTOR, inspection_ids=list(inspection_ids))
    return path


def test_reprinting_a_feedback_form_prints_the_number_issued_when_it_was_finalized(
    db: Database, tmp_path: Path
) -> None:
    seeded = seed(db)
    assert feedback_number(db, seeded.inspection_id) == "院感督〔2026〕1号"
    printed = []
    for n in range(2):
        with db.begin() as s:
            printed.append(documents.inspection_report(s, seeded.inspection_id, tmp_path / f"{n}.pdf"))
    assert printed == ["院感督〔2026〕1号"] * 2
    assert "院感督〔2026〕1号" in pdf_text(tmp_path / "1.pdf")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 1


def test_a_draft_feedback_form_has_no_number(db: Database, tmp_path: Path) -> None:
    seeded = seed(db, finalize=False)
    with db.begin() as s:
        assert documents.inspection_report(s, seeded.inspection_id, tmp_path / "草稿.pdf") == ""
    text = pdf_text(tmp_path / "草稿.pdf")
    assert "草稿" in text and "〔2026〕" not in text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 0


def test_numbers_follow_finalize_order_and_survive_an_earlier_inspection_imported_later(
    db: Database, laptop: Database, tmp_path: Path
) -> None:
    late = seed(db, name="第一人民医院", code="H001", on=date(2026, 11, 20), finalize=False)
    early = seed(db, name="第二人民医院", code="H002", on=date(2026, 11, 10), finalize=False)
    finalize(db, late.inspection_id)  # finalized first although dated later
    finalize(db, early.inspection_id)
    assert feedback_number(db, late.inspection_id) == "院感督〔2026〕1号"
    assert feedback_number(db, early.inspection_id) == "院感督〔2026〕2号"

    # A laptop finalized an even earlier inspection offline and printed it as 01 as well.
    earliest = seed(laptop, name="第三人民医院", code="H003", on=date(2026, 11, 3))
    assert feedback_number(laptop, earliest.inspection_id) == "院感督〔2026〕1号"
    package = export(laptop, tmp_path / "laptop.zip", earliest.inspection_id)
    with db.session() as s:
        preview = preview_file(s, package)
    assert "文号重复：院感督〔2026〕1号" in preview.message and "第一人民医院" in preview.message
    with db.begin() as s:
        result = import_package(s, "王磊", package)
    assert result.applied["document:new"] == 1 and "文号重复" in result.message

    # Nothing already handed out changes; the imported one keeps the number on its paper copy.
    assert feedback_number(db, late.inspection_id) == "院感督〔2026〕1号"
    assert feedback_number(db, early.inspection_id) == "院感督〔2026〕2号"
    assert feedback_number(db, earliest.inspection_id) == "院感督〔2026〕1号"
    report = check_database(db)
    assert report.ok, report.problems  # a warning, not damage
    assert len(report.warnings) == 1 and "院感督〔2026〕1号" in report.warnings[0]
    assert any("重复" in line for line in report.lines)

    # The next number issued here follows the highest one known.
    another = seed(db, name="第四人民医院", code="H004", on=date(2026, 11, 25))
    assert feedback_number(db, another.inspection_id) == "院感督〔2026〕3号"


def test_numbers_travel_with_a_package_and_importing_twice_changes_nothing(
    db: Database, laptop: Database, tmp_path: Path
) -> None:
    with laptop.begin() as s:
        set_setting(s, ACTOR, "doc_series", "b")  # stored as B
    seeded = seed(laptop)
    assert feedback_number(laptop, seeded.inspection_id) == "院感督B〔2026〕1号"
    package = export(laptop, tmp_path / "p.zip", seeded.inspection_id)
    with db.begin() as s:
        first = import_package(s, "王磊", package)
    assert first.applied["document:new"] == 1 and "注意" not in first.message
    assert feedback_number(db, seeded.inspection_id) == "院感督B〔2026〕1号"
    with db.begin() as s:  # printing it here prints the laptop's number, issues nothing new
        assert documents.inspection_report(s, seeded.inspection_id, tmp_path / "x.pdf") == "院感督B〔2026〕1号"
    after_first = checksum(db)
    with db.begin() as s:
        again = import_package(s, "王磊", package)
    assert again.applied == {} and checksum(db) == after_first
    with db.session() as s:
        assert docnumbers.duplicates(s) == []


def test_an_old_package_without_numbers_still_imports_and_gets_a_number_when_printed(
    db: Database, laptop: Database, tmp_path: Path
) -> None:
    with laptop.begin() as s:
        set_setting(s, ACTOR, "doc_series", "B")
    seeded = seed(laptop)
    package = export(laptop, tmp_path / "new.zip", seeded.inspection_id)

    def as_version_1(data: dict[str, object]) -> None:
        for record in data["inspections"]:  # type: ignore[attr-defined]
            del record["doc_number"]

    old = rewrite(package, tmp_path / "old.zip", as_version_1)
    with zipfile.ZipFile(old) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(entries["manifest.json"])
    manifest["format_version"] = 1
    entries["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(old, "w") as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)

    with db.begin() as s:
        result = import_package(s, "王磊", old)
    assert result.applied["inspection:new"] == 1 and "document:new" not in result.applied
    assert feedback_number(db, seeded.inspection_id) == ""  # not issued here yet
    with db.begin() as s:
        assert documents.inspection_report(s, seeded.inspection_id, tmp_path / "a.pdf") == "院感督〔2026〕1号"
    assert feedback_number(db, seeded.inspection_id) == "院感督〔2026〕1号"
    # The newer package of the same inspection now brings the laptop's own number: this database keeps its own.
    with db.session() as s:
        preview = preview_file(s, package)
    assert "文号不一致" in preview.message and "院感督B〔2026〕1号" in preview.message
    assert {e.status for e in preview.entries if e.entity == "document"} == {"kept"}


def test_a_notice_printed_twice_the_same_day_has_one_number_and_the_bulletin_one_per_month(
    db: Database, tmp_path: Path
) -> None:
    seeded = seed(db)
    with db.begin() as s:
        first = documents.notice(s, seeded.institution_id, tmp_path / "1.pdf", now=NOV)
    with db.begin() as s:
        second = documents.notice(s, seeded.institution_id, tmp_path / "2.pdf", now=NOV.replace(hour=16))
    with db.begin() as s:
        next_day = documents.notice(s, seeded.institution_id, tmp_path / "3.pdf", now=NOV.replace(day=29))
    assert first == second == "院感督整改〔2026〕1号" and next_day == "院感督整改〔2026〕2号"
    assert first in pdf_text(tmp_path / "2.pdf")

    with db.begin() as s:
        draft = documents.bulletin(s, "2026-11", tmp_path / "草稿.pdf", now=NOV, draft=True)
    with db.begin() as s:
        issued = documents.bulletin(s, "2026-11", tmp_path / "通报.pdf", now=NOV)
    with db.begin() as s:
        again = documents.bulletin(s, "2026-11", tmp_path / "通报2.pdf", now=NOV.replace(day=30))
    assert draft == "" and issued == again == "院感督通报〔2026〕1号"
    assert "院感督通报〔2026〕1号" in pdf_text(tmp_path / "通报2.pdf")


def test_the_series_code_is_part_of_every_new_number(db: Database, tmp_path: Path) -> None:
    with db.begin() as s:
        assert get_setting(s, "doc_series") == ""
        with pytest.raises(UserError, match="英文字母"):
            set_setting(s, ACTOR, "doc_series", "A1")
        set_setting(s, ACTOR, "doc_series", " a ")
        assert get_setting(s, "doc_series") == "A"
    seeded = seed(db)
    assert feedback_number(db, seeded.inspection_id) == "院感督A〔2026〕1号"
    with db.begin() as s:
        assert documents.notice(s, seeded.institution_id, tmp_path / "n.pdf", now=NOV) == "院感督整改A〔2026〕1号"
    with db.begin() as s:
        set_setting(s, ACTOR, "doc_series", "")  # back to no series: a sequence of its own
    again = seed(db, name="第二人民医院", code="H002")
    assert feedback_number(db, again.inspection_id) == "院感督〔2026〕1号"
    assert feedback_number(db, seeded.inspection_id) == "院感督A〔2026〕1号"  # issued numbers never change


def _issue_concurrently(databases: list[Database], subjects: list[str]) -> list[str]:
    """Each thread issues a notice number for its own subject in its own transaction, all at once."""
    barrier = threading.Barrier(len(subjects))
    numbers: list[str] = [""] * len(subjects)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            with databases[n].begin() as s:
                numbers[n] = docnumbers.issue_number(s, "notice", subjects[n], date(2026, 11, 28), ACTOR).text
        except BaseException as err:  # reported by the caller's assertion
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(subjects))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return numbers


def _in_use(database: Database) -> None:
    """A database that has been used: its audit chain has begun (two writers racing to write the very first audit
    event of an empty database is the audit chain's matter, not the numbers')."""
    with database.begin() as s:
        set_setting(s, ACTOR, "issuer", "区卫生健康委员会")


def test_numbers_issued_at_the_same_moment_are_all_different(db: Database) -> None:
    _in_use(db)
    subjects = [docnumbers.notice_subject(uuid.uuid4(), date(2026, 11, 28)) for _ in range(6)]
    numbers = _issue_concurrently([db] * len(subjects), subjects)
    assert sorted(numbers) == [f"院感督整改〔2026〕{n}号" for n in range(1, 7)]


def test_two_servers_connections_issuing_at_once_never_share_a_number(pg_url: str, tmp_path: Path) -> None:
    """Separate engines (as two computers sharing the PostgreSQL server) allocating in the same month."""
    opened = [open_database(pg_url, tmp_path / f"pc{n}") for n in range(4)]
    try:
        _in_use(opened[0])
        subjects = [docnumbers.notice_subject(uuid.uuid4(), date(2026, 11, 28)) for _ in opened]
        numbers = _issue_concurrently(opened, subjects)
        assert sorted(numbers) == [f"院感督整改〔2026〕{n}号" for n in range(1, 5)]
        # The same notice generated on two computers at once: one number, recorded once.
        same = docnumbers.notice_subject(uuid.uuid4(), date(2026, 11, 28))
        assert _issue_concurrently(opened[:2], [same, same]) == ["院感督整改〔2026〕5号"] * 2
        with opened[0].session() as s:
            assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 5
    finally:
        for database in opened:
            database.close()


def test_reading_a_number_never_issues_one(db: Database, tmp_path: Path) -> None:
    seeded = seed(db)
    with db.session() as s:
        notice = documents.gather.notice_data(s, seeded.institution_id, now=NOV)
    assert notice.doc_number == ""  # not issued until the notice is generated as a document
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 1  # the 反馈单's only


def test_a_document_rendered_from_a_read_session_records_its_number_apart_and_holds_no_write_lock(
    db: Database, tmp_path: Path
) -> None:
    seeded = seed(db)

    def write_apart(fn: Callable[[Session], str]) -> str:
        with db.begin() as w:
            return fn(w)

    with docnumbers.issuing_apart(write_apart), db.session() as s:
        number = documents.notice(s, seeded.institution_id, tmp_path / "n.pdf", now=NOV)
        with db.begin() as other:  # another writer is not kept waiting by the document being rendered
            set_setting(other, "李四", "issuer", "某区卫生健康委员会")
    assert number == "院感督整改〔2026〕1号"
    with db.session() as s:
        assert (
            docnumbers.number_text(s, "notice", docnumbers.notice_subject(seeded.institution_id, NOV.date())) == number
        )


def test_a_hospital_officer_printing_a_notice_issues_no_number(db: Database, tmp_path: Path) -> None:
    from inspections.users import CurrentUser

    seeded = seed(db)
    officer = CurrentUser("hospital1", "hospital", institution_id=seeded.institution_id)
    with db.begin() as s:
        assert documents.notice(s, seeded.institution_id, tmp_path / "院方.pdf", now=NOV, user=officer) == ""
    with db.begin() as s:  # the commission's notice that day is numbered; the officer then sees that number
        issued = documents.notice(s, seeded.institution_id, tmp_path / "委.pdf", now=NOV)
    with db.begin() as s:
        assert documents.notice(s, seeded.institution_id, tmp_path / "院方2.pdf", now=NOV, user=officer) == issued
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DocumentNumber).where(DocumentNumber.kind == "notice")) == 1


def test_the_number_is_agency_code_year_and_sequence_without_month_or_leading_zeros() -> None:
    assert docnumbers.format_doc_number("上卫院感", 2026, 3) == "上卫院感〔2026〕3号"
    assert docnumbers.format_doc_number("上卫院感", 2026, 12, "A") == "上卫院感A〔2026〕12号"
    with pytest.raises(ValueError):
        docnumbers.format_doc_number("x", 2026, 0)


def test_numbers_run_through_the_year_and_numbers_issued_in_the_monthly_form_stay_as_printed(db: Database) -> None:
    with db.begin() as s:
        # A number issued by an older version (a sequence a month) before the upgrade.
        s.add(
            DocumentNumber(
                kind="notice", subject="old", series="", year=2026, month=10, seq=4, text="院感督整改〔2026〕10-04号"
            )
        )
    with db.begin() as s:
        november = docnumbers.issue_number(s, "notice", "a", date(2026, 11, 30), ACTOR).text
        december = docnumbers.issue_number(s, "notice", "b", date(2026, 12, 1), ACTOR).text
        next_year = docnumbers.issue_number(s, "notice", "c", date(2027, 1, 2), ACTOR).text
    assert november == "院感督整改〔2026〕5号" and december == "院感督整改〔2026〕6号"
    assert next_year == "院感督整改〔2027〕1号"
    with db.session() as s:
        assert docnumbers.number_text(s, "notice", "old") == "院感督整改〔2026〕10-04号"
