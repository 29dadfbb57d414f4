"""Who vouches for a record: Ed25519 keys (``cryptography``), the administrator's certificates over them, and
signatures over records and packages.

- Each user's key pair is made on the machine where the user logs in; the private key is kept there only,
  encrypted under the user's password (scrypt → AES-256-GCM, both from ``cryptography``), and unlocked at login.
- An administrator *certifies* a public key: a signature over (key, user, role, institution, status, time). A key
  is trusted in a database when it is a self-certified administrator key put there by an explicit local act
  (the first administrator, an installed identity file) or certified by such a trusted, active administrator key.
  Certificates travel in identity files, key lists and packages, so every laptop can check a signer offline.
- A record's signature is over its *signing digest*: everything the record says, independent of the database it
  is in (checklists named by code and content hash, not by local ids or version numbers). A record may carry
  several signatures (a team's members and its lead); see docs/SECURITY.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from models.audit import append_audit
from models.base import new_id, utcnow
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import FindingEvent
from models.inspection import Attachment, Inspection, InspectionChecklist, ItemResult
from models.keys import Signature, SigningKey
from models.reference import User

ALGORITHM = "Ed25519"
ACTIVE, RETIRED, REVOKED = "active", "retired", "revoked"
KEY_STATUS = {ACTIVE: "有效", RETIRED: "已轮换", REVOKED: "已吊销"}
ROLE_WORDS = {"admin": "管理员", "inspector": "督导专家", "hospital": "医院感控人员"}
_CERT_TYPE = "yg-key-certificate"
_RECORD_TYPE = "yg-record-signature"
_PACKAGE_TYPE = "yg-package-signature"


def canonical(obj: Any) -> bytes:
    """The one byte form a signature is computed over (sorted keys, no spaces, UTF-8)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_of(public_raw: bytes) -> str:
    """A key's fingerprint: sha256 of its 32 raw public bytes, hex."""
    return hashlib.sha256(public_raw).hexdigest()


