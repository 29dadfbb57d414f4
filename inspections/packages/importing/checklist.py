"""Checklist versions in a package: matched by (code, content hash); unknown versions are imported."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.yaml_format import load_checklist_text
from inspections.errors import InvalidInputError, Problem
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.plan import Plan, local_keys, problem
from inspections.packages.importing.preview import PreviewEntry
from inspections.packages.records import template_key
from inspections.templates import import_checklist
from models.checklist import ChecklistTemplate


def plan_checklists(session: Session, plan: Plan, problems: list[Problem]) -> None:
    local = local_keys(session)
    rows = session.execute(select(ChecklistTemplate.code, ChecklistTemplate.content_hash, ChecklistTemplate.version))
    plan.local_versions = {template_key(code, h): version for code, h, version in rows}
    for record in plan.package.data.get("checklists", []):
        key, path = record["key"], record["path"]
        text = plan.package.checklist_texts.get(path)
        if text is None:
            problems.append(problem(plan, path, "检查表文件不在数据包中"))
            continue
        try:
            spec = load_checklist_text(text, f"{plan.package.name}:{path}")
        except InvalidInputError as err:
            problems.extend(err.problems)
            continue
        if spec.code != record["code"] or spec.content_hash() != record["content_hash"]:
            problems.append(problem(plan, path, "检查表内容与其记录的代码或内容哈希不符"))
            continue
        plan.specs[key] = spec
        plan.checklist_versions[key] = record["version"]
        label = f"{spec.title}（{spec.code} 第 {record['version']} 版）"
        if key in local:
            plan.template_ids[key] = local[key]
            plan.entries.append(PreviewEntry("checklist", key, label, "unchanged"))
        else:
            plan.entries.append(PreviewEntry("checklist", key, label, "new", "本机没有这一版本，将导入"))


def apply_checklist(applier: Applier, key: str) -> None:
    spec = applier.plan.specs[key]
    outcome = import_checklist(applier.session, applier.actor, spec, source=f"数据包 {applier.plan.package.name}")
    applier.plan.template_ids[key] = outcome.template_id
    applier.plan.local_versions[key] = outcome.version
