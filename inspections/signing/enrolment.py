"""Putting keys into a database: learning and accepting certificates, enrolling keys and roots, retiring, revoking."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from inspections.signing.certificates import _cert_statement, _certify, certificate_problem, key_infos
from inspections.signing.primitives import (
    ACTIVE,
    KEY_STATUS,
    RETIRED,
    REVOKED,
    ROLE_WORDS,
    Signer,
    _unb64,
    fingerprint_of,
    public_bytes,
    short,
    verify_raw,
)
from models.audit import append_audit
from models.base import new_id, utcnow
from models.keys import SigningKey
from models.reference import User


def learn_certificates(session: Session, actor: str, certs: Iterable[Any], source: str) -> list[str]:
    """Keep the certificates a verified package brought that chain to keys trusted here (others are ignored)."""
    learnt: list[str] = []
    pending = [c for c in certs if certificate_problem(c) is None]
    progress = True
    while pending and progress:
        progress = False
        for cert in list(pending):
            try:
                with session.begin_nested():
                    outcome = _accept_one(session, actor, cert, roots=False, source=source)
            except UserError:
                pending.remove(cert)
                continue
            if outcome is not None:
                pending.remove(cert)
                progress = True
                if outcome:
                    learnt.append(outcome)
    return learnt


def _add_row(session: Session, cert: Mapping[str, Any]) -> SigningKey:
    row = SigningKey(
        id=new_id(),
        fingerprint=cert["fingerprint"],
        public_key=cert["public_key"],
        username=cert["username"],
        display_name=cert["display_name"],
        role=cert["role"],
        institution_id=uuid.UUID(cert["institution_id"]) if cert["institution_id"] else None,
        status=cert["status"],
        changed_at=datetime.fromisoformat(cert["changed_at"]),
        certified_by=cert["certified_by"],
        certificate=cert["certificate"],
        enrolled_at=utcnow(),
    )
    session.add(row)
    return row


def accept_certificates(
    session: Session, actor: str, certs: Iterable[Any], *, roots: bool = False, source: str = ""
) -> list[str]:
    """Learn keys from certificates (newer status wins; a revocation is final). A certificate must be signed by an
    administrator key trusted here (possibly one learnt from the same list); ``roots=True`` (an identity file or
    key list taken in by hand) also accepts self-certified administrator keys. Returns what changed, one line
    each; a malformed or untrusted certificate is a UserError and nothing is learnt (the caller rolls back)."""
    changes: list[str] = []
    pending = list(certs)
    for cert in pending:
        problem = certificate_problem(cert)
        if problem is not None:
            raise UserError(f"密钥证书无效：{problem}")
    while pending:
        waiting: list[dict[str, Any]] = []
        for cert in pending:
            outcome = _accept_one(session, actor, cert, roots=roots, source=source)
            if outcome is None:
                waiting.append(cert)
            elif outcome:
                changes.append(outcome)
        if len(waiting) == len(pending):
            cert = waiting[0]
            raise UserError(f"密钥证书不可信：{cert['username']} 的密钥不是由本机信任的管理员签发的")
        pending = waiting
    return changes


def _accept_one(session: Session, actor: str, cert: dict[str, Any], *, roots: bool, source: str) -> str | None:
    """'': nothing new; a line: something was learnt; None: its issuer is not (yet) trusted here."""
    known = session.scalar(select(SigningKey).where(SigningKey.fingerprint == cert["fingerprint"]))
    changed_at = datetime.fromisoformat(cert["changed_at"])
    if known is not None and (known.status == REVOKED or changed_at <= known.changed_at):
        return ""
    self_signed = cert["certified_by"] == cert["fingerprint"]
    if self_signed:
        if not roots or cert["role"] != "admin":
            raise UserError(f"密钥证书不可信：{cert['username']} 的密钥是自签名的，只能通过身份文件或由管理员导入")
        signer_key = cert["public_key"]
    else:
        issuer = key_infos(session).get(cert["certified_by"])
        if issuer is None:
            return None
        if not issuer.trusted or issuer.role != "admin" or issuer.status != ACTIVE:
            raise UserError(f"密钥证书不可信：{cert['username']} 的密钥不是由本机信任的有效管理员签发的")
        signer_key = issuer.public_key
    if not verify_raw(signer_key, _cert_statement(cert), cert["certificate"]):
        raise UserError(f"密钥证书的签名无效：{cert['username']}（可能被篡改）")
    if known is None:
        _add_row(session, cert)
        what = "key.enrol"
        role = ROLE_WORDS.get(cert["role"], cert["role"])
        line = f"登记密钥：{cert['username']}（{role}，{short(cert['fingerprint'])}）"
    else:
        before = known.status
        for key in ("display_name", "role", "status", "certified_by", "certificate"):
            setattr(known, key, cert[key])
        known.changed_at = datetime.fromisoformat(cert["changed_at"])
        what = "key.status"
        line = (
            f"密钥状态：{cert['username']}（{short(cert['fingerprint'])}）{KEY_STATUS[before]} → "
            f"{KEY_STATUS[cert['status']]}"
        )
    session.flush()
    append_audit(
        session,
        actor=actor,
        action=what,
        entity="signing_key",
        entity_id=cert["fingerprint"],
        after={"username": cert["username"], "role": cert["role"], "status": cert["status"]},
        reason=source,
    )
    return line


def enrol_key(
    session: Session,
    by: Signer | None,
    actor: str,
    *,
    public_key: str,
    username: str,
    display_name: str,
    role: str,
    institution_id: uuid.UUID | None,
) -> SigningKey:
    """Certify a public key for a user with an administrator's signer. The user's earlier active keys are
    retired (rotation: what they signed still counts)."""
    raw = _unb64(public_key)
    if len(raw) != 32:
        raise UserError("公钥无效（应为 32 字节的 Ed25519 公钥）")
    fp = fingerprint_of(raw)
    if session.scalar(select(SigningKey.id).where(SigningKey.fingerprint == fp)) is not None:
        raise UserError(f"密钥 {short(fp)} 已登记过")
    if by is None or by.role != "admin":
        raise PermissionDenied("登记密钥需要管理员的签名密钥，请以管理员身份登录")
    row = SigningKey(
        id=new_id(),
        fingerprint=fp,
        public_key=public_key,
        username=username,
        display_name=display_name,
        role=role,
        institution_id=institution_id,
        status=ACTIVE,
        certified_by=fp,
        certificate="",
        enrolled_at=utcnow(),
    )
    for old in session.scalars(select(SigningKey).where(SigningKey.username == username, SigningKey.status == ACTIVE)):
        old.status = RETIRED
        _certify(old, by)
        append_audit(
            session,
            actor=actor,
            action="key.retire",
            entity="signing_key",
            entity_id=old.fingerprint,
            before={"status": ACTIVE},
            after={"status": RETIRED},
        )
    _certify(row, by)
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="key.enrol",
        entity="signing_key",
        entity_id=fp,
        after={"username": username, "role": role, "institution": institution_id, "certified_by": by.fingerprint},
    )
    return row


def enrol_root(session: Session, actor: str, user: User, key: Ed25519PrivateKey) -> SigningKey:
    """The first administrator's own key: self-certified, the root every other key of this commission hangs on."""
    signer = Signer(user.username, user.role, None, fingerprint_of(public_bytes(key)), key)
    row = SigningKey(
        id=new_id(),
        fingerprint=signer.fingerprint,
        public_key=signer.public_key,
        username=user.username,
        display_name=user.display_name,
        role="admin",
        institution_id=None,
        status=ACTIVE,
        certified_by=signer.fingerprint,
        certificate="",
        enrolled_at=utcnow(),
    )
    _certify(row, signer)
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="key.root",
        entity="signing_key",
        entity_id=row.fingerprint,
        after={"username": user.username, "role": "admin"},
    )
    return row


def set_key_status(session: Session, by: Signer | None, actor: str, username: str, status: str, reason: str) -> int:
    """Revoke (or retire) every active key of ``username``; returns how many. Administrator's signer needed."""
    if by is None or by.role != "admin":
        raise PermissionDenied("只有登录的管理员（持有签名密钥）可以吊销密钥")
    if status not in (RETIRED, REVOKED):
        raise ValueError(status)
    rows = list(
        session.scalars(
            select(SigningKey).where(SigningKey.username == username, SigningKey.status.in_((ACTIVE, RETIRED)))
        )
    )
    if status == RETIRED:
        rows = [r for r in rows if r.status == ACTIVE]
    if not rows:
        raise UserError(f"用户“{username}”没有可{'吊销' if status == REVOKED else '停用'}的密钥")
    for row in rows:
        before = row.status
        row.status = status
        _certify(row, by)
        append_audit(
            session,
            actor=actor,
            action=f"key.{status}",
            entity="signing_key",
            entity_id=row.fingerprint,
            before={"status": before},
            after={"status": status},
            reason=reason,
        )
    return len(rows)
