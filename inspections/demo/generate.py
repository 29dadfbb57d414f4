"""Writing the demo dataset in one exclusive unit of work: institutions and photos, then month after month a round,
its inspections and findings."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from inspections.answer_counts import recount
from inspections.demo.inspection import generate_inspection
from inspections.demo.names import INSPECTORS, NOT_DONE_REASONS, add_months, month_start, uid
from inspections.demo.population import demo_photos, make_institutions
from inspections.demo.template import DemoTemplate
from inspections.errors import UserError
from inspections.scoring import response_options
from inspections.templates import applicable_templates, template_spec
from models.audit import append_audit
from models.checklist import ChecklistItem, ChecklistTemplate
from models.database import Database
from models.finding import Finding, FindingEvent
from models.inspection import (
    Attachment,
    Blob,
    Inspection,
    InspectionChecklist,
    ItemResult,
    Round,
    RoundEntry,
)
from models.reference import Institution

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DemoSummary:
    institutions: int
    rounds: int
    inspections: int
    item_results: int
    findings: int
    photos: int

    @property
    def message(self) -> str:
        return (
            f"演示数据已生成：医疗机构 {self.institutions} 家，督导批次 {self.rounds} 个，检查 {self.inspections} 份，"
            f"检查项结果 {self.item_results} 条，整改项 {self.findings} 项，照片 {self.photos} 张"
        )


def generate_demo(
    db: Database,
    *,
    institutions: int = 40,
    months: int = 12,
    seed: int = 1,
    end_month: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Write the demo dataset into an empty (no inspections yet) database, all or nothing. ``today`` (for tests)
    defaults to the last day of ``end_month``, or without one to today's date in UTC."""
    if institutions < 1 or months < 1:
        raise UserError("机构数和月数须为正整数")
    if institutions > 5000 or months > 120:
        raise UserError("演示数据最多 5000 家机构、120 个月")
    # "Today" never depends on the machine's time zone (or, with an end month, on the day it runs): the same seed
    # and end month give the same data everywhere.
    try:
        end = month_start(end_month) if end_month else None
    except ValueError:
        raise UserError(f"月份“{end_month}”格式应为 YYYY-MM") from None
    if today is None:
        today = add_months(end, 1) - timedelta(days=1) if end is not None else datetime.now(UTC).date()
    if end is None:
        end = date(today.year, today.month, 1)
    if end > date(today.year, today.month, 1):
        today = add_months(end, 1) - timedelta(days=1)
    rng = random.Random(seed)
    # One unit of work, begun by taking the write lock: a second demo started at the same time waits, then finds
    # the inspections of the first and stops; an interrupted demo leaves nothing behind.
    with db.begin() as session:
        _lock_for_demo(session)
        if session.scalar(select(Inspection.id).limit(1)) is not None:
            raise UserError("数据库中已有检查记录；演示数据只能写入空数据库，请用 --data-dir 指定新的目录")
        counts = _generate(session, rng, institutions, months, seed, end, today, progress)
    return DemoSummary(
        institutions, counts["rounds"], counts["inspections"], counts["results"], counts["findings"], counts["photos"]
    )


_DEMO_LOCK = 0x59474445  # "YGDE": the PostgreSQL advisory lock a demo holds for its transaction


