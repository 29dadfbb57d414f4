"""A member's signature over their part (``Signature`` rows with entity ``inspection_part``).

The signed digest is the member's part statement (teams.digests); the statement itself is kept as the signature's
context, so any database holding the signature can verify it and compare it with the inspection as it now stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from inspections.signing import KeyInfo, Signer, key_infos, make_seal, seals_of, sign_record, verify_stored
from inspections.teams.digests import PartStatement, current_values, part_statement
from inspections.teams.parts import Part, item_owners, members_of, parts_of
from models.audit import append_audit
from models.keys import Signature

PART_ENTITY = "inspection_part"
PART_PURPOSE = "part"


def _statement_for(session: Session, inspection_id: uuid.UUID, signer: Signer) -> tuple[str, dict[str, Any]]:
    if not parts_of(session, inspection_id, signer.username):
        raise PermissionDenied(f"用户 {signer.username} 在本次检查中没有分工，无需签署分工部分")
    statement = part_statement(session, inspection_id, signer.username)
    if not statement.items:
        raise UserError("您的分工部分还没有任何已填写的检查项，无法签署")
    return statement.digest, statement.as_context()


def sign_part(session: Session, inspection_id: uuid.UUID, signer: Signer) -> Signature:
    """Sign the signer's part of the inspection as it stands here, and keep the signature here (audited)."""
    digest, context = _statement_for(session, inspection_id, signer)
    row = sign_record(session, signer, PART_ENTITY, inspection_id, PART_PURPOSE, digest, context)
    append_audit(
        session,
        actor=signer.username,
        action="inspection.sign_part",
        entity="inspection",
        entity_id=inspection_id,
        after={
            "member": signer.username,
            "digest": digest,
            "items": len(context["items"]),
            "fingerprint": signer.fingerprint,
        },
    )
    return row


def part_seal(session: Session, inspection_id: uuid.UUID, signer: Signer) -> dict[str, Any]:
    """The signer's signature over their part as it travels in a part package (see signing.seal_record)."""
    digest, context = _statement_for(session, inspection_id, signer)
    return make_seal(signer, PART_ENTITY, str(inspection_id), PART_PURPOSE, digest, context)


@dataclass(frozen=True)
class PartSignatureStatus:
    """A member's newest signature over their part, as this database judges it."""

    member: str
    member_name: str
    parts: tuple[Part, ...]
    signed_at: datetime | None  # None: the member has not signed their part
    valid: bool  # the signature verifies against the member's enrolled key (False when unsigned)
    problem: str  # why it does not verify ("" when valid or unsigned)
    differs: int  # items of the signed statement whose value here now differs (the lead decided otherwise)
    answered: int  # items of the member's parts that hold an answer, a note or photos here now

    @property
    def name(self) -> str:
        return self.member_name or self.member

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def status_label(self) -> str:
        """In words, as the 反馈单 and ``inspection team`` show it."""
        if not self.signed:
            return "未签署" if self.answered else "未签署（分工部分无填写内容）"
        assert self.signed_at is not None
        when = self.signed_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if not self.valid:
            return f"签名无效：{self.problem}"
        text = f"已签署（{when}）"
        return f"{text}；组长另行裁定 {self.differs} 项" if self.differs else text


def statement_problem(row: Signature) -> str | None:
    """Why a stored part signature does not state a member's part of this inspection (None: it does). The signature
    itself (over digest and statement together) is verified by signing.verify_stored."""
    try:
        statement = PartStatement.from_context(uuid.UUID(row.entity_id), row.context)
    except (ValueError, TypeError, AttributeError):
        return "分工签名记录格式无效"
    if statement.member != row.signer:
        return f"分工签名的签名者（{row.signer}）与所签分工的成员（{statement.member}）不符"
    if statement.digest != row.digest:
        return "分工签名的摘要与所签内容不符（签名记录被改动）"
    return None


def _signed_items(row: Signature) -> tuple[tuple[str, str, str], ...]:
    try:
        return PartStatement.from_context(uuid.UUID(row.entity_id), row.context).items
    except (ValueError, TypeError, AttributeError):
        return ()


def signature_problem(row: Signature, keys: Mapping[str, KeyInfo]) -> str | None:
    """Why a stored part signature does not hold: the signature against the enrolled key, then its statement."""
    return verify_stored(row, keys) or statement_problem(row)


def part_signatures(session: Session, inspection_id: uuid.UUID) -> list[PartSignatureStatus]:
    """Each member holding parts, in the order they were assigned: their newest part signature, whether it verifies
    here, and how many of the items it vouches for now hold another value."""
    parts = parts_of(session, inspection_id)
    if not parts:
        return []
    rows = seals_of(session, PART_ENTITY, [str(inspection_id)]).get(str(inspection_id), [])
    newest: dict[str, Signature] = {}
    for stored in rows:  # oldest first: the last one of each signer wins
        if stored.purpose == PART_PURPOSE:
            newest[stored.signer] = stored
    keys = key_infos(session) if newest else {}
    values = current_values(session, inspection_id)
    now = {(v.template_code, v.item_code): v.digest for v in values.values() if not v.empty}
    owners = item_owners(session, inspection_id)
    out = []
    for member, name in members_of(session, inspection_id):
        answered = sum(1 for item, who in owners.items() if member in who and item in values and not values[item].empty)
        row = newest.get(member)
        if row is None:
            out.append(
                PartSignatureStatus(
                    member, name, tuple(p for p in parts if p.member == member), None, False, "", 0, answered
                )
            )
            continue
        problem = signature_problem(row, keys)
        differs = sum(1 for code, item, digest in _signed_items(row) if now.get((code, item)) != digest)
        out.append(
            PartSignatureStatus(
                member,
                name,
                tuple(p for p in parts if p.member == member),
                row.signed_at,
                problem is None,
                problem or "",
                differs,
                answered,
            )
        )
    return out
