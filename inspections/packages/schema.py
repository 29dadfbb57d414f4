"""The schema of data.json: every record kind's fields and limits, checked before anything is planned or applied."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from inspections.errors import Problem
from inspections.workflow.scope import SCOPE_MODES, SCOPE_REASON_MAX


def template_key(code: str, content_hash: str) -> str:
    return f"{code}@{content_hash}"


Check = Callable[[Any], bool]
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _is_uuid(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        uuid.UUID(v)
    except ValueError:
        return False
    return True


def _is_date(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def _is_datetime(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        return datetime.fromisoformat(v).tzinfo is not None
    except ValueError:
        return False


def _str(limit: int) -> Check:
    return lambda v: isinstance(v, str) and len(v) <= limit


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _line(limit: int) -> Check:
    """A one-line name: at most ``limit`` characters, no line breaks, escapes or other control characters."""
    return lambda v: isinstance(v, str) and len(v) <= limit and _CONTROL.search(v) is None


def _opt(check: Check) -> Check:
    return lambda v: v is None or check(v)


MAX_NUMBER = 1_000_000
"""Scores, points, versions and counts in a package lie within ±this (JSON also allows 1e308, NaN and Infinity)."""
MAX_LIST = 10_000
"""A list inside one record (inspectors, checklists, results, events, photos) has at most this many entries."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -MAX_NUMBER <= v <= MAX_NUMBER


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and -MAX_NUMBER <= v <= MAX_NUMBER


def _is_list(v: Any) -> bool:
    return isinstance(v, list) and len(v) <= MAX_LIST


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_sha(v: Any) -> bool:
    return isinstance(v, str) and _HEX64.match(v) is not None


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and len(v) <= 100 and all(_line(200)(x) for x in v)


def _is_str_dict(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and len(v) <= 100
        and all(isinstance(k, str) and len(k) <= 200 and isinstance(x, str) and len(x) <= 2000 for k, x in v.items())
    )


_TEXT = _str(20_000)