def _lock_for_demo(session: Session) -> None:
    """Take the write lock now (SQLite's units of work begin IMMEDIATE; PostgreSQL takes an advisory lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_DEMO_LOCK)))
    else:
        session.connection()


def _generate(
    session: Session,
    rng: random.Random,
    institutions: int,
    months: int,
    seed: int,
    end: date,
    today: date,
    progress: Progress | None,
) -> dict[str, int]:
    inst_rows = make_institutions(rng, institutions)
    quality = {row["id"]: rng.uniform(0.9, 0.995) for row in inst_rows}
    photos = demo_photos(rng)
    session.execute(insert(Institution), inst_rows)
    session.execute(
        insert(Blob),
        [
            {"sha256": sha, "mime": "image/jpeg", "width": w, "height": h, "size": len(data), "data": data}
            for sha, data, w, h in photos
        ],
    )
    append_audit(
        session,
        actor="demo",
        action="demo.generate",
        entity="database",
        entity_id="demo",
        after={"institutions": institutions, "months": months, "seed": seed},
    )

    templates: dict[uuid.UUID, DemoTemplate] = {}
    institutions_by_id: dict[uuid.UUID, Institution] = {}
    for inst in session.scalars(select(Institution)):
        institutions_by_id[inst.id] = inst
    for t in session.scalars(select(ChecklistTemplate)):
        spec = template_spec(session, t.id)
        item_ids = dict(
            session.execute(
                select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == t.id)
            ).all()
        )
        outcomes = {(i.code, o.code): o.outcome for i in spec.items() for o in response_options(spec, i)}
        templates[t.id] = DemoTemplate(t.id, t.code, t.version, t.content_hash, spec, item_ids, outcomes)

    counts = {"rounds": 0, "inspections": 0, "results": 0, "findings": 0, "photos": 0}
    previous_failed: dict[uuid.UUID, set[str]] = {}
    month_days = [add_months(end, -k) for k in range(months - 1, -1, -1)]
    for index, first_day in enumerate(month_days):
        generate_month(
            session,
            rng,
            first_day,
            today,
            inst_rows,
            institutions_by_id,
            quality,
            templates,
            photos,
            previous_failed,
            counts,
            current=index == len(month_days) - 1,
        )
        session.flush()
        session.expunge_all()  # a city's worth of months must not pile up in the session
        if progress:
            progress(index + 1, len(month_days), "生成演示数据")
    return counts


def generate_month(
    session: Session,
    rng: random.Random,
    first_day: date,
    today: date,
    inst_rows: list[dict[str, Any]],
    institutions_by_id: dict[uuid.UUID, Institution],
    quality: dict[uuid.UUID, float],
    templates: dict[uuid.UUID, DemoTemplate],
    photos: list[tuple[str, bytes, int, int]],
    previous_failed: dict[uuid.UUID, set[str]],
    counts: dict[str, int],
    *,
    current: bool,
) -> None:
    month = first_day.strftime("%Y-%m")
    last_day = add_months(first_day, 1) - timedelta(days=1)
    created = datetime(first_day.year, first_day.month, 1, 8, tzinfo=UTC)
    round_id = uid(rng)
    team = rng.sample(INSPECTORS, 4)
    rows: dict[type, list[dict[str, Any]]] = {
        m: [] for m in (RoundEntry, Inspection, InspectionChecklist, ItemResult, Attachment, Finding, FindingEvent)
    }
    session.execute(
        insert(Round),
        [
            {
                "id": round_id,
                "month": month,
                "title": f"{first_day.year}年{first_day.month}月督导检查",
                "team": team,
                "status": "open" if current else "closed",
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        ],
    )
    counts["rounds"] += 1
    applicable_cache: dict[tuple[bool, int, str], list[ChecklistTemplate]] = {}
    for inst in inst_rows:
        if inst["level"] < 1:
            continue
        institution = institutions_by_id[inst["id"]]
        key = (institution.has_fever_clinic, institution.level, institution.category)
        if key not in applicable_cache:
            applicable_cache[key] = applicable_templates(session, institution, first_day)
        applicable = applicable_cache[key]
        entry: dict[str, Any] = {
            "id": uid(rng),
            "round_id": round_id,
            "institution_id": inst["id"],
            "template_ids": [str(t.id) for t in applicable],
            "inspectors": team[:2],
            "status": "planned",
            "reason": "",
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }
        rows[RoundEntry].append(entry)
        roll = rng.random()
        if not current and roll < 0.05:
            entry["status"], entry["reason"] = "not_done", rng.choice(NOT_DONE_REASONS)
            continue
        latest_day = min(last_day, today - timedelta(days=1)) if current else last_day
        if latest_day < first_day or (current and roll > 0.6):
            continue
        used = [templates[t.id] for t in applicable]
        span = max(0, (latest_day - first_day).days)
        # Level-2 and level-3 hospitals run the same checklists as a self-inspection (自查) early in most months.
        self_day = first_day + timedelta(days=rng.randint(0, min(4, span)))
        if inst["level"] >= 2 and rng.random() < 0.7 and self_day < latest_day:
            own_team = ["院感科 " + rng.choice(["王", "李", "赵", "孙"]) + "老师"]
            generate_inspection(
                rng,
                rows,
                inst["id"],
                None,
                self_day,
                today,
                used,
                quality[inst["id"]] + 0.02,
                photos,
                previous_failed,
                counts,
                own_team,
                finalize=True,
                kind="self",
            )
        on = first_day + timedelta(days=rng.randint(min(5, span), span))
        finalize = not (current and roll > 0.5)
        generate_inspection(
            rng,
            rows,
            inst["id"],
            round_id,
            on,
            today,
            used,
            quality[inst["id"]],
            photos,
            previous_failed,
            counts,
            team[:2],
            finalize=finalize,
        )
        if finalize:
            entry["status"] = "done"
    for model, batch in rows.items():
        if batch:
            session.execute(insert(model), batch)
    recount(session, [month])  # the dashboard's answer counts, as finalize keeps them
