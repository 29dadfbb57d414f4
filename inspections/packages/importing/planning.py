"""Planning an import: check the whole package, then what would happen to each record, kind by kind."""

from __future__ import annotations

from sqlalchemy.orm import Session

from inspections.errors import InvalidInputError
from inspections.packages.format import Package
from inspections.packages.importing.assignment import plan_assignment
from inspections.packages.importing.authority import check_authority, check_importer, check_package_kind, verify_signer
from inspections.packages.importing.checklist import plan_checklists
from inspections.packages.importing.document_number import plan_document_numbers
from inspections.packages.importing.finding import plan_findings
from inspections.packages.importing.inspection import plan_inspections
from inspections.packages.importing.institution import plan_institutions
from inspections.packages.importing.part import plan_part
from inspections.packages.importing.plan import Plan, problem
from inspections.packages.importing.preview import Preview
from inspections.packages.records import check_data
from inspections.permissions import CurrentUser, acting_user
from inspections.settings import get_setting
from inspections.signing import PackageSigner


def plan_package(session: Session, package: Package, user: CurrentUser | None) -> Plan:
    """Check everything in ``package`` (InvalidInputError listing every problem) and plan each record."""
    check_importer(user)
    plan = Plan(package)
    problems = check_data(package.data, package.name, package.manifest.kind)
    if problems:
        raise InvalidInputError(problems)
    data = package.data
    plan.team = data.get("team")
    plan.institutions = {r["id"]: r for r in data.get("institutions", [])}
    plan.inspections = {r["id"]: r for r in data.get("inspections", [])}
    plan.findings = {r["id"]: r for r in data.get("findings", [])}
    plan.photos = {r["sha256"]: r for r in data.get("photos", [])}
    for sha, record in plan.photos.items():
        if package.photo_sizes.get(sha) != record["size"]:
            problems.append(problem(plan, f"photos/{sha}.jpg", "照片不在数据包中，或大小与记录不符"))
    check_package_kind(package, user)
    user = acting_user(user)
    verify_signer(session, plan)
    plan.overall_rule = str(get_setting(session, "overall_rule"))
    plan_checklists(session, plan, problems)
    if problems:
        raise InvalidInputError(problems)
    plan_institutions(session, plan, user)
    plan_inspections(session, plan, problems)
    if package.manifest.kind == "assignment" and not problems:
        plan_assignment(session, plan, problems, user)
    elif package.manifest.kind == "part" and not problems:
        plan_part(session, plan, problems)
    plan_findings(session, plan, problems)
    plan_document_numbers(session, plan)
    if problems:
        raise InvalidInputError(problems)
    check_authority(session, plan)
    return plan


def make_preview(plan: Plan) -> Preview:
    m = plan.package.manifest
    order = {"checklist": 0, "institution": 1, "inspection": 2, "finding": 3, "document": 4, "item": 5}
    entries = sorted(plan.entries, key=lambda e: (order[e.entity], e.label, e.id))
    signer = plan.signer
    return Preview(
        plan.package.name,
        m.kind,
        m.exporter,
        m.created_at,
        m.app_version,
        tuple(entries),
        tuple(plan.warnings),
        _signature_line(signer, plan.users_here),
        bool(signer is not None and signer.valid),
    )


def _signature_line(signer: PackageSigner | None, users_here: bool) -> str:
    if signer is None:
        return ""
    if signer.valid or users_here:
        return signer.message
    return f"{signer.message}（本机为单用户模式，无法核实来源，仍可导入）"


def preview_package(session: Session, package: Package, *, user: CurrentUser | None = None) -> Preview:
    """What importing ``package`` would do, record by record; changes nothing. InvalidInputError when the package
    is not acceptable (every problem listed)."""
    return make_preview(plan_package(session, package, user))
