"""A province for the PostgreSQL benchmark, written with bulk inserts (COPY), not the per-record demo path.

``build_province(url, institutions=2000, months=60)`` fills an empty database (schema by the application's own
migrations, built-in checklists loaded) with:

- institutions: 5 % level 3, 15 % level 2, 50 % level 1, 30 % unrated; every level-2/3 and a third of the level-1
  institutions have a fever clinic (checklists apply by the application's own rules, ``applies_to_institution``);
- one supervision round a month with an entry for every level-1+ institution (done, a few 未完成 with a reason);
- a finalized supervision inspection per entry done, and a monthly self-inspection at level-2/3 hospitals, with an
  answer for every item of every applicable checklist (85 % 符合, 8 % 部分符合, 5 % 不符合, 2 % 不适用), the scores
  stored as finalize stores them (percent of the applicable maximum, the checklist's grade bands, vetoed by a failed
  critical item);
- a finding for every 不符合 / 部分符合 answer of a supervision, in every state by age (older ones closed);
- the answer counts the dashboard reads (``inspections.answer_counts.recount``).

What it leaves out, and the benchmark does not use: photos, audit events, content hashes (``check`` is not part of
the province benchmark), finding events.

How it is fast (2000 × 60 is about 25 million item results): the indexes and constraints of ``item_results`` and
``findings`` (and the foreign keys pointing at them) are dropped before the load and re-created after it, once, with a
large ``maintenance_work_mem`` (building a B-tree from sorted input instead of inserting 25 million random UUIDs into
four of them); the item results stream through their own connection's COPY, sent by a writer thread while Python
generates the next rows; commits do not wait for the WAL flush (``synchronous_commit = off``: a crash during the
load loses the last month, which a rebuild redoes anyway).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DISTRICTS = [f"第{n}区" for n in range(1, 41)]
ANSWERS = (("pass", 0.85), ("partial", 0.08), ("fail", 0.05), ("na", 0.02))


@dataclass(frozen=True)
class Item:
    id: uuid.UUID
    code: str
    points: float
    critical: bool
    text: str


@dataclass(frozen=True)
class Template:
    id: uuid.UUID
    code: str
    items: tuple[Item, ...]
    partial_ratio: float
    grades: tuple[tuple[float, str], ...]  # (minimum, label), highest first
    applies: Any


def _months(end: str, count: int) -> list[tuple[int, int]]:
    year, month = (int(p) for p in end.split("-"))
    out = []
    for _ in range(count):
        out.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def build_province(
    url: str,
    data_dir: Path,
    *,
    institutions: int = 2000,
    months: int = 60,
    end_month: str = "2026-11",
    seed: int = 2026,
    progress: Callable[[str], None] = print,
) -> dict[str, int]:
    """Fill the empty database at ``url``; returns the row counts written."""
    from sqlalchemy import func, select

    from inspections.answer_counts import recount
    from inspections.templates import applies_to_institution, template_spec
    from inspections.workspace import open_workspace
    from models.checklist import ChecklistItem, ChecklistTemplate
    from models.inspection import Inspection
    from models.reference import Institution

    rng = random.Random(seed)
    db = open_workspace(url, data_dir, backup=False)
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(Inspection)):
            raise SystemExit("the database already has inspections: give an empty one")
        templates = []
        for row in s.scalars(
            select(ChecklistTemplate).where(ChecklistTemplate.active).order_by(ChecklistTemplate.code)
        ):
            spec = template_spec(s, row.id)
            ids = dict(
                s.execute(select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == row.id)).all()
            )
            items = tuple(
                Item(ids[i.code], i.code, float(i.points), i.critical, i.text)
                for i in spec.items()
                if i.response_set is None
            )
            grades = tuple(sorted(((float(g.min), g.label) for g in spec.scoring.grades), reverse=True))
            templates.append(Template(row.id, row.code, items, spec.scoring.partial_ratio, grades, spec.applies_to))
    engine = db.engine
    counts: dict[str, int] = {}
    started = time.perf_counter()
    now = datetime.now(UTC)

    # Institutions (ORM objects only to ask the application which checklists apply).
    levels = [3] * 5 + [2] * 15 + [1] * 50 + [0] * 30
    insts: list[tuple[uuid.UUID, int, bool, list[Template]]] = []
    inst_rows = []
    for n in range(institutions):
        level = levels[n % 100]
        fever = level >= 2 or (level == 1 and n % 3 == 0)
        district = DISTRICTS[n % len(DISTRICTS)]
        iid = uuid.uuid4()
        probe = Institution(
            name=f"{district}第{n + 1}医疗机构", level=level, has_fever_clinic=fever, category="综合医院"
        )
        applicable = [t for t in templates if applies_to_institution(t.applies, probe)]
        insts.append((iid, level, fever, applicable))
        inst_rows.append(
            (iid, f"{district}第{n + 1}医疗机构", f"P{n + 1:05d}", level, "综合医院", district, "", "", fever, False,
             True, 1, now, now)
        )  # fmt: skip
    raw = engine.raw_connection()
    results_raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        results_cursor = results_raw.cursor()
        for c in (cursor, results_cursor):
            c.execute("SET synchronous_commit = off")
        raw.commit()
        results_raw.commit()
        deferred = _drop_indexes(cursor, ("item_results", "findings"))
        raw.commit()
        results = _ResultsCopy(results_cursor)
        _copy(cursor, "institutions", "id, name, code, level, category, district, address, contact, has_fever_clinic, "
              "has_fever_sentinel, active, version, created_at, updated_at", inst_rows)  # fmt: skip
        counts["institutions"] = len(inst_rows)
        raw.commit()
        progress(f"institutions: {len(inst_rows)} ({time.perf_counter() - started:.0f} s)")

        today = date(*_months(end_month, 1)[0], 28)
        for index, (year, month) in enumerate(_months(end_month, months)):
            month_text = f"{year}-{month:02d}"
            round_id = uuid.uuid4()
            title = f"{year}年{month}月医院感染防控督导"
            _copy(cursor, "rounds", "id, month, title, team, status, version, created_at, updated_at",
                  [(round_id, month_text, title, '["督导组"]', "closed", 1, now, now)])  # fmt: skip
            entries, inspections, checklists, findings = [], [], [], []
            before = results.count
            for iid, level, _fever, applicable in insts:
                if level == 0 or not applicable:
                    continue
                done = rng.random() > 0.03
                entries.append(
                    (uuid.uuid4(), round_id, iid, "[]", '["督导组"]', "done" if done else "not_done",
                     "" if done else "停业装修", 1, now, now)
                )  # fmt: skip
                kinds = (["supervision"] if done else []) + (["self"] if level >= 2 else [])
                for kind in kinds:
                    day = date(year, month, rng.randint(1, 28))
                    inspection_id = uuid.uuid4()
                    score_sum, maximum_sum, vetoed_any = 0.0, 0.0, False
                    for position, template in enumerate(applicable):
                        earned, maximum, vetoed = 0.0, 0.0, False
                        for item in template.items:
                            answer = _answer(rng)
                            note = ""
                            if answer == "pass":
                                earned += item.points
                                maximum += item.points
                            elif answer == "partial":
                                earned += round(item.points * template.partial_ratio, 2)
                                maximum += item.points
                                note = "部分落实"
                            elif answer == "fail":
                                maximum += item.points
                                vetoed = vetoed or item.critical
                                note = "现场发现问题，未按要求落实"
                            results.add(inspection_id, item.id, answer, note, now)
                            if kind == "supervision" and answer in ("fail", "partial"):
                                findings.append(_finding(rng, inspection_id, iid, item, answer, day, today, now))
                        percent = round(earned / maximum * 100, 1) if maximum else None
                        grade = "不合格（否决）" if vetoed else _grade(template.grades, percent)
                        checklists.append((inspection_id, template.id, position, percent, grade, vetoed))
                        score_sum += earned
                        maximum_sum += maximum
                        vetoed_any = vetoed_any or vetoed
                    percent = round(score_sum / maximum_sum * 100, 1) if maximum_sum else None
                    finalized = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)
                    inspections.append(
                        (inspection_id, iid, round_id if kind == "supervision" else None, kind, day, '["督导组"]', "",
                         "finalized", finalized, '{"检查人员": "督导组"}', "0" * 64, 0, percent,
                         "不合格（否决）" if vetoed_any else _grade(applicable[0].grades, percent), vetoed_any, "bench",
                         1, finalized, finalized)
                    )  # fmt: skip
            _copy(cursor, "round_entries", "id, round_id, institution_id, template_ids, inspectors, status, reason, "
                  "version, created_at, updated_at", entries)  # fmt: skip
            _copy(cursor, "inspections", "id, institution_id, round_id, kind, date, inspectors, hospital_rep, status, "
                  "finalized_at, signatures, content_hash, amendments, score, grade, vetoed, created_by, version, "
                  "created_at, updated_at", inspections)  # fmt: skip
            _copy(cursor, "inspection_checklists", "inspection_id, template_id, position, score, grade, vetoed",
                  checklists)  # fmt: skip
            results.end_month()
            _copy(cursor, "findings", "id, inspection_id, institution_id, item_id, item_code, problem, requirement, "
                  "severity, deadline, responsible_dept, status, repeat, closed_at, version, created_at, updated_at",
                  findings)  # fmt: skip
            raw.commit()
            results_raw.commit()
            for key, n in (("inspections", len(inspections)), ("item_results", results.count - before),
                           ("findings", len(findings)), ("round_entries", len(entries))):  # fmt: skip
                counts[key] = counts.get(key, 0) + n
            progress(
                f"{month_text}: {index + 1}/{months} months, {counts['inspections']:,} inspections, "
                f"{counts['item_results']:,} item results ({time.perf_counter() - started:.0f} s)"
            )
        raw.commit()
        results_raw.commit()
        progress(f"loaded ({time.perf_counter() - started:.0f} s); indexes and constraints")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in deferred:
            cursor.execute(statement)
            raw.commit()
            progress(f"{statement[:90]} ({time.perf_counter() - started:.0f} s)")
        # A freshly loaded table has no visibility map: without VACUUM, PostgreSQL will not answer from the covering
        # indexes (index-only scans) until autovacuum has passed. A server that has been running has done this.
        raw.driver_connection.autocommit = True  # type: ignore[attr-defined]
        for table in ("item_results", "findings", "inspections", "inspection_checklists", "round_entries"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        # The dashboard's answer counts, as finalize would have kept them (one grouped pass over the item results).
        with db.begin() as s:
            recount(s)
        cursor.execute("VACUUM ANALYZE item_answer_counts")
        progress(f"answer counts ({time.perf_counter() - started:.0f} s)")
    finally:
        results_raw.close()
        raw.close()
    db.close()
    counts["seconds"] = round(time.perf_counter() - started)
    return counts


def _answer(rng: random.Random) -> str:
    r = rng.random()
    for answer, share in ANSWERS:
        if r < share:
            return answer
        r -= share
    return "pass"


def _grade(grades: tuple[tuple[float, str], ...], percent: float | None) -> str:
    if percent is None:
        return "无法评分"
    return next((label for minimum, label in grades if percent >= minimum), grades[-1][1])


def _finding(
    rng: random.Random, inspection_id: uuid.UUID, institution_id: uuid.UUID, item: Item, answer: str, day: date,
    today: date, now: datetime,
) -> tuple[Any, ...]:  # fmt: skip
    severity = "critical" if item.critical and answer == "fail" else "general"
    deadline = day + timedelta(days=3 if severity == "critical" else 15)
    age = (today - day).days
    if age > 120:
        status = "passed" if rng.random() < 0.997 else "failed"  # a few re-inspections still failing
    elif age > 60:
        status = "passed" if rng.random() < 0.9 else "failed"
    elif age > 20:
        status = rng.choice(("passed", "passed", "feedback", "open"))
    else:
        status = rng.choice(("open", "open", "feedback"))
    closed = datetime(deadline.year, deadline.month, deadline.day, 12, tzinfo=UTC) if status == "passed" else None
    return (uuid.uuid4(), inspection_id, institution_id, item.id, item.code, f"{item.code} 现场发现问题",
            "按要求整改并报送整改情况", severity, deadline, "感染管理科", status, False, closed, 1, now,
            now)  # fmt: skip


class _ResultsCopy:
    """item_results rows streamed into one COPY per month on a connection of their own; a writer thread sends the
    data while the generator computes the next rows."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.copy: Any = None
        self.context: Any = None
        self.count = 0

    def add(self, inspection_id: uuid.UUID, item_id: uuid.UUID, response: str, note: str, at: datetime) -> None:
        if self.copy is None:
            from psycopg.copy import QueuedLibpqWriter

            columns = "id, inspection_id, item_id, response, points, note, updated_at, updated_by, version"
            self.context = self.cursor.copy(
                f"COPY item_results ({columns}) FROM STDIN", writer=QueuedLibpqWriter(self.cursor)
            )
            self.copy = self.context.__enter__()
        self.copy.write_row((uuid.uuid4(), inspection_id, item_id, response, None, note, at, "bench", 1))
        self.count += 1

    def end_month(self) -> None:
        if self.copy is not None:
            self.context.__exit__(None, None, None)
            self.copy = self.context = None


def _drop_indexes(cursor: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop every index and constraint (but NOT NULL and CHECK) of ``tables`` and every foreign key pointing at them;
    returns the statements that re-create them, in an order that works (keys before the foreign keys using them)."""
    names = list(tables)
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype IN ('p', 'u', 'f') AND (c.conrelid::regclass::text = ANY(%s) "
        "OR (c.contype = 'f' AND c.confrelid::regclass::text = ANY(%s)))",
        (names, names),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (names,),
    )
    indexes = cursor.fetchall()
    for table, name, _kind, _ in sorted(constraints, key=lambda c: c[2] != "f"):  # foreign keys first
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    order = {"p": 0, "u": 1, "f": 3}
    statements = [(order[kind], f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                  for table, name, kind, definition in constraints]  # fmt: skip
    statements += [(2, definition) for _, definition in indexes]
    return [statement for _, statement in sorted(statements, key=lambda s: s[0])]


def _copy(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]] | Iterator[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
