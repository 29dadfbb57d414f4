"""Signatures over records (seals): making, storing, checking and reading them; sealing inspections and events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.signing.certificates import KeyInfo
from inspections.signing.digests import event_digests, inspection_digests
from inspections.signing.primitives import REVOKED, Signer, canonical, verify_raw
from models.base import new_id, utcnow
from models.inspection import Inspection
from models.keys import Signature

_RECORD_TYPE = "yg-record-signature"


def _record_statement(seal: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "type": _RECORD_TYPE,
            "v": 1,
            "entity": seal["entity"],
            "entity_id": seal["entity_id"],
            "purpose": seal["purpose"],
            "digest": seal["digest"],
            "context": seal["context"],
            "fingerprint": seal["fingerprint"],
            "signer": seal["signer"],
            "role": seal["role"],
            "signed_at": seal["signed_at"],
        }
    )


def seal_record(seal_row: Signature) -> dict[str, Any]:
    """A signature as it travels with its record in a package."""
    return {
        "entity": seal_row.entity,
        "entity_id": seal_row.entity_id,
        "purpose": seal_row.purpose,
        "digest": seal_row.digest,
        "context": dict(seal_row.context or {}),
        "fingerprint": seal_row.fingerprint,
        "signer": seal_row.signer,
        "role": seal_row.role,
        "signed_at": seal_row.signed_at.isoformat(),
        "signature": seal_row.signature,
    }


def sign_record(
    session: Session,
    signer: Signer,
    entity: str,
    entity_id: uuid.UUID,
    purpose: str,
    digest: str,
    context: Mapping[str, Any] | None = None,
) -> Signature:
    """Sign a record's digest with ``signer`` and keep the signature here."""
    row = _seal_row(make_seal(signer, entity, str(entity_id), purpose, digest, context))
    session.add(row)
    session.flush()
    return row