INSTITUTION_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "name": _line(200),
    "code": _opt(_line(64)),
    "level": lambda v: _is_int(v) and v in (0, 1, 2, 3),
    "category": _line(64),
    "district": _line(64),
    "address": _str(300),
    "contact": _str(200),
    "has_fever_clinic": _is_bool,
    "has_fever_sentinel": _is_bool,
    "active": _is_bool,
}
CHECKLIST_SCHEMA: dict[str, Check] = {
    "key": _str(200),
    "code": _str(64),
    "version": _is_int,
    "content_hash": _is_sha,
    "path": _str(200),
}
PHOTO_SCHEMA: dict[str, Check] = {
    "sha256": _is_sha,
    "mime": lambda v: v == "image/jpeg",
    "width": lambda v: _is_int(v) and 0 < v <= 20_000,
    "height": lambda v: _is_int(v) and 0 < v <= 20_000,
    "size": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 50 * 1024 * 1024,
}
PHOTO_REF_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "sha256": _is_sha,
    "filename": _str(255),
    "created_at": _is_datetime,
    "created_by": _line(64),
}
PHOTO_REF_OPTIONAL: dict[str, Check] = {"caption": _str(200)}
INSPECTION_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "institution_id": _is_uuid,
    "kind": lambda v: v in ("supervision", "self", "reinspection"),
    "date": _is_date,
    "inspectors": _is_str_list,
    "hospital_rep": _line(100),
    "status": lambda v: v in ("draft", "finalized"),
    "finalized_at": _opt(_is_datetime),
    "signatures": _is_str_dict,
    "content_hash": _opt(_is_sha),
    "amendments": _is_int,
    "score": _opt(_is_num),
    "grade": _opt(_str(32)),
    "vetoed": _is_bool,
    "created_by": _line(64),
    "round_id": _opt(_is_uuid),
    "checklists": lambda v: _is_list(v) and len(v) > 0,
    "results": _is_list,
}
INSPECTION_OPTIONAL: dict[str, Check] = {
    "doc_number": lambda v: v is None or isinstance(v, dict),
    "seals": lambda v: isinstance(v, list) and len(v) <= 100,
    "scope": lambda v: _is_list(v) and len(v) > 0,
}
"""Fields older packages do not have: doc_number (version 2), seals, the record's signatures (version 3), scope
(checklists and sections left out; only when there are any)."""
SCOPE_SCHEMA: dict[str, Check] = {
    "template": _str(200),
    "section_code": _str(64),
    "mode": lambda v: v in SCOPE_MODES,
    "reason": _str(SCOPE_REASON_MAX),
}
EVENT_OPTIONAL: dict[str, Check] = {"seals": lambda v: isinstance(v, list) and len(v) <= 100}
TEAM_SCHEMA: dict[str, Check] = {
    "inspection_id": _is_uuid,
    "lead": _line(64),
    "member": lambda v: _line(64)(v) and bool(v.strip()),
    "member_name": _line(100),
    "parts": lambda v: isinstance(v, list) and 0 < len(v) <= 1000,
    "seal": lambda v: v is None or (isinstance(v, dict) and len(v) <= 20),
}
"""An assignment or part package's team: the team inspection, its lead, the member the package is for (assignment)
or from (part), every member's parts, and (part) the member's signature over their part (checked on import)."""
TEAM_PART_SCHEMA: dict[str, Check] = {
    "member": lambda v: _line(64)(v) and bool(v.strip()),
    "member_name": _line(100),
    "template": _str(200),
    "section_code": _str(64),
}
DOC_NUMBER_SCHEMA: dict[str, Check] = {
    "series": lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{0,3}", v) is not None,
    "year": lambda v: _is_int(v) and 2000 <= v <= 2999,
    "month": lambda v: _is_int(v) and 1 <= v <= 12,
    "seq": lambda v: _is_int(v) and 1 <= v <= 1_000_000,
    "text": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
    "issued_at": _is_datetime,
    "issued_by": _line(64),
}
INSPECTION_CHECKLIST_SCHEMA: dict[str, Check] = {
    "template": _str(200),
    "position": _is_int,
    "score": _opt(_is_num),
    "grade": _opt(_str(32)),
    "vetoed": _is_bool,
}
RESULT_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "template": _str(200),
    "item_code": _str(64),
    "response": _opt(_str(32)),
    "points": _opt(_is_num),
    "note": _TEXT,
    "updated_at": _is_datetime,
    "updated_by": _line(64),
    "photos": _is_list,
}
FINDING_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "inspection_id": _is_uuid,
    "institution_id": _is_uuid,
    "template": _opt(_str(200)),
    "item_code": _str(64),
    "problem": _TEXT,
    "requirement": _TEXT,
    "severity": lambda v: v in ("critical", "general"),
    "deadline": _is_date,
    "responsible_dept": _line(100),
    "status": lambda v: v in ("open", "feedback", "passed", "failed"),
    "repeat": _is_bool,
    "closed_at": _opt(_is_datetime),
    "events": _is_list,
}
EVENT_SCHEMA: dict[str, Check] = {
    "id": _is_uuid,
    "kind": lambda v: v in ("created", "feedback", "passed", "failed", "note"),
    "at": _is_datetime,
    "actor": _line(64),
    "note": _TEXT,
    "measure": _TEXT,
    "department": _line(100),
    "new_deadline": _opt(_is_date),
    "photos": _is_list,
}


def _check_object(
    obj: Any,
    schema: Mapping[str, Check],
    where: str,
    source: str,
    problems: list[Problem],
    optional: Mapping[str, Check] | None = None,
) -> bool:
    if not isinstance(obj, dict):
        problems.append(Problem(source, where, "应为 JSON 对象"))
        return False
    ok = True
    optional = optional or {}
    for key, check in {**schema, **optional}.items():
        if key not in obj:
            if key not in optional:
                problems.append(Problem(source, where, f"缺少字段 {key}"))
                ok = False
        elif not check(obj[key]):
            problems.append(Problem(source, where, f"字段 {key} 的值无效：{str(obj[key])[:80]!r}"))
            ok = False
    extra = set(obj) - set(schema) - set(optional)
    if extra:
        problems.append(Problem(source, where, f"有未知字段：{'、'.join(sorted(extra))}"))
        ok = False
    return ok


