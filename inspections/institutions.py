"""Medical institutions (医疗机构): listing, editing with optimistic locking, deactivation and import from a table."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError, InvalidInputError, NotFoundError, Problem, UserError
from inspections.labels import LEVELS, level_for
from inspections.tabular import Column, Row, Table, read_table
from inspections.text import clean_identifier, clean_name, compare_key, without_invisible
from inspections.users import CurrentUser, authorize
from models.audit import append_audit
from models.base import new_id
from models.reference import Institution

ENTITY = "institution"
_LIMITS = {"name": 200, "code": 64, "category": 64, "district": 64, "address": 300, "contact": 200}
FIELD_LABELS: dict[str, str] = {
    "name": "名称",
    "code": "编码",
    "level": "级别",
    "category": "类别",
    "district": "所属区",
    "address": "地址",
    "contact": "联系人/联系方式",
    "has_fever_clinic": "发热门诊",
    "has_fever_sentinel": "发热哨点",
}


@dataclass(frozen=True, kw_only=True)
class InstitutionData:
    """What a user edits about an institution. ``code`` "" means none; ``level`` 0 未定级, 1–3 一级–三级."""

    name: str
    code: str = ""
    level: int = 0
    category: str = ""
    district: str = ""
    address: str = ""
    contact: str = ""
    has_fever_clinic: bool = False
    has_fever_sentinel: bool = False

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, str(self.level))

    def normalized(self) -> InstitutionData:
        """The same data as stored: invisible characters (zero-width, bidirectional controls) removed everywhere,
        text stripped, runs of spaces in names collapsed, and the code NFKC-folded (full-width ``Ｔ００１`` is
        ``T001``), so two institutions that look the same are the same."""
        return replace(
            self,
            name=clean_name(self.name),
            code=clean_identifier(self.code),
            category=clean_name(self.category),
            district=clean_name(self.district),
            address=without_invisible(self.address).strip(),
            contact=without_invisible(self.contact).strip(),
        )


@dataclass(frozen=True, kw_only=True)
class InstitutionRow(InstitutionData):
    """An institution as stored: its data plus id, version (for optimistic locking) and whether it is active."""

    id: uuid.UUID
    version: int
    active: bool

    @property
    def data(self) -> InstitutionData:
        return InstitutionData(**{f.name: getattr(self, f.name) for f in fields(InstitutionData)})


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, from preview_import, would do)."""

    created: int
    updated: int
    unchanged: int

    @property
    def message(self) -> str:
        return f"新增 {self.created} 家，更新 {self.updated} 家，{self.unchanged} 家无变化"


# --- reading ---------------------------------------------------------------------------------------------------


def _row(institution: Institution) -> InstitutionRow:
    return InstitutionRow(
        id=institution.id,
        version=institution.version,
        active=institution.active,
        name=institution.name,
        code=institution.code or "",
        level=institution.level,
        category=institution.category,
        district=institution.district,
        address=institution.address,
        contact=institution.contact,
        has_fever_clinic=institution.has_fever_clinic,
        has_fever_sentinel=institution.has_fever_sentinel,
    )


def name_key(name: str) -> str:
    """A name (or code) for comparing: width-folded, case-folded, without spaces and invisible characters
    (“XX医院（东院）” = “XX医院(东院)”, “T001” = “Ｔ００１”)."""
    return compare_key(name)


def _sort_key(row: InstitutionRow) -> tuple[int, str, str, str]:
    return (-row.level, name_key(row.name), row.name, str(row.id))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_institutions(
    session: Session,
    *,
    active_only: bool = False,
    search: str | None = None,
    levels: Iterable[int] | None = None,
    categories: Iterable[str] | None = None,
    districts: Iterable[str] | None = None,
) -> list[InstitutionRow]:
    """Institutions matching every filter given, highest level first, then by name.

    ``search`` matches any part of the name, code, category, district, address or contact, ignoring case.
    """
    query = select(Institution)
    if active_only:
        query = query.where(Institution.active.is_(True))
    if levels is not None:
        query = query.where(Institution.level.in_(list(levels)))
    if categories is not None:
        query = query.where(Institution.category.in_(list(categories)))
    if districts is not None:
        query = query.where(Institution.district.in_(list(districts)))
    for word in (search or "").split():
        pattern = _like(word)
        query = query.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Institution.name,
                        Institution.code,
                        Institution.category,
                        Institution.district,
                        Institution.address,
                        Institution.contact,
                    )
                )
            )
        )
    return sorted((_row(i) for i in session.scalars(query)), key=_sort_key)


