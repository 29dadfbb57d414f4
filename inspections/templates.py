"""Stored checklist versions: import (YAML, Excel), export, applicability, and the built-in checklists."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.checklists.spec import (
    Applicability,
    ChecklistSpec,
    Deduction,
    GradeBand,
    ItemSpec,
    ResponseOption,
    ScoringRule,
    SectionSpec,
    limit_problems,
)
from inspections.errors import InvalidInputError, NotFoundError, Problem
from inspections.permissions import CurrentUser, authorize
from models.audit import append_audit
from models.checklist import ChecklistItem, ChecklistSection, ChecklistTemplate
from models.inspection import InspectionChecklist
from models.reference import Institution, Setting

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "resources" / "checklists"
_BUILTIN_HASH_KEY = "builtin_checklists_hash"


@dataclass(frozen=True)
class TemplateRow:
    """A checklist version as lists show it."""

    id: uuid.UUID
    code: str
    version: int
    title: str
    effective_from: date | None
    effective_to: date | None
    item_count: int
    builtin: bool
    in_use: bool
    source: str
    # A later version of the same code that takes over (a higher version starting later, or on the same day);
    # ``superseded_on`` is the first day it is in force. None: no later version takes over.
    superseded_by: int | None = None
    superseded_on: date | None = None

    @property
    def last_day(self) -> date | None:
        """The last day this version is chosen for new inspections: its own end date, or the day before the version
        that takes over starts (a built-in that was used cannot be edited to add an end date)."""
        if self.superseded_on is None:
            return self.effective_to
        implied = self.superseded_on - timedelta(days=1)
        return implied if self.effective_to is None else min(self.effective_to, implied)


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one checklist did."""

    template_id: uuid.UUID
    code: str
    version: int
    status: Literal["created", "new_version", "unchanged"]
    warnings: tuple[str, ...] = ()  # what reading a sheet noticed (a section's stated points, weights left out…)

    @property
    def message(self) -> str:
        words = {"created": "已导入", "new_version": "已导入为新版本", "unchanged": "内容未变化，未重复导入"}
        notes = "".join(f"\n注意：{w}" for w in self.warnings)
        return f"检查表 {self.code} 第 {self.version} 版：{words[self.status]}{notes}"


# --- conversion between the spec and its stored form -------------------------------------------------------------


def _applies_from_json(data: dict[str, Any]) -> Applicability:
    levels = data.get("levels")
    categories = data.get("categories")
    return Applicability(
        has_fever_clinic=data.get("has_fever_clinic"),
        levels=tuple(levels) if levels is not None else None,
        categories=tuple(categories) if categories is not None else None,
    )


def _scoring_from_json(data: dict[str, Any]) -> ScoringRule:
    if not data:
        return ScoringRule()
    return ScoringRule(
        basis=data["basis"],
        partial_ratio=data["partial_ratio"],
        grades=tuple(GradeBand(g["min"], g["label"]) for g in data["grades"]),
        weight=float(data.get("weight", 1.0)),
    )


def _response_sets_from_json(data: dict[str, Any]) -> dict[str, tuple[ResponseOption, ...]]:
    return {
        name: tuple(ResponseOption(o["code"], o["label"], o["points"], o["outcome"]) for o in options)
        for name, options in data.items()
    }


def deduction_to_json(deduction: Deduction | None) -> dict[str, Any] | None:
    """A deduction rule as stored in the database (JSON)."""
    if deduction is None:
        return None
    data = asdict(deduction)
    data["subitems"] = list(deduction.subitems)
    data["exceptions"] = [list(pair) for pair in deduction.exceptions]
    return data


def deduction_from_json(data: dict[str, Any] | None) -> Deduction | None:
    if not data:
        return None
    return Deduction(
        per=float(data["per"]),
        cap=None if data.get("cap") is None else float(data["cap"]),
        unit=str(data.get("unit", "处")),
        subitems=tuple(str(s) for s in data.get("subitems", ())),
        exceptions=tuple((int(n), float(v)) for n, v in data.get("exceptions", ())),
    )


