"""One generated inspection: answers by item difficulty and institution quality, photos, scores, the content hash."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inspections.demo.finding import generate_findings
from inspections.demo.names import FAIL_NOTES, REPS, difficulty, first_phrase, uid
from inspections.demo.template import DemoTemplate
from inspections.scoring import Answer, overall_grade, score_inspection
from inspections.workflow.hashing import content_digest
from inspections.workflow.loading import FAILING
from models.inspection import (
    Attachment,
    Inspection,
    InspectionChecklist,
    ItemResult,
)


def generate_inspection(
    rng: random.Random,
    rows: dict[type, list[dict[str, Any]]],
    institution_id: uuid.UUID,
    round_id: uuid.UUID | None,
    on: date,
    today: date,
    used: list[DemoTemplate],
    quality: float,
    photos: list[tuple[str, bytes, int, int]],
    previous_failed: dict[uuid.UUID, set[str]],
    counts: dict[str, int],
    inspectors: list[str],
    *,
    finalize: bool,
    kind: str = "supervision",
) -> None:
    inspection_id = uid(rng)
    rep = rng.choice(REPS)
    at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 300))
    answers: dict[uuid.UUID, dict[str, Answer]] = {}
    digest_results: list[list[Any]] = []
    failed_now: set[str] = set()
    findings: list[tuple[DemoTemplate, str, str, str]] = []
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
            p_fail = min(0.6, (1 - quality) * difficulty(item.code) * (0.2 if item.critical else 1.0))
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
            result_id = uid(rng)
            shas: list[str] = []
            if outcome in FAILING:
                note = rng.choice(FAIL_NOTES).format(t=first_phrase(item.text))
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
                        "id": uid(rng),
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
    generate_findings(
        rng, rows, findings, inspection_id, institution_id, on, at, today, inspectors, repeat_codes, counts
    )