def get_institution(session: Session, institution_id: uuid.UUID) -> InstitutionRow:
    """One institution; NotFoundError when there is none with this id."""
    return _row(_load(session, institution_id))


def institution_names(session: Session, *, active_only: bool = False) -> dict[uuid.UUID, str]:
    """Id → name of every institution (only the active ones if asked), in list order."""
    query = select(Institution.id, Institution.name, Institution.level)
    if active_only:
        query = query.where(Institution.active.is_(True))
    rows = sorted(session.execute(query), key=lambda r: (-r.level, name_key(r.name), r.name, str(r.id)))
    return {r.id: r.name for r in rows}


def districts(session: Session) -> list[str]:
    """The districts in use, for a filter list."""
    return sorted(d for d in session.scalars(select(Institution.district).distinct()) if d)


def categories(session: Session) -> list[str]:
    """The categories in use, for a filter list."""
    return sorted(c for c in session.scalars(select(Institution.category).distinct()) if c)


def _load(session: Session, institution_id: uuid.UUID, *, for_update: bool = False) -> Institution:
    institution = session.get(Institution, institution_id, with_for_update=for_update, populate_existing=for_update)
    if institution is None:
        raise NotFoundError("找不到该医疗机构（可能已被删除，或来自另一个数据库）")
    return institution


# --- validation --------------------------------------------------------------------------------------------------


def _field_problems(data: InstitutionData) -> list[str]:
    problems: list[str] = []
    if not data.name:
        problems.append("机构名称不能为空")
    if isinstance(data.level, bool) or data.level not in LEVELS:
        problems.append(f"级别应为 0–3（未定级/一级/二级/三级），实际为 {data.level!r}")
    for key, limit in _LIMITS.items():
        value = getattr(data, key)
        if len(value) > limit:
            problems.append(f"{FIELD_LABELS[key]}太长（{len(value)} 个字，最多 {limit} 个）")
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            problems.append(f"{FIELD_LABELS[key]}含有控制字符（如换行、响铃符），请检查原始表格")
    return problems


@dataclass(frozen=True)
class _Stored:
    id: uuid.UUID
    name: str
    code: str | None
    active: bool


class _Index:
    """The stored institutions by name key and by code, for uniqueness checks."""

    def __init__(self, stored: Iterable[_Stored]) -> None:
        self.by_name: dict[str, list[_Stored]] = {}
        self.by_code: dict[str, list[_Stored]] = {}
        for item in stored:
            self.by_name.setdefault(name_key(item.name), []).append(item)
            if item.code:
                self.by_code.setdefault(name_key(item.code), []).append(item)

    @classmethod
    def load(cls, session: Session) -> _Index:
        rows = session.execute(select(Institution.id, Institution.name, Institution.code, Institution.active))
        return cls(_Stored(r.id, r.name, r.code, r.active) for r in rows)

    def clashes(self, data: InstitutionData, self_id: uuid.UUID | None) -> list[str]:
        """Name and code clashes of ``data`` with the other stored institutions."""
        problems: list[str] = []
        for other in self.by_name.get(name_key(data.name), []) if data.name else []:
            if other.id != self_id:
                problems.append(f"名称与已有机构「{other.name}」{_state(other)}重复")
        for other in self.by_code.get(name_key(data.code), []) if data.code else []:
            if other.id != self_id:
                problems.append(f"编码「{data.code}」已被机构「{other.name}」{_state(other)}使用")
        return problems


def _state(other: _Stored) -> str:
    return "" if other.active else "（已停用，可重新启用）"


def _check(session: Session, data: InstitutionData, self_id: uuid.UUID | None) -> None:
    problems = _field_problems(data) or _Index.load(session).clashes(data, self_id)
    if problems:
        raise UserError("\n".join(problems))


# --- changing ----------------------------------------------------------------------------------------------------


def _record(data: InstitutionData) -> dict[str, Any]:
    return asdict(InstitutionData(**{f.name: getattr(data, f.name) for f in fields(InstitutionData)}))


def _apply(institution: Institution, data: InstitutionData) -> None:
    for key, value in _record(data).items():
        setattr(institution, key, (value or None) if key == "code" else value)


def create_institution(
    session: Session, actor: str, data: InstitutionData, *, reason: str = "", user: CurrentUser | None = None
) -> uuid.UUID:
    """Add an institution; the name (and the code, if given) must be unique."""
    authorize(user, "institution.manage")
    data = data.normalized()
    _check(session, data, None)
    return _create(session, actor, data, reason)


