"""The findings of a generated inspection and their rectification histories."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from inspections.demo.names import DEPTS, MEASURES, uid
from inspections.demo.template import DemoTemplate
from models.finding import Finding, FindingEvent


def generate_findings(
    rng: random.Random,
    rows: dict[type, list[dict[str, Any]]],
    findings: list[tuple[DemoTemplate, str, str, str]],
    inspection_id: uuid.UUID,
    institution_id: uuid.UUID,
    on: date,
    at: datetime,
    today: date,
    inspectors: list[str],
    repeat_codes: set[str],
    counts: dict[str, int],
) -> None:
    """The findings of one finalized inspection, each with a plausible history by ``today``: open, overdue, fed
    back, passed, or failed and (mostly) passed at the second attempt."""
    for t, code, note, _outcome in findings:
        item = next(i for i in t.spec.items() if i.code == code)
        severity = "critical" if item.critical else "general"
        deadline = on + timedelta(days=3 if severity == "critical" else 15)
        finding_id = uid(rng)
        events = [
            {
                "id": uid(rng),
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
                    "id": uid(rng),
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
                            "id": uid(rng),
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
                            "id": uid(rng),
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
                                "id": uid(rng),
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
