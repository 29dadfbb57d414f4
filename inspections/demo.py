"""A realistic, reproducible demo dataset, written in bulk so a city (500 institutions × 60 months) takes minutes.

Institutions of every level; a round per month covering every level-1+ institution; finalized inspections with
varied results, notes and photos; findings in every state (open, overdue, feedback, passed, failed); this month's
round partly done, with drafts. Same seed → same data, ids included.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec
from inspections.errors import UserError
from inspections.scoring import Answer, score_inspection
from inspections.templates import applicable_templates, template_spec
from inspections.workflow import FAILING, content_digest, overall_grade
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

DISTRICTS = ["中原区", "二七区", "金水区", "管城区", "惠济区", "上街区", "高新区", "经开区"]
STREETS = [
    "建设路",
    "桐柏路",
    "林山寨",
    "绿东村",
    "淮河路",
    "航海路",
    "济源路",
    "峡窝",
    "工人路",
    "汝河路",
    "嵩山路",
    "秦岭路",
    "五龙口",
    "陇海路",
    "大学路",
    "南阳路",
    "丰产路",
    "文化路",
    "花园路",
    "东风路",
]
TOWNS = ["峡窝镇", "古荥镇", "侯寨乡", "马寨镇", "须水镇", "石佛镇", "沟赵乡", "圃田乡", "祥云镇", "柳林镇"]
INSPECTORS = ["张伟", "李娜", "王磊", "刘洋", "陈静", "杨帆", "赵敏", "黄强", "周丽", "吴刚", "郑红", "孙涛"]
REPS = ["院感科 王主任", "院感科 李科长", "医务科 张科长", "院感专职 刘老师", "副院长 陈院长"]
DEPTS = ["院感科", "门诊部", "急诊科", "发热门诊", "护理部", "后勤保障科", "检验科", "医务科"]
FAIL_NOTES = [
    "现场查看发现{t}，不符合要求",
    "抽查发现{t}，落实不到位",
    "查阅资料：{t}，记录不全",
    "询问工作人员，{t}，知晓率低",
]


def _first_phrase(text: str, limit: int = 18) -> str:
    """The start of an item's text for a demo 问题描述, cut at a punctuation mark (a clause end first, else a 、)
    outside brackets, never in the middle of a word; a short text whole, a long one without a mark after ``limit``."""
    text = text.rstrip("，。；、：")
    for marks in ("，。；：", "、"):
        balanced = [i for i, ch in enumerate(text) if text.count("（", 0, i) == text.count("）", 0, i)]
        cuts = [i for i in balanced if text[i] in marks and i >= 4]
        within = [i for i in cuts if i <= limit]
        if within:
            return text[: within[-1]]
        if cuts and cuts[0] <= 2 * limit:
            return text[: cuts[0]]
    if len(text) <= 2 * limit:
        return text
    bracket = text.find("（")
    return text[:bracket] if 4 <= bracket <= 2 * limit else text[:limit]


MEASURES = ["已组织专项整改并复核", "已修订制度并全员培训", "已更换设施并张贴标识", "已调整流程并安排专人督查"]
NOT_DONE_REASONS = ["机构装修停诊", "迎接上级检查改期", "机构负责人外出，改至下月", "疫情防控任务冲突"]


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


def _difficulty(item_code: str) -> float:
    """How much more (or less) often than average an item fails: fixed per item code, mean about 1."""
    return random.Random(f"difficulty:{item_code}").lognormvariate(-0.4, 0.9)


def _uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _demo_photos(rng: random.Random, count: int = 8) -> list[tuple[str, bytes, int, int]]:
    """A few synthetic site photos (JPEG): (sha256, bytes, width, height)."""
    import hashlib

    photos = []
    for n in range(count):
        width, height = 1024, 768
        image = Image.new("RGB", (width, height), (rng.randint(150, 220), rng.randint(150, 220), rng.randint(150, 220)))
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x0, y0 = rng.randint(0, width), rng.randint(0, height)
            x1, y1 = x0 + rng.randint(20, 300), y0 + rng.randint(20, 200)
            colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
            draw.rectangle([x0, y0, x1, y1], fill=colour if n % 2 else None, outline=colour, width=4)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        data = buffer.getvalue()
        photos.append((hashlib.sha256(data).hexdigest(), data, width, height))
    return photos


def _make_institutions(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    now = datetime(2020, 1, 1, tzinfo=UTC)
    n = 0
    while len(rows) < count:
        n += 1
        district = DISTRICTS[n % len(DISTRICTS)]
        roll = rng.random()
        if roll < 0.08:
            level, category, name = 3, "综合医院", f"{district}第{n}人民医院" if n > 8 else f"{district}人民医院"
        elif roll < 0.14:
            level, category, name = 3, "中医医院", f"{district}中医院（{n}）"
        elif roll < 0.30:
            level, category = 2, rng.choice(["综合医院", "中医医院", "妇幼保健院", "专科医院"])
            name = f"{district}{rng.choice(STREETS)}{category.replace('综合', '')}"
        elif roll < 0.62:
            level, category, name = 1, "社区卫生服务中心", f"{district}{rng.choice(STREETS)}社区卫生服务中心"
        elif roll < 0.90:
            level, category, name = 1, "乡镇卫生院", f"{district}{rng.choice(TOWNS)}卫生院"
        else:
            level, category, name = 0, "诊所", f"{district}{rng.choice(STREETS)}门诊部"
        if name in names:
            name = f"{name}（{n}号）"
        names.add(name)
        has_fever = level >= 2 or (level == 1 and rng.random() < 0.3)
        rows.append(
            {
                "id": _uid(rng),
                "name": name,
                "code": f"YL{n:05d}",
                "level": level,
                "category": category,
                "district": district,
                "address": f"郑州市{district}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                "contact": f"院感科 0371-{rng.randint(60000000, 69999999)}",
                "has_fever_clinic": has_fever,
                "has_fever_sentinel": level == 1 and not has_fever,
                "active": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


@dataclass
class _Template:
    id: uuid.UUID
    code: str
    version: int
    content_hash: str
    spec: ChecklistSpec
    item_ids: dict[str, uuid.UUID]
    outcomes: Mapping[tuple[str, str], str]


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
    """Write the demo dataset into an empty (no inspections yet) database, one transaction per month."""
    if institutions < 1 or months < 1:
        raise UserError("机构数和月数须为正整数")
    if institutions > 5000 or months > 120:
        raise UserError("演示数据最多 5000 家机构、120 个月")
    today = today or date.today()
    try:
        end = _month_start(end_month) if end_month else date(today.year, today.month, 1)
    except ValueError:
        raise UserError(f"月份“{end_month}”格式应为 YYYY-MM") from None
    if end > date(today.year, today.month, 1):
        today = _add_months(end, 1) - timedelta(days=1)
    rng = random.Random(seed)
    with db.session() as session:
        if session.scalar(select(Inspection.id).limit(1)) is not None:
            raise UserError("数据库中已有检查记录；演示数据只能写入空数据库，请用 --data-dir 指定新的目录")

    inst_rows = _make_institutions(rng, institutions)
    quality = {row["id"]: rng.uniform(0.9, 0.995) for row in inst_rows}
    photos = _demo_photos(rng)
    with db.begin() as session:
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

    templates: dict[uuid.UUID, _Template] = {}
    institutions_by_id: dict[uuid.UUID, Institution] = {}
    with db.session() as session:
        for inst in session.scalars(select(Institution)):
            session.expunge(inst)
            institutions_by_id[inst.id] = inst
        for t in session.scalars(select(ChecklistTemplate)):
            spec = template_spec(session, t.id)
            item_ids = dict(
                session.execute(
                    select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == t.id)
                ).all()
            )
            from inspections.scoring import response_options

            outcomes = {(i.code, o.code): o.outcome for i in spec.items() for o in response_options(spec, i)}
            templates[t.id] = _Template(t.id, t.code, t.version, t.content_hash, spec, item_ids, outcomes)

    counts = {"rounds": 0, "inspections": 0, "results": 0, "findings": 0, "photos": 0}
    previous_failed: dict[uuid.UUID, set[str]] = {}
    month_days = [_add_months(end, -k) for k in range(months - 1, -1, -1)]
    for index, first_day in enumerate(month_days):
        with db.begin() as session:
            _generate_month(
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
        if progress:
            progress(index + 1, len(month_days), "生成演示数据")
    return DemoSummary(
        institutions, counts["rounds"], counts["inspections"], counts["results"], counts["findings"], counts["photos"]
    )


def _generate_month(
    session: Session,
    rng: random.Random,
    first_day: date,
    today: date,
    inst_rows: list[dict[str, Any]],
    institutions_by_id: dict[uuid.UUID, Institution],
    quality: dict[uuid.UUID, float],
    templates: dict[uuid.UUID, _Template],
    photos: list[tuple[str, bytes, int, int]],
    previous_failed: dict[uuid.UUID, set[str]],
    counts: dict[str, int],
    *,
    current: bool,
) -> None:
    month = first_day.strftime("%Y-%m")
    last_day = _add_months(first_day, 1) - timedelta(days=1)
    created = datetime(first_day.year, first_day.month, 1, 8, tzinfo=UTC)
    round_id = _uid(rng)
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
            "id": _uid(rng),
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
            _generate_inspection(
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
        _generate_inspection(
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


def _generate_inspection(
    rng: random.Random,
    rows: dict[type, list[dict[str, Any]]],
    institution_id: uuid.UUID,
    round_id: uuid.UUID | None,
    on: date,
    today: date,
    used: list[_Template],
    quality: float,
    photos: list[tuple[str, bytes, int, int]],
    previous_failed: dict[uuid.UUID, set[str]],
    counts: dict[str, int],
    inspectors: list[str],
    *,
    finalize: bool,
    kind: str = "supervision",
) -> None:
    inspection_id = _uid(rng)
    rep = rng.choice(REPS)
    at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 300))
    answers: dict[uuid.UUID, dict[str, Answer]] = {}
    digest_results: list[list[Any]] = []
    failed_now: set[str] = set()
    findings: list[tuple[_Template, str, str, str]] = []
    for position, t in enumerate(used):
        rows[InspectionChecklist].append(
            {
                "inspection_id": inspection_id,
                "template_id": t.id,
                "position": position,
                "score": None,
                "grade": None,
                "vetoed": False,
            }
        )
        answers[t.id] = {}
        items = t.spec.items()
        # A draft is answered only in part.
        answered = items if finalize else items[: rng.randint(0, len(items))]
        for item in answered:
            roll = rng.random()
            # Some items are failed far more often than others (the bulletin's "common problems").
            p_fail = min(0.6, (1 - quality) * _difficulty(item.code) * (0.2 if item.critical else 1.0))
            if item.response_set is not None:
                options = t.spec.response_sets[item.response_set]
                response = rng.choice([o.code for o in options])
            elif roll < 0.02:
                response = "na"
            elif roll < 0.02 + p_fail * 0.55:
                response = "partial"
            elif roll < 0.02 + p_fail:
                response = "fail"
            else:
                response = "pass"
            outcome = t.outcomes[(item.code, response)]
            note = ""
            result_id = _uid(rng)
            shas: list[str] = []
            if outcome in FAILING:
                note = rng.choice(FAIL_NOTES).format(t=_first_phrase(item.text))
                failed_now.add(item.code)
                findings.append((t, item.code, note, outcome))
                with_photo = item.evidence != "none" or rng.random() < 0.3
            else:
                with_photo = item.evidence == "photo-always"
            if with_photo:
                sha = rng.choice(photos)[0]
                shas.append(sha)
                rows[Attachment].append(
                    {
                        "id": _uid(rng),
                        "sha256": sha,
                        "item_result_id": result_id,
                        "finding_event_id": None,
                        "filename": f"{item.code}.jpg",
                        "created_at": at,
                        "created_by": inspectors[0],
                    }
                )
                counts["photos"] += 1
            rows[ItemResult].append(
                {
                    "id": result_id,
                    "inspection_id": inspection_id,
                    "item_id": t.item_ids[item.code],
                    "response": response,
                    "points": None,
                    "note": note,
                    "updated_at": at,
                    "updated_by": inspectors[0],
                    "version": 1,
                }
            )
            answers[t.id][item.code] = Answer(response)
            digest_results.append([t.code, item.code, response, None, note, sorted(shas)])
            counts["results"] += 1

    score = score_inspection([(t.spec, answers[t.id]) for t in used])
    inspection: dict[str, Any] = {
        "id": inspection_id,
        "institution_id": institution_id,
        "round_id": round_id,
        "kind": kind,
        "date": on,
        "inspectors": inspectors,
        "hospital_rep": rep if finalize else "",
        "status": "draft",
        "finalized_at": None,
        "signatures": {},
        "content_hash": None,
        "amendments": 0,
        "score": None,
        "grade": None,
        "vetoed": False,
        "created_by": inspectors[0],
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }
    counts["inspections"] += 1
    rows[Inspection].append(inspection)
    if not finalize:
        return
    signatures = {"inspectors": "、".join(inspectors), "hospital_rep": rep}
    inspection.update(
        status="finalized",
        finalized_at=at + timedelta(hours=2),
        signatures=signatures,
        score=score.percent,
        grade=overall_grade(score),
        vetoed=score.vetoed,
    )
    for link, checklist_score in zip(rows[InspectionChecklist][-len(used) :], score.checklists, strict=True):
        link.update(score=checklist_score.score, grade=checklist_score.grade, vetoed=checklist_score.vetoed)
    header = {
        "id": str(inspection_id),
        "institution": str(institution_id),
        "kind": kind,
        "date": on.isoformat(),
        "inspectors": inspectors,
        "hospital_rep": rep,
        "signatures": dict(sorted(signatures.items())),
    }
    inspection["content_hash"] = content_digest(
        header, [[t.code, t.version, t.content_hash] for t in used], digest_results
    )

    repeat_codes = previous_failed.get(institution_id, set())
    previous_failed[institution_id] = failed_now
    for t, code, note, _outcome in findings:
        item = next(i for i in t.spec.items() if i.code == code)
        severity = "critical" if item.critical else "general"
        deadline = on + timedelta(days=3 if severity == "critical" else 15)
        finding_id = _uid(rng)
        events = [
            {
                "id": _uid(rng),
                "finding_id": finding_id,
                "kind": "created",
                "at": at,
                "actor": inspectors[0],
                "note": "检查发现问题",
                "measure": "",
                "department": "",
                "new_deadline": None,
            }
        ]
        age = (today - deadline).days
        status, closed_at = "open", None
        dept = rng.choice(DEPTS)
        roll = rng.random()
        fed = at + timedelta(days=max(1, min(20, (deadline - on).days - 1)))
        if fed.date() < today and (age > 20 or (age > -10 and roll < 0.5)):
            events.append(
                {
                    "id": _uid(rng),
                    "finding_id": finding_id,
                    "kind": "feedback",
                    "at": fed,
                    "actor": "院感科",
                    "note": "",
                    "measure": rng.choice(MEASURES),
                    "department": dept,
                    "new_deadline": None,
                }
            )
            status = "feedback"
            verdict_at = fed + timedelta(days=rng.randint(2, 10))
            if verdict_at.date() < today and (age > 20 or roll < 0.2):
                if rng.random() < 0.88 or age > 60:
                    events.append(
                        {
                            "id": _uid(rng),
                            "finding_id": finding_id,
                            "kind": "passed",
                            "at": verdict_at,
                            "actor": inspectors[0],
                            "note": "现场复查已整改到位",
                            "measure": "",
                            "department": "",
                            "new_deadline": None,
                        }
                    )
                    status, closed_at = "passed", verdict_at
                else:
                    deadline = verdict_at.date() + timedelta(days=7)
                    events.append(
                        {
                            "id": _uid(rng),
                            "finding_id": finding_id,
                            "kind": "failed",
                            "at": verdict_at,
                            "actor": inspectors[0],
                            "note": "复查仍未整改到位",
                            "measure": "",
                            "department": "",
                            "new_deadline": deadline,
                        }
                    )
                    status = "failed"
                    # Most second attempts succeed: fed back within the new deadline and passed a week later.
                    second = verdict_at + timedelta(days=rng.randint(2, 6))
                    if (second + timedelta(days=7)).date() < today and rng.random() < 0.9:
                        for kind, when, extra in (
                            ("feedback", second, {"measure": rng.choice(MEASURES), "department": dept, "note": ""}),
                            ("passed", second + timedelta(days=7), {"note": "再次复查已整改到位"}),
                        ):
                            event = {
                                "id": _uid(rng),
                                "finding_id": finding_id,
                                "kind": kind,
                                "at": when,
                                "actor": "院感科" if kind == "feedback" else inspectors[0],
                                "note": "",
                                "measure": "",
                                "department": "",
                                "new_deadline": None,
                            }
                            event.update(extra)
                            events.append(event)
                        status, closed_at = "passed", second + timedelta(days=7)
        rows[Finding].append(
            {
                "id": finding_id,
                "inspection_id": inspection_id,
                "institution_id": institution_id,
                "item_id": t.item_ids[code],
                "item_code": code,
                "problem": note,
                "requirement": item.remedy,
                "severity": severity,
                "deadline": deadline,
                "responsible_dept": dept if status != "open" else "",
                "status": status,
                "repeat": code in repeat_codes,
                "closed_at": closed_at,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
        rows[FindingEvent].extend(events)
        counts["findings"] += 1
