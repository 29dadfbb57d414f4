"""A member's part package merged item by item (督导组分工结果).

For each item the member sent (entity "item", id ``inspection id/checklist code/item code``), against the value here
and the digest of what that member last sent of it (``PartReceipt``, the base):
- the same value here → unchanged;
- the member has not changed it since their last package (receipt = theirs) → kept, whatever happened here;
- nothing here → new (taken); the value here is still what the member last sent (receipt = here) → updated (taken);
- otherwise → conflict, both values and who gave them shown, decided ``mine`` / ``theirs`` (the lead decides).
Either way the member's digest becomes the new receipt, so the same package imported again changes nothing and asks
nothing. A finalized inspection here is never changed (kept). Items outside the sender's parts, as this database
knows them, refuse the whole package; who may send it is checked in ``authority.check_team``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, Problem
from inspections.packages.format import DATA
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.photo import ensure_blob
from inspections.packages.importing.plan import Plan, parse_datetime, problem
from inspections.packages.importing.preview import PreviewEntry, Status
from inspections.scoring import response_options
from inspections.teams import ItemValue, current_values, members_of, part_item_ids, value_digest
from models.audit import append_audit
from models.base import utcnow
from models.checklist import ChecklistItem
from models.inspection import Attachment, Inspection, ItemResult
from models.reference import Institution, User
from models.team import PartReceipt

EMPTY_DIGEST = value_digest(None, None, "", ())


@dataclass(frozen=True)
class ItemPlan:
    """One item of a part package: where it goes here and the member's value (the package's result record)."""

    inspection_id: uuid.UUID
    item_id: uuid.UUID
    member: str
    record: Mapping[str, Any]
    digest: str  # of the member's value


def record_digest(record: Mapping[str, Any]) -> str:
    return value_digest(record["response"], record["points"], record["note"], [p["sha256"] for p in record["photos"]])


def item_entry_id(inspection_id: str, template_code: str, item_code: str) -> str:
    return f"{inspection_id}/{template_code}/{item_code}"


def local_items(session: Session, template_ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, str], ChecklistItem]:
    rows = session.scalars(select(ChecklistItem).where(ChecklistItem.template_id.in_(template_ids)))
    return {(i.template_id, i.code): i for i in rows}


def _names(session: Session, inspection_id: uuid.UUID) -> dict[str, str]:
    names = {u: n for u, n in session.execute(select(User.username, User.display_name)) if n}
    names.update({m: n for m, n in members_of(session, inspection_id) if n})
    return names


def _shown(plan: Plan, record: Mapping[str, Any] | ItemValue, names: Mapping[str, str]) -> dict[str, Any]:
    """An item's value as the preview shows it (the keys TEAMS.md agreed for the window)."""
    if isinstance(record, ItemValue):
        response, points, note = record.response, record.points, record.note
        photos, by, at = sorted(record.photos), record.updated_by, record.updated_at.isoformat()
        key = None
    else:
        response, points, note = record["response"], record["points"], record["note"]
        photos = sorted(p["sha256"] for p in record["photos"])
        by, at, key = record["updated_by"], record["updated_at"], record["template"]
    label = response or "未作答"
    spec = plan.specs.get(key) if key else None
    if spec is None and isinstance(record, ItemValue):
        spec = next((s for s in plan.specs.values() if s.code == record.template_code), None)
    if spec is not None and response is not None:
        code = record.item_code if isinstance(record, ItemValue) else record["item_code"]
        item = next((i for i in spec.items() if i.code == code), None)
        if item is not None:
            label = next((o.label for o in response_options(spec, item) if o.code == response), response)
    return {
        "回答": label,
        "分值": points,
        "备注": note,
        "照片": len(photos),
        "照片sha256": photos,
        "填写人": names.get(by) or by,
        "时间": at[:16].replace("T", " "),
    }