def short(fingerprint: str) -> str:
    """The fingerprint as people compare it by eye: the first 16 hex digits in groups of four."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4)).upper()


def verify_raw(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is the key's Ed25519 signature over ``message`` (malformed input: False)."""
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64)).verify(_unb64(signature_b64), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- private keys


@dataclass(frozen=True)
class Signer:
    """An unlocked private key and whose it is (lives only in memory, for the logged-in user)."""

    username: str
    role: str
    institution_id: uuid.UUID | None
    fingerprint: str
    key: Ed25519PrivateKey = field(repr=False, compare=False)

    def sign(self, message: bytes) -> str:
        return _b64(self.key.sign(message))

    @property
    def public_key(self) -> str:
        return _b64(public_bytes(self.key))


_KEY_SCHEME = "yg-ed25519-scrypt-aesgcm"
_KEY_N, _KEY_R, _KEY_P = 2**14, 8, 1
_KEY_AAD = b"yuangan-duzao signing key v1"


def encrypt_private_key(key: Ed25519PrivateKey, password: str) -> str:
    """The private key encrypted under ``password``: scrypt (n=2**14, r=8, p=1, 16-byte salt) derives an AES-256-GCM
    key (``cryptography``'s Scrypt and AESGCM) that seals the 32 raw private bytes."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    derived = Scrypt(salt=salt, length=32, n=_KEY_N, r=_KEY_R, p=_KEY_P).derive(password.encode("utf-8"))
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    sealed = AESGCM(derived).encrypt(nonce, raw, _KEY_AAD)
    return "$".join([_KEY_SCHEME, str(_KEY_N), str(_KEY_R), str(_KEY_P), _b64(salt), _b64(nonce), _b64(sealed)])


def decrypt_private_key(stored: str, password: str) -> Ed25519PrivateKey:
    """The private key, or PermissionDenied when the password does not open it (or it was altered)."""
    try:
        scheme, n, r, p, salt, nonce, sealed = stored.split("$")
        if scheme != _KEY_SCHEME or int(n) > 2**20 or int(r) > 32 or int(p) > 16:
            raise ValueError(scheme)
        derived = Scrypt(salt=_unb64(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(password.encode("utf-8"))
        raw = AESGCM(derived).decrypt(_unb64(nonce), _unb64(sealed), _KEY_AAD)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError, TypeError):
        raise PermissionDenied("密码无法解开签名密钥（密码错误或密钥文件被改动）") from None


def give_key(user: User, password: str) -> Ed25519PrivateKey:
    """Make a new key pair for ``user`` on this machine, stored encrypted under ``password``."""
    key = Ed25519PrivateKey.generate()
    user.private_key = encrypt_private_key(key, password)
    user.key_fingerprint = fingerprint_of(public_bytes(key))
    user.public_key = _b64(public_bytes(key))
    return key


def unlock(user: User, password: str) -> Signer | None:
    """The user's signer (the private key opened with the password just checked), None without a key here."""
    if not user.private_key:
        return None
    key = decrypt_private_key(user.private_key, password)
    return Signer(user.username, user.role, user.institution_id, fingerprint_of(public_bytes(key)), key)


# --- certificates


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
        append_audit(session, actor=actor, action="key.retire", entity="signing_key", entity_id=old.fingerprint,
                     before={"status": ACTIVE}, after={"status": RETIRED})
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
    append_audit(session, actor=actor, action="key.root", entity="signing_key", entity_id=row.fingerprint,
                 after={"username": user.username, "role": "admin"})
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
        append_audit(session, actor=actor, action=f"key.{status}", entity="signing_key", entity_id=row.fingerprint,
                     before={"status": before}, after={"status": status}, reason=reason)
    return len(rows)


# --- signing digests


def inspection_digests(
    session: Session, inspection_ids: Sequence[uuid.UUID], institution_refs: Mapping[uuid.UUID, str] | None = None
) -> dict[uuid.UUID, str]:
    """The signing digest of each inspection: header, finalize time, amendments, checklists by code and content
    hash, answers, notes and photos. ``institution_refs`` names the institution as the signer knew it (its id in
    the signer's database); default the local id. Scores, grades and veto flags are not in it: they are derived
    and recomputed from the answers and the checklist versions, never taken from a record."""
    refs = institution_refs or {}
    ids = list(inspection_ids)
    templates: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in ids}
    photos: dict[uuid.UUID, list[str]] = {}
    results: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in ids}
    digests: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), 400):
        chunk = ids[start : start + 400]
        for inspection_id, code, digest in session.execute(
            select(InspectionChecklist.inspection_id, ChecklistTemplate.code, ChecklistTemplate.content_hash)
            .join(ChecklistTemplate, ChecklistTemplate.id == InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
        ):
            templates[inspection_id].append([code, digest])
        for result_id, sha in session.execute(
            select(Attachment.item_result_id, Attachment.sha256)
            .join(ItemResult, ItemResult.id == Attachment.item_result_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if result_id is not None:
                photos.setdefault(result_id, []).append(sha)
        for inspection_id, tdigest, code, response, points, note, rid in session.execute(
            select(
                ItemResult.inspection_id,
                ChecklistTemplate.content_hash,
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
                ItemResult.id,
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            results[inspection_id].append([tdigest, code, response, points, note, sorted(photos.get(rid, []))])
        for i in session.scalars(select(Inspection).where(Inspection.id.in_(chunk))):
            digests[i.id] = inspection_digest(
                {
                    "id": str(i.id),
                    "institution": refs.get(i.id, str(i.institution_id)),
                    "kind": i.kind,
                    "date": i.date.isoformat(),
                    "inspectors": list(i.inspectors),
                    "hospital_rep": i.hospital_rep,
                    "signatures": dict(i.signatures),
                    "finalized_at": i.finalized_at.isoformat() if i.finalized_at else None,
                    "amendments": i.amendments,
                },
                templates[i.id],
                results[i.id],
            )
    return digests


def inspection_digest(header: Mapping[str, Any], templates: list[list[Any]], results: list[list[Any]]) -> str:
    """sha256 over an inspection's signed content (see inspection_digests; a package's record gives the same)."""
    body = {"type": "inspection", "v": 1, **header, "templates": sorted(templates), "results": sorted(results)}
    return hashlib.sha256(canonical(body)).hexdigest()


def event_digest(record: Mapping[str, Any]) -> str:
    """sha256 over a finding event as it travels (id, finding, kind, time, actor, texts, deadline, photos)."""
    body = {
        "type": "finding_event",
        "v": 1,
        "id": record["id"],
        "finding_id": record["finding_id"],
        "kind": record["kind"],
        "at": record["at"],
        "actor": record["actor"],
        "note": record["note"],
        "measure": record["measure"],
        "department": record["department"],
        "new_deadline": record["new_deadline"],
        "photos": sorted(record["photos"]),
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def event_digests(session: Session, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """event_digest of events stored here."""
    photos: dict[uuid.UUID, list[str]] = {}
    out: dict[uuid.UUID, str] = {}
    for start in range(0, len(event_ids), 400):
        chunk = list(event_ids[start : start + 400])
        for event_id, sha in session.execute(
            select(Attachment.finding_event_id, Attachment.sha256).where(Attachment.finding_event_id.in_(chunk))
        ):
            if event_id is not None:
                photos.setdefault(event_id, []).append(sha)
        for e in session.scalars(select(FindingEvent).where(FindingEvent.id.in_(chunk))):
            out[e.id] = event_digest(
                {
                    "id": str(e.id),
                    "finding_id": str(e.finding_id),
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "note": e.note,
                    "measure": e.measure,
                    "department": e.department,
                    "new_deadline": e.new_deadline.isoformat() if e.new_deadline else None,
                    "photos": photos.get(e.id, []),
                }
            )
    return out


# --- record signatures


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
    session: Session, signer: Signer, entity: str, entity_id: uuid.UUID, purpose: str, digest: str,
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


def _seal_row(seal: Mapping[str, Any]) -> Signature:
    return Signature(
        id=new_id(),
        entity=seal["entity"],
        entity_id=seal["entity_id"],
        purpose=seal["purpose"],
        digest=seal["digest"],
        context=dict(seal["context"]),
        fingerprint=seal["fingerprint"],
        signer=seal["signer"],
        role=seal["role"],
        signature=seal["signature"],
        signed_at=datetime.fromisoformat(seal["signed_at"]),
        received_at=utcnow(),
    )


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


def seals_of(session: Session, entity: str, entity_ids: Sequence[str]) -> dict[str, list[Signature]]:
    """entity id → its signatures, oldest first."""
    out: dict[str, list[Signature]] = {}
    for start in range(0, len(entity_ids), 400):
        chunk = list(entity_ids[start : start + 400])
        for row in session.scalars(
            select(Signature).where(Signature.entity == entity, Signature.entity_id.in_(chunk)).order_by(
                Signature.signed_at, Signature.id
            )
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


# --- package signatures


def package_statement(manifest_bytes: bytes) -> bytes:
    return canonical({"type": _PACKAGE_TYPE, "v": 1, "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()})


@dataclass(frozen=True)
class PackageSigner:
    """Who signed a package and whether the signature holds here."""

    username: str
    role: str
    fingerprint: str
    institution_id: uuid.UUID | None
    valid: bool
    problem: str = ""
    key: KeyInfo | None = None

    @property
    def label(self) -> str:
        if self.key is not None:
            return self.key.label
        return f"{self.username or '（未签名）'}"

    @property
    def message(self) -> str:
        if not self.fingerprint:
            return "数据包未签名"
        if self.valid:
            return f"签名者：{self.label}，角色 {self.role}，签名有效"
        return f"签名者：{self.label}，签名无效：{self.problem}"


def verify_package_signature(
    keys: Mapping[str, KeyInfo],
    manifest_bytes: bytes,
    signer: Mapping[str, Any] | None,
    signature: Mapping[str, Any] | None,
) -> PackageSigner:
    """Check a package's signature over its manifest against ``keys`` (key_infos, with the package's certificates)."""
    if not signer or not signature:
        return PackageSigner("", "", "", None, False, "数据包未签名")
    fp = str(signer.get("fingerprint", ""))
    username = str(signer.get("username", ""))
    key = keys.get(fp)
    role = key.role if key else str(signer.get("role", ""))
    institution = key.institution_id if key else None
    if key is None:
        return PackageSigner(username, role, fp, None, False, "签名者的密钥未在本机登记（未知密钥）")
    if not key.trusted:
        return PackageSigner(username, role, fp, institution, False, f"签名者的密钥不可信：{key.why}", key)
    if key.status == REVOKED:
        return PackageSigner(username, role, fp, institution, False, "签名者的密钥已吊销", key)
    if key.username != username or str(signature.get("fingerprint")) != fp or signer.get("role") != key.role:
        return PackageSigner(username, role, fp, institution, False, "签名者与密钥登记的用户或角色不符", key)
    if not verify_raw(key.public_key, package_statement(manifest_bytes), str(signature.get("signature", ""))):
        return PackageSigner(username, role, fp, institution, False, "签名与清单不符（数据包被改动）", key)
    return PackageSigner(username, role, fp, institution, True, "", key)


# --- sealing records here ------------------------------------------------------------------------------------------


def seal_inspection(session: Session, inspection_id: uuid.UUID, signer: Signer | None, purpose: str) -> str | None:
    """Sign a finalized (or amended) inspection's current content; returns the key's fingerprint (None: no key,
    the single-user mode, and the record stays unsigned)."""
    if signer is None:
        return None
    session.flush()
    inspection = session.get(Inspection, inspection_id)
    assert inspection is not None
    digest = inspection_digests(session, [inspection_id])[inspection_id]
    sign_record(session, signer, "inspection", inspection_id, purpose, digest,
                {"institution": str(inspection.institution_id)})
    return signer.fingerprint


def seal_event(session: Session, event_id: uuid.UUID, signer: Signer | None, purpose: str) -> str | None:
    """Sign a finding event (a hospital's feedback, a re-inspection verdict); None without a key."""
    if signer is None:
        return None
    session.flush()
    digest = event_digests(session, [event_id])[event_id]
    sign_record(session, signer, "finding_event", event_id, purpose, digest)
    return signer.fingerprint


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