def _list(data: Mapping[str, Any], key: str, source: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(Problem(source, f"data.json {key}", "应为列表"))
        return []
    return value


def check_data(data: Mapping[str, Any], source: str, kind: str = "") -> list[Problem]:
    """Every way data.json departs from the schema (and every dangling reference inside it). A team package
    (``kind`` assignment or part) must carry its ``team`` object; no other package may."""
    problems: list[Problem] = []
    allowed = {"institutions", "checklists", "inspections", "findings", "photos"}
    team = kind in ("assignment", "part")
    if team and "team" not in data:
        problems.append(Problem(source, "data.json", "检查分工包/分工结果包缺少分工信息（team）"))
    extra = set(data) - allowed - ({"team"} if team else set())
    if extra:
        problems.append(Problem(source, "data.json", f"有未知的部分：{'、'.join(sorted(extra))}"))
    sections: dict[str, list[Any]] = {key: _list(data, key, source, problems) for key in sorted(allowed)}
    for n, obj in enumerate(sections["institutions"]):
        _check_object(obj, INSTITUTION_SCHEMA, f"data.json institutions[{n}]", source, problems)
    for n, obj in enumerate(sections["checklists"]):
        _check_object(obj, CHECKLIST_SCHEMA, f"data.json checklists[{n}]", source, problems)
    for n, obj in enumerate(sections["photos"]):
        _check_object(obj, PHOTO_SCHEMA, f"data.json photos[{n}]", source, problems)
    for n, obj in enumerate(sections["inspections"]):
        where = f"data.json inspections[{n}]"
        if _check_object(obj, INSPECTION_SCHEMA, where, source, problems, INSPECTION_OPTIONAL):
            if obj.get("doc_number") is not None:
                _check_object(obj["doc_number"], DOC_NUMBER_SCHEMA, f"{where}.doc_number", source, problems)
                if obj["status"] != "finalized":
                    problems.append(Problem(source, where, "草稿不应带有文号"))
            for m, c in enumerate(obj["checklists"]):
                _check_object(c, INSPECTION_CHECKLIST_SCHEMA, f"{where}.checklists[{m}]", source, problems)
            for m, mark in enumerate(obj.get("scope", [])):
                _check_object(mark, SCOPE_SCHEMA, f"{where}.scope[{m}]", source, problems)
            for m, r in enumerate(obj["results"]):
                if _check_object(r, RESULT_SCHEMA, f"{where}.results[{m}]", source, problems):
                    for k, p in enumerate(r["photos"]):
                        at = f"{where}.results[{m}].photos[{k}]"
                        _check_object(p, PHOTO_REF_SCHEMA, at, source, problems, PHOTO_REF_OPTIONAL)
    for n, obj in enumerate(sections["findings"]):
        where = f"data.json findings[{n}]"
        if _check_object(obj, FINDING_SCHEMA, where, source, problems):
            for m, e in enumerate(obj["events"]):
                if _check_object(e, EVENT_SCHEMA, f"{where}.events[{m}]", source, problems, EVENT_OPTIONAL):
                    for k, p in enumerate(e["photos"]):
                        at = f"{where}.events[{m}].photos[{k}]"
                        _check_object(p, PHOTO_REF_SCHEMA, at, source, problems, PHOTO_REF_OPTIONAL)
    if team and "team" in data and _check_object(data["team"], TEAM_SCHEMA, "data.json team", source, problems):
        for n, part in enumerate(data["team"]["parts"]):
            _check_object(part, TEAM_PART_SCHEMA, f"data.json team.parts[{n}]", source, problems)
    if problems:
        return problems
    problems = _reference_problems(sections, source)
    if team and not problems:
        problems = _team_problems(data["team"], sections, source, kind)
    return problems


def _team_problems(team: Mapping[str, Any], sections: Mapping[str, list[Any]], source: str, kind: str) -> list[Problem]:
    """The team inspection is in the package, a draft; parts name its checklists, each once per member; a part
    package holds only its member's answers and no findings."""
    problems: list[Problem] = []
    where = "data.json team"
    record = next((i for i in sections["inspections"] if i["id"] == team["inspection_id"]), None)
    if record is None:
        return [Problem(source, where, "分工所属的检查不在数据包中")]
    if record["status"] != "draft":
        problems.append(Problem(source, where, "分工所属的检查应为草稿（已完成的检查不再分工）"))
    if record["created_by"] != team["lead"]:
        problems.append(Problem(source, where, "组长与检查的创建人不符"))
    used = {c["template"] for c in record["checklists"]}
    seen: set[tuple[str, str, str]] = set()
    for n, part in enumerate(team["parts"]):
        if part["template"] not in used:
            problems.append(Problem(source, f"{where}.parts[{n}]", f"分工的检查表 {part['template']} 不属于这次检查"))
        key = (part["member"], part["template"], part["section_code"])
        if key in seen:
            problems.append(Problem(source, f"{where}.parts[{n}]", "同一成员的同一分工重复出现"))
        seen.add(key)
    if not any(p["member"] == team["member"] for p in team["parts"]):
        problems.append(Problem(source, where, f"成员 {team['member']} 在分工中没有任何部分"))
    if kind == "part":
        if len(sections["inspections"]) != 1 or sections["findings"]:
            problems.append(Problem(source, "data.json", "分工结果包只能包含这一次检查的检查结果"))
        if record.get("scope"):
            problems.append(Problem(source, where, "分工结果包不能带有未检/不适用标记"))
    elif team["seal"] is not None:
        problems.append(Problem(source, where, "检查分工包不应带有分工签名"))
    return problems


def _reference_problems(sections: Mapping[str, list[Any]], source: str) -> list[Problem]:
    problems: list[Problem] = []

    def unique(key: str, field: str) -> set[str]:
        seen: set[str] = set()
        for n, obj in enumerate(sections[key]):
            if obj[field] in seen:
                problems.append(Problem(source, f"data.json {key}[{n}]", f"{field} {obj[field]} 重复出现"))
            seen.add(obj[field])
        return seen

    institutions = unique("institutions", "id")
    checklists = unique("checklists", "key")
    photos = unique("photos", "sha256")
    inspections = unique("inspections", "id")
    unique("findings", "id")
    inner: set[str] = set()
    for where, record_id in _inner_ids(sections):
        if record_id in inner:
            problems.append(Problem(source, where, f"记录编号 {record_id} 在数据包中重复出现"))
        inner.add(record_id)
    for n, c in enumerate(sections["checklists"]):
        if c["key"] != template_key(c["code"], c["content_hash"]):
            problems.append(Problem(source, f"data.json checklists[{n}]", "key 与 code、content_hash 不一致"))
    for n, i in enumerate(sections["inspections"]):
        where = f"data.json inspections[{n}]"
        if i["institution_id"] not in institutions:
            problems.append(Problem(source, where, "引用的医疗机构不在数据包中"))
        used = {c["template"] for c in i["checklists"]}
        for c in used - checklists:
            problems.append(Problem(source, where, f"引用的检查表 {c} 不在数据包中"))
        if i["status"] == "finalized" and (i["content_hash"] is None or i["finalized_at"] is None):
            problems.append(Problem(source, where, "已完成的检查缺少签名哈希或完成时间"))
        marked: set[tuple[str, str]] = set()
        for mark in i.get("scope", []):
            if mark["template"] not in used:
                message = f"未检/不适用标记所属的检查表 {mark['template']} 不属于这次检查"
                problems.append(Problem(source, where, message))
            if (mark["template"], mark["section_code"]) in marked:
                problems.append(Problem(source, where, f"检查表 {mark['template']} 的未检/不适用标记重复出现"))
            marked.add((mark["template"], mark["section_code"]))
            if mark["mode"] == "not_checked" and not mark["reason"].strip():
                problems.append(Problem(source, where, "本次未检的标记缺少原因"))
        for r in i["results"]:
            if r["template"] not in used:
                problems.append(Problem(source, where, f"检查项 {r['item_code']} 所属的检查表不属于这次检查"))
            for p in r["photos"]:
                if p["sha256"] not in photos:
                    problems.append(Problem(source, where, f"引用的照片 {p['sha256'][:12]} 不在数据包中"))
    for n, f in enumerate(sections["findings"]):
        where = f"data.json findings[{n}]"
        if f["institution_id"] not in institutions:
            problems.append(Problem(source, where, "引用的医疗机构不在数据包中"))
        if f["template"] is not None and f["template"] not in checklists:
            problems.append(Problem(source, where, f"引用的检查表 {f['template']} 不在数据包中"))
        if f["inspection_id"] not in inspections:
            problems.append(Problem(source, where, "所属的检查记录不在数据包中"))
        for e in f["events"]:
            for p in e["photos"]:
                if p["sha256"] not in photos:
                    problems.append(Problem(source, where, f"引用的照片 {p['sha256'][:12]} 不在数据包中"))
    return problems


def _inner_ids(sections: Mapping[str, list[Any]]) -> list[tuple[str, str]]:
    """(where, id) of every answer, history step and photo attachment: each id must be unique."""
    ids: list[tuple[str, str]] = []
    for n, i in enumerate(sections["inspections"]):
        for m, r in enumerate(i["results"]):
            ids.append((f"data.json inspections[{n}].results[{m}]", r["id"]))
            ids.extend((f"data.json inspections[{n}].results[{m}]", p["id"]) for p in r["photos"])
    for n, f in enumerate(sections["findings"]):
        for m, e in enumerate(f["events"]):
            ids.append((f"data.json findings[{n}].events[{m}]", e["id"]))
            ids.extend((f"data.json findings[{n}].events[{m}]", p["id"]) for p in e["photos"])
    return ids