def make_seal(
    signer: Signer, entity: str, entity_id: str, purpose: str, digest: str, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A signature over a record's digest, as it travels (see seal_record)."""
    seal: dict[str, Any] = {
        "entity": entity,
        "entity_id": entity_id,
        "purpose": purpose,
        "digest": digest,
        "context": dict(context or {}),
        "fingerprint": signer.fingerprint,
        "signer": signer.username,
        "role": signer.role,
        "signed_at": utcnow().isoformat(),
    }
    seal["signature"] = signer.sign(_record_statement(seal))
    return seal


def seal_values(seal: Mapping[str, Any], received_at: datetime | None = None) -> dict[str, Any]:
    """A signature as it travels (see make_seal), as the columns of its row here (kept now, unless ``received_at``
    says when: a bulk load of history)."""
    return {
        "id": new_id(),
        "entity": seal["entity"],
        "entity_id": seal["entity_id"],
        "purpose": seal["purpose"],
        "digest": seal["digest"],
        "context": dict(seal["context"]),
        "fingerprint": seal["fingerprint"],
        "signer": seal["signer"],
        "role": seal["role"],
        "signature": seal["signature"],
        "signed_at": datetime.fromisoformat(seal["signed_at"]),
        "received_at": received_at or utcnow(),
        "note": "",
    }


def _seal_row(seal: Mapping[str, Any]) -> Signature:
    return Signature(**seal_values(seal))


_SEAL_FIELDS = ("entity", "entity_id", "purpose", "digest", "fingerprint", "signer", "role", "signed_at", "signature")


def seal_problem(seal: Any, keys: Mapping[str, KeyInfo]) -> str | None:
    """Why a travelling signature is not acceptable (None: valid, by a trusted key that was not revoked)."""
    if not isinstance(seal, dict) or set(seal) != {*_SEAL_FIELDS, "context"}:
        return "签名记录格式无效"
    if not all(isinstance(seal[k], str) and len(seal[k]) <= 200 for k in _SEAL_FIELDS):
        return "签名记录格式无效"
    if not isinstance(seal["context"], dict):
        return "签名记录格式无效"
    try:
        signed_at = datetime.fromisoformat(seal["signed_at"])
    except ValueError:
        return "签名时间无效"
    if signed_at.tzinfo is None:
        return "签名时间无效"
    key = keys.get(seal["fingerprint"])
    if key is None:
        return f"签名者 {seal['signer']} 的密钥未在本机登记"
    if not key.trusted:
        return f"签名者 {key.label} 的密钥不可信：{key.why}"
    if key.status == REVOKED:
        return f"签名者 {key.label} 的密钥已吊销"
    if key.username != seal["signer"] or key.role != seal["role"]:
        return f"签名记录中的签名者与密钥登记的用户不符（{seal['signer']}）"
    if not verify_raw(key.public_key, _record_statement(seal), seal["signature"]):
        return f"{key.label} 的签名无效（内容被改动或签名被伪造）"
    return None


def store_seals(session: Session, seals: Iterable[Mapping[str, Any]]) -> int:
    """Keep verified signatures that arrived with records (each one once)."""
    added = 0
    for seal in seals:
        exists = session.scalar(
            select(Signature.id).where(
                Signature.entity_id == seal["entity_id"],
                Signature.fingerprint == seal["fingerprint"],
                Signature.signature == seal["signature"],
            )
        )
        if exists is None:
            session.add(_seal_row(seal))
            added += 1
    session.flush()
    return added


def signed_ids(session: Session, entity: str) -> set[str]:
    """The ids of the records of a kind that carry at least one signature (one read, however many)."""
    return set(session.scalars(select(Signature.entity_id).where(Signature.entity == entity).distinct()))


SEALS_AT_ONCE = 20_000
"""Past this many ids, every signature of the kind is read in one statement and the wanted kept (a full check of a
city: hundreds of thousands of ids, a thousand statements otherwise)."""


def seals_of(session: Session, entity: str, entity_ids: Sequence[str]) -> dict[str, list[Signature]]:
    """entity id → its signatures, oldest first."""
    out: dict[str, list[Signature]] = {}
    if len(entity_ids) > SEALS_AT_ONCE:
        wanted = set(entity_ids)
        for row in session.scalars(
            select(Signature).where(Signature.entity == entity).order_by(Signature.signed_at, Signature.id)
        ):
            if row.entity_id in wanted:
                out.setdefault(row.entity_id, []).append(row)
        return out
    for start in range(0, len(entity_ids), 400):
        chunk = list(entity_ids[start : start + 400])
        for row in session.scalars(
            select(Signature)
            .where(Signature.entity == entity, Signature.entity_id.in_(chunk))
            .order_by(Signature.signed_at, Signature.id)
        ):
            out.setdefault(row.entity_id, []).append(row)
    return out


def verify_stored(row: Signature, keys: Mapping[str, KeyInfo]) -> str | None:
    """Why a stored signature does not hold (None: it does). A key revoked after the signature arrived here is not a
    failure (it was trusted then); one revoked before is."""
    problem = seal_problem(seal_record(row), keys)
    if problem is not None and problem.endswith("的密钥已吊销"):
        key = keys[row.fingerprint]
        if row.received_at < key.changed_at:
            return None
    return problem


def seal_inspection(session: Session, inspection_id: uuid.UUID, signer: Signer | None, purpose: str) -> str | None:
    """Sign a finalized (or amended) inspection's current content; returns the key's fingerprint (None: no key,
    the single-user mode, and the record stays unsigned)."""
    if signer is None:
        return None
    session.flush()
    inspection = session.get(Inspection, inspection_id)
    assert inspection is not None
    digest = inspection_digests(session, [inspection_id])[inspection_id]
    sign_record(
        session, signer, "inspection", inspection_id, purpose, digest, {"institution": str(inspection.institution_id)}
    )
    return signer.fingerprint


def seal_event(session: Session, event_id: uuid.UUID, signer: Signer | None, purpose: str) -> str | None:
    """Sign a finding event (a hospital's feedback, a re-inspection verdict); None without a key."""
    if signer is None:
        return None
    session.flush()
    digest = event_digests(session, [event_id])[event_id]
    sign_record(session, signer, "finding_event", event_id, purpose, digest)
    return signer.fingerprint