def spec_from_template(template: ChecklistTemplate) -> ChecklistSpec:
    """The spec a stored template was made from."""
    sections = []
    for section in template.sections:
        items = tuple(
            ItemSpec(
                code=i.code,
                text=i.text,
                method=i.method,
                criteria=i.criteria,
                points=i.points,
                critical=i.critical,
                remedy=i.remedy,
                evidence=i.evidence,  # type: ignore[arg-type]
                response_set=i.response_set,
                consequence=i.consequence,
                deduction=deduction_from_json(i.deduction),
            )
            for i in template.items
            if i.section_id == section.id
        )
        sections.append(SectionSpec(section.code, section.title, items, section.points, section.weight))
    return ChecklistSpec(
        code=template.code,
        version=template.version,
        title=template.title,
        sections=tuple(sections),
        effective_from=template.effective_from,
        effective_to=template.effective_to,
        basis=tuple(template.basis),
        note=template.note,
        applies_to=_applies_from_json(template.applies_to),
        scoring=_scoring_from_json(template.scoring),
        response_sets=_response_sets_from_json(template.response_sets),
    )


def _template_from_spec(spec: ChecklistSpec, version: int, source: str, builtin: bool) -> ChecklistTemplate:
    template = ChecklistTemplate(
        id=uuid.uuid4(),
        code=spec.code,
        version=version,
        title=spec.title,
        effective_from=spec.effective_from,
        effective_to=spec.effective_to,
        basis=list(spec.basis),
        note=spec.note,
        applies_to={
            k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(spec.applies_to).items() if v is not None
        },
        scoring=asdict(spec.scoring),
        response_sets={name: [asdict(o) for o in options] for name, options in spec.response_sets.items()},
        content_hash=spec.content_hash(),
        source=source,
        builtin=builtin,
    )
    position = 0
    for s_pos, section_spec in enumerate(spec.sections):
        section = ChecklistSection(
            id=uuid.uuid4(),
            position=s_pos,
            code=section_spec.code,
            title=section_spec.title,
            points=section_spec.points,
            weight=section_spec.weight,
        )
        template.sections.append(section)
        for item in section_spec.items:
            template.items.append(
                ChecklistItem(
                    id=uuid.uuid4(),
                    section=section,
                    position=position,
                    code=item.code,
                    text=item.text,
                    method=item.method,
                    criteria=item.criteria,
                    points=item.points,
                    critical=item.critical,
                    remedy=item.remedy,
                    evidence=item.evidence,
                    response_set=item.response_set,
                    consequence=item.consequence,
                    deduction=deduction_to_json(item.deduction),
                )
            )
            position += 1
    return template


# --- queries ------------------------------------------------------------------------------------------------------


def get_template(session: Session, template_id: uuid.UUID) -> ChecklistTemplate:
    """A stored template; NotFoundError when there is none."""
    template = session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFoundError(f"找不到检查表（编号 {template_id}）")
    return template


_spec_cache: dict[tuple[uuid.UUID, str], ChecklistSpec] = {}


def template_spec(session: Session, template_id: uuid.UUID) -> ChecklistSpec:
    """The spec of a stored version. Versions never change, so specs are cached by id and content hash; the hash is
    read once per transaction (an import asks for the same few versions thousands of times)."""
    transaction = session.get_transaction()
    cached = session.info.get("template_hashes")
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        session.info["template_hashes"] = cached
    hashes: dict[uuid.UUID, str] = cached[1]
    content_hash = hashes.get(template_id)
    if content_hash is None:
        content_hash = session.scalar(select(ChecklistTemplate.content_hash).where(ChecklistTemplate.id == template_id))
        if content_hash is None:
            raise NotFoundError(f"找不到检查表（编号 {template_id}）")
        hashes[template_id] = content_hash
    key = (template_id, content_hash)
    spec = _spec_cache.get(key)
    if spec is None:
        spec = spec_from_template(get_template(session, template_id))
        _spec_cache[key] = spec
    return spec


def list_templates(session: Session, *, code: str | None = None) -> list[TemplateRow]:
    """Every stored version (or those of one code), newest version first within each code."""
    counts = select(ChecklistItem.template_id, func.count().label("n")).group_by(ChecklistItem.template_id).subquery()
    used = select(InspectionChecklist.template_id).distinct().subquery()
    query = (
        select(ChecklistTemplate, counts.c.n, used.c.template_id)
        .join(counts, counts.c.template_id == ChecklistTemplate.id)
        .outerjoin(used, used.c.template_id == ChecklistTemplate.id)
        .order_by(ChecklistTemplate.code, ChecklistTemplate.version.desc())
    )
    if code is not None:
        query = query.where(ChecklistTemplate.code == code)
    rows: list[TemplateRow] = []
    for row in session.execute(query):
        t: ChecklistTemplate = row[0]
        rows.append(
            TemplateRow(
                t.id,
                t.code,
                t.version,
                t.title,
                t.effective_from,
                t.effective_to,
                int(row[1]),
                t.builtin,
                row[2] is not None,
                t.source,
            )
        )
    return [_with_successor(row, rows) for row in rows]