def plan_part(session: Session, plan: Plan, problems: list[Problem]) -> None:
    """Plan a part package: one entry per item the member sent (see the module's rules)."""
    team = plan.team
    assert team is not None
    # A member's part changes answers only: institution data differing here stays as it is (no decision asked).
    plan.entries[:] = [
        replace(e, status="kept", detail="分工结果包不修改医疗机构信息", mine=None, theirs=None)
        if e.entity == "institution" and e.status == "conflict"
        else e
        for e in plan.entries
    ]
    record = plan.inspections[team["inspection_id"]]
    where = f"{DATA} team"
    inspection_id = uuid.UUID(team["inspection_id"])
    local = session.get(Inspection, inspection_id)
    if local is None:
        problems.append(problem(plan, where, "本机没有这次检查：请先导入组长发来的检查分工包"))
        return
    if local.institution_id != plan.institution_ids.get(record["institution_id"]):
        problems.append(problem(plan, where, "同一编号的检查在本机属于另一家医疗机构"))
        return
    here = {c.template_id for c in local.checklists}
    for c in record["checklists"]:
        if plan.template_ids.get(c["template"]) not in here:
            problems.append(problem(plan, where, f"检查表 {plan.specs[c['template']].title} 不是本机这次检查的检查表"))
    if problems:
        return
    member = team["member"]
    signer = plan.signer
    if signer is not None and signer.valid and signer.username != member:
        # Said first: a package claiming another member is a forgery, whatever else is wrong with it.
        raise PermissionDenied(
            f"数据包「{plan.package.name}」自称是 {member} 的分工结果，但签名者是 {signer.label}，未导入任何内容"
        )
    mine = part_item_ids(session, inspection_id, member)
    if not mine:
        problems.append(problem(plan, where, f"“{member}”在本机的这次检查中没有分工，不能合并其分工结果"))
        return
    items = local_items(session, {plan.template_ids[c["template"]] for c in record["checklists"]})
    values = current_values(session, inspection_id)
    receipts = {
        r.item_id: r.digest
        for r in session.scalars(
            select(PartReceipt).where(PartReceipt.inspection_id == inspection_id, PartReceipt.member == member)
        )
    }
    institution = session.get(Institution, local.institution_id)
    head = f"{institution.name if institution else ''} {local.date.isoformat()}"
    names = _names(session, inspection_id)
    outside: list[str] = []
    sent: list[tuple[ChecklistItem, Mapping[str, Any]]] = []
    for result in record["results"]:
        item = items[(plan.template_ids[result["template"]], result["item_code"])]
        if item.id not in mine:
            outside.append(f"{plan.specs[result['template']].code}/{item.code}")
        else:
            sent.append((item, result))
    sent.extend(_cleared(plan, record, member, items, mine, {item.id for item, _r in sent}, receipts))
    for item, result in sent:
        spec = plan.specs[result["template"]]
        entry_id = item_entry_id(team["inspection_id"], spec.code, item.code)
        text = item.text if len(item.text) <= 24 else item.text[:23] + "…"
        label = f"{head} · {spec.title} · {item.code} {text}"
        theirs = record_digest(result)
        value = values.get(item.id)
        here_digest = value.digest if value is not None else EMPTY_DIGEST
        receipt = receipts.get(item.id)
        plan.team_items[entry_id] = ItemPlan(inspection_id, item.id, member, result, theirs)
        if here_digest == theirs:
            entry = PreviewEntry("item", entry_id, label, "unchanged")
        elif receipt == theirs:
            entry = PreviewEntry("item", entry_id, label, "kept", "成员上次发送后没有再改动，保留本机的值")
        elif local.status != "draft":
            state = "已作废" if local.status == "voided" else "已完成签字"
            entry = PreviewEntry("item", entry_id, label, "kept", f"本机的这次检查{state}，分工结果不再改动它")
        elif value is None or value.empty:
            status: Status = "new" if value is None else "updated"
            entry = PreviewEntry("item", entry_id, label, status, "本机未填写，采用成员的结果")
        elif receipt == here_digest:
            said = "成员清除了该项的回答（本机未改动）" if theirs == EMPTY_DIGEST else "成员更新了该项（本机未改动）"
            entry = PreviewEntry("item", entry_id, label, "updated", said)
        else:
            who = names.get(value.updated_by) or value.updated_by
            entry = PreviewEntry(
                "item", entry_id, label, "conflict",
                f"本机（{who}）与{names.get(member) or member}的结果不同，请选择保留本机或采用导入",
                _shown(plan, value, names), _shown(plan, result, names),
            )
        plan.entries.append(entry)
    if outside:
        shown = "、".join(outside[:10]) + ("等" if len(outside) > 10 else "")
        problems.append(
            problem(plan, where, f"有 {len(outside)} 个检查项不在“{member}”在本机的分工范围内（{shown}），拒绝导入")
        )


def _cleared(
    plan: Plan,
    record: Mapping[str, Any],
    member: str,
    items: Mapping[tuple[uuid.UUID, str], ChecklistItem],
    mine: set[uuid.UUID],
    sent: set[uuid.UUID],
    receipts: Mapping[uuid.UUID, str],
) -> list[tuple[ChecklistItem, dict[str, Any]]]:
    """Items of the member's part they sent an answer of before and not this time: a member's package carries every
    item they have a value of, so the member has cleared it since (the part signature, which lists every answered
    item, vouches for that too). Each becomes an empty value from the member, merged by the same rules."""
    keys = {plan.template_ids[c["template"]]: c["template"] for c in record["checklists"]}
    at = plan.package.manifest.created_at
    return [
        (item, {"id": str(uuid.uuid4()), "template": keys[item.template_id], "item_code": item.code, "response": None,
                "points": None, "note": "", "updated_at": at, "updated_by": member, "photos": []})
        for item in sorted(items.values(), key=lambda i: (keys[i.template_id], i.position, i.code))
        if item.id in mine and item.id not in sent and receipts.get(item.id) not in (None, EMPTY_DIGEST)
    ]


