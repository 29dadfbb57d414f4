"""A member's signature over their part (``Signature`` rows with entity ``inspection_part``).

The signed digest is the member's part statement (teams.digests); the statement itself is kept as the signature's
context, so any database holding the signature can verify it and compare it with the inspection as it now stands.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from inspections.signing import Signer, make_seal, sign_record
from inspections.teams.digests import part_statement
from inspections.teams.parts import parts_of
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
    """Sign the signer's part of the inspection as it stands here, and keep the signature here."""
    digest, context = _statement_for(session, inspection_id, signer)
    return sign_record(session, signer, PART_ENTITY, inspection_id, PART_PURPOSE, digest, context)


def part_seal(session: Session, inspection_id: uuid.UUID, signer: Signer) -> dict[str, Any]:
    """The signer's signature over their part as it travels in a part package (see signing.seal_record)."""
    digest, context = _statement_for(session, inspection_id, signer)
    return make_seal(signer, PART_ENTITY, str(inspection_id), PART_PURPOSE, digest, context)