def _create(session: Session, actor: str, data: InstitutionData, reason: str) -> uuid.UUID:
    institution = Institution(id=new_id(), version=1, active=True)
    _apply(institution, data)
    session.add(institution)
    append_audit(
        session,
        actor=actor,
        action="institution.create",
        entity=ENTITY,
        entity_id=institution.id,
        after=_record(data),
        reason=reason,
    )
    return institution.id


def update_institution(
    session: Session,
    actor: str,
    institution_id: uuid.UUID,
    data: InstitutionData,
    *,
    expected_version: int,
    reason: str = "",
    user: CurrentUser | None = None,
) -> None:
    """Save the edited ``data``; ConflictError (with both versions) if someone else saved since it was read.

    Only changed fields are written and audited; saving unchanged data changes nothing.
    """
    authorize(user, "institution.manage")
    institution = _load(session, institution_id, for_update=True)
    data = data.normalized()
    if institution.version != expected_version:
        current = _row(institution)
        raise ConflictError(
            f"机构「{current.name}」在您编辑期间已被他人修改并保存；请查看对方的修改后再决定是否覆盖",
            mine=data,
            theirs=current,
        )
    _check(session, data, institution_id)
    _update(session, actor, institution, data, reason)


def _update(session: Session, actor: str, institution: Institution, data: InstitutionData, reason: str) -> bool:
    old = _record(_row(institution))
    new = _record(data)
    changed = [key for key in new if new[key] != old[key]]
    if not changed:
        return False
    _apply(institution, data)
    append_audit(
        session,
        actor=actor,
        action="institution.update",
        entity=ENTITY,
        entity_id=institution.id,
        before={k: old[k] for k in changed},
        after={k: new[k] for k in changed},
        reason=reason,
    )
    return True


def deactivate_institution(
    session: Session, actor: str, institution_id: uuid.UUID, reason: str, *, user: CurrentUser | None = None
) -> bool:
    """Stop listing an institution for new inspections (its history stays); False if it already was inactive."""
    authorize(user, "institution.manage")
    if not reason.strip():
        raise UserError("请填写停用原因（例如：已撤销、合并到其他机构）")
    return _set_active(session, actor, institution_id, False, reason.strip())


def reactivate_institution(
    session: Session, actor: str, institution_id: uuid.UUID, reason: str = "", *, user: CurrentUser | None = None
) -> bool:
    """List a deactivated institution again; False if it already was active."""
    authorize(user, "institution.manage")
    return _set_active(session, actor, institution_id, True, reason.strip())


def _set_active(session: Session, actor: str, institution_id: uuid.UUID, active: bool, reason: str) -> bool:
    institution = _load(session, institution_id, for_update=True)
    if institution.active == active:
        return False
    institution.active = active
    append_audit(
        session,
        actor=actor,
        action="institution.reactivate" if active else "institution.deactivate",
        entity=ENTITY,
        entity_id=institution.id,
        before={"active": not active},
        after={"active": active},
        reason=reason,
    )
    return True


# --- import ------------------------------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    Column("name", ("名称", "机构名称", "医疗机构名称", "单位名称"), required=True),
    Column("code", ("编码", "机构编码", "机构代码")),
    Column("level", ("级别", "等级", "医院等级", "机构级别")),
    Column("category", ("类别", "机构类别", "机构类型", "类型")),
    Column("district", ("所属区", "区", "辖区", "区县", "所属区县", "所在区")),
    Column("address", ("地址", "机构地址", "详细地址")),
    Column("person", ("联系人",)),
    Column("phone", ("联系方式", "电话", "联系电话")),
    Column("fever_clinic", ("发热门诊", "是否设置发热门诊", "有无发热门诊")),
    Column("fever_sentinel", ("发热哨点", "发热哨点诊室", "哨点诊室")),
)

_YES = {"是", "有", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "设置", "已设置"}
_NO = {"", "否", "无", "没有", "×", "✗", "✘", "□", "n", "no", "false", "0", "未设置", "-", "—", "/"}
_GRADED_LEVEL = re.compile(r"([一二三123])级?\s*[甲乙丙特]等?")
_UNGRADED = {"未定级", "未评级", "未分级", "无级别"}