def _with_successor(row: TemplateRow, rows: list[TemplateRow]) -> TemplateRow:
    """The row with the version that takes over from it: the next higher version of the code that starts on or after
    this one's start (the newest version in force on a day is the one chosen)."""
    start = row.effective_from or date.min
    later = [
        r
        for r in rows
        if r.code == row.code and r.version > row.version and r.effective_from is not None and r.effective_from >= start
    ]
    if not later:
        return row
    first = min(later, key=lambda r: (r.effective_from or date.min, r.version))
    if row.effective_to is not None and first.effective_from is not None and row.effective_to < first.effective_from:
        return row  # it ends by its own date before the later version starts
    return replace(row, superseded_by=first.version, superseded_on=first.effective_from)


def find_template(
    session: Session, code: str, version: int | None = None, *, on: date | None = None
) -> ChecklistTemplate:
    """A version of a checklist by code; without ``version``, the newest one in force ``on`` (default today), else
    the newest of all (a dated 2020–22 version may carry a higher number than the current one)."""
    query = select(ChecklistTemplate).where(ChecklistTemplate.code == code)
    if version is not None:
        query = query.where(ChecklistTemplate.version == version)
    candidates = list(session.scalars(query.order_by(ChecklistTemplate.version.desc())))
    if not candidates:
        which = f"“{code}”第 {version} 版" if version is not None else f"“{code}”"
        raise NotFoundError(f"找不到检查表{which}")
    day = on or date.today()
    return next((t for t in candidates if effective_on(t, day)), candidates[0])


def applies_to_institution(spec: Applicability, institution: Institution) -> bool:
    """Whether a checklist's applicability admits the institution."""
    if spec.has_fever_clinic is not None and spec.has_fever_clinic != institution.has_fever_clinic:
        return False
    if spec.levels is not None and institution.level not in spec.levels:
        return False
    return spec.categories is None or institution.category in spec.categories


def effective_on(template: ChecklistTemplate, on: date) -> bool:
    """Whether a version is in force on a date."""
    if template.effective_from is not None and on < template.effective_from:
        return False
    return template.effective_to is None or on <= template.effective_to


def applicable_templates(session: Session, institution: Institution, on: date) -> list[ChecklistTemplate]:
    """For each checklist code, the newest active version in force on ``on``, if it applies to the institution.
    The version in force decides who the checklist applies to: when a newer version narrows ``applies_to`` (e.g.
    not for unrated clinics), an older version still open-ended does not come back for those left out."""
    chosen: dict[str, ChecklistTemplate] = {}
    templates = session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True)).order_by(ChecklistTemplate.code)
    )
    for template in templates:
        if not effective_on(template, on):
            continue
        current = chosen.get(template.code)
        if current is None or template.version > current.version:
            chosen[template.code] = template
    applying = [t for t in chosen.values() if applies_to_institution(_applies_from_json(t.applies_to), institution)]
    return sorted(applying, key=lambda t: (_BUILTIN_ORDER.get(t.code, 99), t.code))


_BUILTIN_ORDER = {
    code: n
    for n, code in enumerate(
        [
            "triage",
            "fever-clinic-zoning",
            "fever-clinic-loop",
            "ward-management",
            "health-monitoring",
            "ipc-system",
            "environment-disinfection",
            "hand-hygiene",
            "safe-injection",
            "occupational-exposure",
            "medical-waste",
            "medical-textiles",
            "sterilization-basic",
            "dental-instruments",
            "outbreak-surveillance",
            "key-departments",
            "dialysis-endoscopy",
        ]
    )
}


# --- import and export --------------------------------------------------------------------------------------------


