"""Key certificates: what an administrator signs over a key, checking one, and the keys a database trusts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.signing.primitives import (
    KEY_STATUS,
    REVOKED,
    Signer,
    _unb64,
    canonical,
    fingerprint_of,
    short,
    verify_raw,
)
from models.base import utcnow
from models.keys import SigningKey

_CERT_TYPE = "yg-key-certificate"


def _cert_statement(cert: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "type": _CERT_TYPE,
            "v": 1,
            "fingerprint": cert["fingerprint"],
            "public_key": cert["public_key"],
            "username": cert["username"],
            "display_name": cert["display_name"],
            "role": cert["role"],
            "institution_id": cert["institution_id"],
            "status": cert["status"],
            "changed_at": cert["changed_at"],
            "certified_by": cert["certified_by"],
        }
    )


def certificate(row: SigningKey) -> dict[str, Any]:
    """A key's certificate as it travels (identity files, key lists, packages)."""
    return {
        "fingerprint": row.fingerprint,
        "public_key": row.public_key,
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "institution_id": str(row.institution_id) if row.institution_id else None,
        "status": row.status,
        "changed_at": row.changed_at.isoformat(),
        "certified_by": row.certified_by,
        "certificate": row.certificate,
    }


def _certify(row: SigningKey, by: Signer) -> None:
    row.certified_by = by.fingerprint
    row.changed_at = utcnow()
    row.certificate = by.sign(_cert_statement(certificate(row)))


_CERT_FIELDS = {
    "fingerprint": str,
    "public_key": str,
    "username": str,
    "display_name": str,
    "role": str,
    "status": str,
    "changed_at": str,
    "certified_by": str,
    "certificate": str,
}


def certificate_problem(cert: Any) -> str | None:
    """Why a travelling certificate is malformed (None: well formed; not yet verified)."""
    if not isinstance(cert, dict):
        return "证书应为 JSON 对象"
    for key, kind in _CERT_FIELDS.items():
        if not isinstance(cert.get(key), kind) or len(cert[key]) > 200:
            return f"证书缺少或有无效的字段 {key}"
    if cert.get("institution_id") is not None and not isinstance(cert["institution_id"], str):
        return "证书的 institution_id 无效"
    if set(cert) - set(_CERT_FIELDS) - {"institution_id"}:
        return "证书有未知字段"
    if cert["status"] not in KEY_STATUS or cert["role"] not in ("admin", "inspector", "hospital"):
        return "证书的状态或角色无效"
    try:
        raw = _unb64(cert["public_key"])
        datetime.fromisoformat(cert["changed_at"])
        if cert["institution_id"] is not None:
            uuid.UUID(cert["institution_id"])
    except ValueError:
        return "证书的公钥、时间或机构编号无效"
    if len(raw) != 32 or fingerprint_of(raw) != cert["fingerprint"]:
        return "证书的公钥与指纹不符"
    return None


@dataclass(frozen=True)
class KeyInfo:
    """An enrolled key as this database judges it."""

    fingerprint: str
    public_key: str
    username: str
    display_name: str
    role: str
    institution_id: uuid.UUID | None
    status: str
    changed_at: datetime
    trusted: bool  # its certificate chain ends at a trusted administrator key
    why: str = ""  # why it is not trusted

    @property
    def label(self) -> str:
        return f"{self.display_name or self.username}（{self.username}，密钥 {short(self.fingerprint)}）"

    @property
    def status_label(self) -> str:
        return KEY_STATUS.get(self.status, self.status)


def key_infos(session: Session, extra: Iterable[Any] = ()) -> dict[str, KeyInfo]:
    """Every key this database knows, fingerprint → KeyInfo, each certificate checked. ``extra``: certificates a
    package brings, judged alongside without being stored (they can never be roots: a self-certified key is
    trusted only when it was put here by hand)."""
    rows = {r.fingerprint: r for r in session.scalars(select(SigningKey))}
    brought: set[str] = set()
    for cert in extra:
        if certificate_problem(cert) is None and cert["fingerprint"] not in rows:
            rows[cert["fingerprint"]] = _transient_row(cert)
            brought.add(cert["fingerprint"])
    judged: dict[str, KeyInfo] = {}

    def judge(fp: str, depth: int = 0) -> KeyInfo:
        if fp in judged:
            return judged[fp]
        row = rows[fp]
        cert = certificate(row)
        why = ""
        certifier = rows.get(row.certified_by)
        if certifier is None:
            why = "证书的签发者不在本机的密钥登记中"
        elif depth > 20:
            why = "证书链过长"
        elif not verify_raw(certifier.public_key, _cert_statement(cert), row.certificate):
            why = "证书签名无效（登记信息可能被改动）"
        elif certifier.fingerprint != fp:
            parent = judge(certifier.fingerprint, depth + 1)
            if not parent.trusted:
                why = f"签发者的密钥不可信：{parent.why}"
            elif parent.role != "admin" or parent.status == REVOKED:
                why = "签发者不是有效的管理员密钥"
        elif row.role != "admin":
            why = "自签名的密钥只能是管理员密钥"
        elif fp in brought:
            why = "随数据包传来的自签名密钥不可信（管理员密钥只能由身份文件或密钥列表导入）"
        info = KeyInfo(
            row.fingerprint,
            row.public_key,
            row.username,
            row.display_name,
            row.role,
            row.institution_id,
            row.status,
            row.changed_at,
            not why,
            why,
        )
        judged[fp] = info
        return info

    for fp in rows:
        judge(fp)
    return judged


def _transient_row(cert: Mapping[str, Any]) -> SigningKey:
    """A certificate as a row that is never added to a session."""
    return SigningKey(
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
    )


def certificate_chain(session: Session, fingerprints: Iterable[str]) -> list[dict[str, Any]]:
    """The certificates of these keys and of every administrator key that certified them, roots first."""
    rows = {r.fingerprint: r for r in session.scalars(select(SigningKey))}
    ordered: list[str] = []

    def add(fp: str, depth: int = 0) -> None:
        row = rows.get(fp)
        if row is None or fp in ordered or depth > 20:
            return
        if row.certified_by != fp:
            add(row.certified_by, depth + 1)
        if fp not in ordered:
            ordered.append(fp)

    for fp in sorted(set(fingerprints)):
        add(fp)
    return [certificate(rows[fp]) for fp in ordered]