def parse_level(text: str) -> int | None:
    """0–3 for 一级/二级/三级/未定级, 一/二/三, 1/2/3, 三级甲等, 三甲, 二乙 …; None when not a level."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text in _UNGRADED:
        return 0
    level = level_for(text)
    if level is not None:
        return level
    graded = _GRADED_LEVEL.fullmatch(text)
    if graded:
        return "一二三".index(graded[1]) + 1 if graded[1] in "一二三" else int(graded[1])
    return None


def parse_yes_no(text: str) -> bool | None:
    """True for 是/有/√, False for 否/无/empty; None when it is neither."""
    value = unicodedata.normalize("NFKC", text).strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


@dataclass(frozen=True)
class _Planned:
    row: Row
    data: InstitutionData
    target: Institution | None  # None: a new institution


def preview_import(session: Session, path: Path) -> ImportSummary:
    """What import_institutions would do with ``path``, without changing anything (same errors)."""
    planned = _plan(session, path)
    return _summarize(planned)


def import_institutions(session: Session, actor: str, path: Path, *, user: CurrentUser | None = None) -> ImportSummary:
    """Create or update institutions from a table (.xlsx/.csv); all or nothing.

    Each row is matched to an existing institution by code, else by name, and only its changed fields are
    written; re-importing the same file changes nothing. An empty cell keeps the stored value (a new institution
    gets the default: no code, 未定级 …), except in the 是/否 columns, where empty means 否 as on a paper form
    ticked with √; a column that is absent leaves that field alone. Deactivated institutions are updated but stay
    deactivated. Every bad row is reported with its row number in one InvalidInputError, and then nothing is
    imported.
    """
    authorize(user, "institution.manage")
    planned = _plan(session, path)
    summary = _summarize(planned)
    reason = f"从文件「{path.name}」导入"
    for plan in planned:
        if plan.target is None:
            _create(session, actor, plan.data, reason)  # validated by _plan, against the file and the database
        else:
            _update(session, actor, plan.target, plan.data, reason)
    return summary


def _summarize(planned: list[_Planned]) -> ImportSummary:
    created = sum(1 for p in planned if p.target is None)
    updated = sum(1 for p in planned if p.target is not None and _record(_row(p.target)) != _record(p.data))
    return ImportSummary(created, updated, len(planned) - created - updated)


def _plan(session: Session, path: Path) -> list[_Planned]:
    table = read_table(path, IMPORT_COLUMNS)
    existing = list(session.scalars(select(Institution)))
    by_code = {name_key(i.code): i for i in existing if i.code}
    by_name = {name_key(i.name): i for i in existing}
    index = _Index(_Stored(i.id, i.name, i.code, i.active) for i in existing)
    problems: list[Problem] = []
    planned: list[_Planned] = []
    first_row_of: dict[str, int] = {}
    claimed: dict[uuid.UUID, int] = {}
    for row in table.rows:
        row_problems: list[str] = []
        code = row["code"]
        target = by_code.get(name_key(code)) if code else None
        if target is None:
            target = by_name.get(name_key(row["name"]))
        data = _row_data(table, row, target, row_problems)
        for label, value in (("名称", name_key(data.name)), ("编码", name_key(data.code))):
            if not value:
                continue
            earlier = first_row_of.setdefault(f"{label}:{value}", row.number)
            if earlier != row.number:
                row_problems.append(f"{label}「{data.name if label == '名称' else data.code}」与第 {earlier} 行重复")
        if target is not None:
            earlier = claimed.setdefault(target.id, row.number)
            if earlier != row.number:
                row_problems.append(f"与第 {earlier} 行指向同一家已有机构「{target.name}」")
        if not row_problems:
            row_problems.extend(index.clashes(data, target.id if target is not None else None))
        problems.extend(table.problem(row, message) for message in row_problems)
        planned.append(_Planned(row, data, target))
    if problems:
        raise InvalidInputError(problems)
    return planned


def _row_data(table: Table, row: Row, target: Institution | None, problems: list[str]) -> InstitutionData:
    base = _row(target).data if target is not None else InstitutionData(name="")
    changes: dict[str, Any] = {}
    for key in ("name", "code", "category", "district", "address"):
        if row[key]:
            changes[key] = row[key]
    contact = " ".join(v for v in (row["person"], row["phone"]) if v)
    if contact:
        changes["contact"] = contact
    if row["level"]:
        level = parse_level(row["level"])
        if level is None:
            problems.append(f"级别「{row['level']}」无法识别（应为 一级/二级/三级/未定级，或 1/2/3、三级甲等）")
        else:
            changes["level"] = level
    for column, key in (("fever_clinic", "has_fever_clinic"), ("fever_sentinel", "has_fever_sentinel")):
        if table.has(column):
            flag = parse_yes_no(row[column])
            if flag is None:
                header = table.columns[column]
                problems.append(f"「{header}」应填 是/否（或 有/无、√/空），实际为「{row[column]}」")
            else:
                changes[key] = flag
    data = replace(base, **changes).normalized()
    if not row["name"]:
        problems.append("机构名称为空")
    else:
        problems.extend(p for p in _field_problems(data) if p != "机构名称不能为空")
    return data