def _receipt(applier: Applier, item: ItemPlan) -> None:
    row = applier.session.get(PartReceipt, (item.inspection_id, item.item_id, item.member))
    if row is None:
        applier.session.add(PartReceipt(inspection_id=item.inspection_id, item_id=item.item_id, member=item.member,
                                        digest=item.digest, received_at=utcnow()))
    elif row.digest != item.digest:
        row.digest, row.received_at = item.digest, utcnow()


def write_value(
    applier: Applier, inspection_id: uuid.UUID, item_id: uuid.UUID, record: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Store a package's value of one item here (answer, note, photos by sha256); returns the value before."""
    session = applier.session
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection_id, ItemResult.item_id == item_id)
    )
    before = None
    if result is not None and record["response"] is None and not record["note"].strip() and not record["photos"]:
        # An empty value (a member cleared the answer): the result and its photos go, as clearing does here.
        before = {"response": result.response, "points": result.points, "note": result.note}
        for attachment in session.scalars(select(Attachment).where(Attachment.item_result_id == result.id)):
            session.delete(attachment)
        session.delete(result)
        session.flush()
        return before
    if result is None:
        taken = session.get(ItemResult, uuid.UUID(record["id"])) is not None
        result = ItemResult(id=uuid.uuid4() if taken else uuid.UUID(record["id"]), inspection_id=inspection_id,
                            item_id=item_id, version=1)
        session.add(result)
    else:
        before = {"response": result.response, "points": result.points, "note": result.note}
        result.version = (result.version or 0) + 1
    result.response, result.points, result.note = record["response"], record["points"], record["note"]
    result.updated_at, result.updated_by = parse_datetime(record["updated_at"]), record["updated_by"]
    session.flush()
    wanted = {p["sha256"]: p for p in record["photos"]}
    have: set[str] = set()
    for attachment in session.scalars(select(Attachment).where(Attachment.item_result_id == result.id)):
        if attachment.sha256 in wanted and attachment.sha256 not in have:
            have.add(attachment.sha256)
        else:
            session.delete(attachment)
    for sha, ref in wanted.items():
        if sha in have:
            continue
        ensure_blob(applier, sha)
        taken = session.get(Attachment, uuid.UUID(ref["id"])) is not None
        session.add(
            Attachment(
                id=uuid.uuid4() if taken else uuid.UUID(ref["id"]),
                sha256=sha,
                item_result_id=result.id,
                filename=ref["filename"],
                caption=ref.get("caption", ""),
                created_at=parse_datetime(ref["created_at"]),
                created_by=ref["created_by"],
            )
        )
    session.flush()
    return before


def apply_item(applier: Applier, entry_id: str) -> None:
    """Take the member's value of one item (new, updated, or a conflict decided ``theirs``)."""
    item: ItemPlan = applier.plan.team_items[entry_id]
    before = write_value(applier, item.inspection_id, item.item_id, item.record)
    _receipt(applier, item)
    after = {k: item.record[k] for k in ("response", "points", "note")}
    after["photos"] = [p["sha256"] for p in item.record["photos"]]
    after["member"] = item.member
    applier.audit("package.part.item", "item_result", f"{item.inspection_id}/{item.item_id}", before, after)


def finish_part(applier: Applier, entries: list[PreviewEntry], kept: set[str]) -> None:
    """After a part package's items are applied: the member's digest becomes the receipt of the items left as they
    are here (unchanged, or a conflict decided ``mine``), and the member's verified part seal is kept."""
    for entry in entries:
        if entry.entity == "item" and (entry.status == "unchanged" or entry.key in kept):
            _receipt(applier, applier.plan.team_items[entry.id])
    seal = applier.plan.part_seal
    if seal is not None:
        from inspections.signing import learn_certificates, store_seals

        plan = applier.plan
        # The member's certificate too, so `check` can verify the kept signature here later.
        learn_certificates(applier.session, applier.actor, plan.package.manifest.certificates,
                           f"导入数据包「{plan.package.name}」")
        if store_seals(applier.session, [seal]):
            append_audit(
                applier.session, actor=applier.actor, action="package.part.seal", entity="inspection",
                entity_id=seal["entity_id"], after={"member": seal["signer"], "digest": seal["digest"]},
                reason=f"导入数据包「{applier.plan.package.name}」",
            )
    applier.session.flush()