def import_checklist(
    session: Session, actor: str, spec: ChecklistSpec, *, source: str = "", builtin: bool = False
) -> ImportOutcome:
    """Store a checklist. Same content as a stored version: nothing happens. Changed content under a known code:
    stored as the next version; existing versions are never changed. Anything beyond the limits of
    ``inspections.checklists.spec`` (points, lengths, control characters) is an InvalidInputError."""
    too_much = limit_problems(spec)
    if too_much:
        raise InvalidInputError([Problem(source or spec.code, "", message) for message in too_much])
    existing = session.execute(
        select(ChecklistTemplate.id, ChecklistTemplate.version, ChecklistTemplate.content_hash).where(
            ChecklistTemplate.code == spec.code
        )
    ).all()
    content_hash = spec.content_hash()
    for template_id, version, stored_hash in existing:
        if stored_hash == content_hash:
            return ImportOutcome(template_id, spec.code, version, "unchanged")
    taken = {version for _, version, _ in existing}
    version = spec.version if spec.version not in taken and spec.version > max(taken, default=0) else max(taken) + 1
    template = _template_from_spec(spec, version, source, builtin)
    session.add(template)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="checklist.import",
        entity="checklist",
        entity_id=template.id,
        after={"code": spec.code, "version": version, "hash": content_hash, "source": source},
    )
    return ImportOutcome(template.id, spec.code, version, "new_version" if existing else "created")


def load_checklist_any(
    path: Path, *, columns: Mapping[str, str] | None = None, code: str | None = None, title: str | None = None
) -> ChecklistSpec:
    """Read a checklist file: YAML, or a sheet (.xlsx / .csv / .docx) as commissions publish them.

    ``columns`` (role → header name, column letter or number), ``code`` and ``title`` apply to sheets only.
    """
    from inspections.checklists.excel_format import TABLE_SUFFIXES, load_checklist_table
    from inspections.checklists.yaml_format import load_checklist_file

    if path.suffix.lower() in (*TABLE_SUFFIXES, ".xls", ".doc"):
        return load_checklist_table(path, columns=columns, code=code, title=title)
    return load_checklist_file(path)


def import_checklist_file(
    session: Session,
    actor: str,
    path: Path,
    *,
    user: CurrentUser | None = None,
    columns: Mapping[str, str] | None = None,
    code: str | None = None,
    title: str | None = None,
) -> ImportOutcome:
    """Import a YAML or sheet checklist file, all or nothing (administrators only where users are set up)."""
    from inspections.checklists.excel_format import TABLE_SUFFIXES, read_checklist_sheet

    authorize(user, "checklist.manage")
    if path.suffix.lower() in TABLE_SUFFIXES:
        reading = read_checklist_sheet(path, columns=columns, code=code, title=title)
        outcome = import_checklist(session, actor, reading.spec, source=path.name)
        return replace(outcome, warnings=reading.warnings)
    spec = load_checklist_any(path, columns=columns, code=code, title=title)
    return import_checklist(session, actor, spec, source=path.name)


def export_checklist(session: Session, code: str, version: int | None = None) -> str:
    """The YAML text of a stored version; importing it again changes nothing."""
    from inspections.checklists.yaml_format import dump_checklist

    template = find_template(session, code, version)
    return dump_checklist(template_spec(session, template.id))


def _builtin_files() -> list[Path]:
    """The built-in files in (code, version) order, so v2 is read before v10."""

    def key(path: Path) -> tuple[str, int]:
        code, _, version = path.stem.rpartition("-v")
        return (code, int(version)) if version.isdigit() else (path.stem, 0)

    return sorted(BUILTIN_DIR.glob("*.yaml"), key=key)


def sync_builtin_checklists(session: Session) -> list[ImportOutcome]:
    """Load the built-in checklists into the database; a changed built-in becomes a new version.
    Skipped (cheaply) when the files have not changed since the last run."""
    files = _builtin_files()
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
    setting = session.get(Setting, _BUILTIN_HASH_KEY)
    if setting is not None and setting.value == digest:
        return []
    from inspections.checklists.yaml_format import load_checklist_file

    outcomes = [
        import_checklist(session, "system", load_checklist_file(path), source=path.name, builtin=True) for path in files
    ]
    if setting is None:
        session.add(Setting(key=_BUILTIN_HASH_KEY, value=digest, note="内置检查表文件的摘要"))
    else:
        setting.value = digest
    return outcomes
