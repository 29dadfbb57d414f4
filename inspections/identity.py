"""Enrolment by file, offline: identity files the commission issues, enrolment requests a laptop sends, key lists.

- ``issue_identity`` (administrator, at the commission): a new key pair for a user, certified at once; the
  identity file holds the private key and the commission's key certificates, the whole file sealed under the
  user's password (scrypt → AES-256-GCM). ``install_identity`` on the user's laptop opens it with that password
  and creates the user there.
- ``write_enrol_request`` (any user, on their laptop): the user's public key, name, role and institution, signed
  with the key itself; ``enrol_request`` (administrator) certifies it.
- ``export_keys`` / ``import_keys``: the commission's certificates (new users, rotations, revocations) carried to
  laptops and hospitals.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied, UserError
from inspections.labels import ROLES
from inspections.signing import (
    ACTIVE,
    KeyInfo,
    accept_certificates,
    canonical,
    certificate,
    encrypt_private_key,
    enrol_key,
    fingerprint_of,
    key_infos,
    public_bytes,
    short,
    verify_raw,
)
from inspections.users import ADMIN, HOSPITAL, MIN_PASSWORD, CurrentUser, authorize, hash_password, user_count
from models.audit import append_audit
from models.base import new_id
from models.keys import SigningKey
from models.reference import Institution, User

IDENTITY_FORMAT = "yuangan-duzao-identity"
REQUEST_FORMAT = "yuangan-duzao-enrol-request"
KEYS_FORMAT = "yuangan-duzao-keys"
MAX_FILE = 5 * 1024 * 1024
_AAD = b"yuangan-duzao identity file v1"


def _write_atomic(path: Path, payload: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".yg-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE:
            raise UserError(f"{path.name} 太大，不是{what}")
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise UserError(f"找不到文件 {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UserError(f"{path.name} 不是有效的{what}") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path.name} 不是有效的{what}")
    return raw


def _admin_signer(by: CurrentUser | None) -> Any:
    if by is None or by.role != ADMIN or by.signer is None:
        raise PermissionDenied("需要以持有签名密钥的管理员身份登录")
    return by.signer


def _all_certificates(session: Session) -> list[dict[str, Any]]:
    return [certificate(r) for r in session.scalars(select(SigningKey).order_by(SigningKey.enrolled_at))]


def _institution_record(session: Session, institution_id: uuid.UUID | None) -> dict[str, Any] | None:
    if institution_id is None:
        return None
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"找不到医疗机构（编号 {institution_id}）")
    from inspections.packages.records import institution_record

    return institution_record(institution)  # all of it: the hospital's copy then matches the commission's


# --- identity files ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    path: Path
    username: str
    fingerprint: str

    @property
    def message(self) -> str:
        return (
            f"已为 {self.username} 签发身份文件「{self.path.name}」（密钥 {short(self.fingerprint)}）。"
            "请当面交给本人，由本人在其电脑上用 users install 安装；文件由其密码保护。"
        )


def issue_identity(
    session: Session,
    by: CurrentUser | None,
    path: Path,
    *,
    username: str,
    password: str,
    role: str,
    institution_id: uuid.UUID | None = None,
    display_name: str = "",
) -> Issued:
    """An administrator issues a user from the commission: a key pair, certified here, and an identity file with
    the private key and this commission's certificates, sealed under ``password``."""
    authorize(by, "users.manage")
    signer = _admin_signer(by)
    assert by is not None
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效")
    if (role == HOSPITAL) != (institution_id is not None):
        raise UserError("医院感控人员须指定所属医疗机构；其他角色不指定")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位")
    institution = _institution_record(session, institution_id)
    key = Ed25519PrivateKey.generate()
    row = enrol_key(
        session,
        signer,
        by.username,
        public_key=base64.b64encode(public_bytes(key)).decode(),
        username=username.strip(),
        display_name=display_name.strip(),
        role=role,
        institution_id=institution_id,
    )
    payload = {
        "user": {
            "username": username.strip(),
            "display_name": display_name.strip(),
            "role": role,
            "institution": institution,
        },
        "private_key": encrypt_private_key(key, password),
        "fingerprint": row.fingerprint,
        "certificates": _all_certificates(session),
    }
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    derived = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(password.encode("utf-8"))
    sealed = AESGCM(derived).encrypt(nonce, canonical(payload), _AAD)
    envelope = {
        "format": IDENTITY_FORMAT,
        "version": 1,
        "username": username.strip(),
        "fingerprint": row.fingerprint,
        "kdf": {"name": "scrypt", "n": 2**14, "r": 8, "p": 1, "salt": base64.b64encode(salt).decode()},
        "nonce": base64.b64encode(nonce).decode(),
        "sealed": base64.b64encode(sealed).decode(),
    }
    _write_atomic(Path(path), json.dumps(envelope, ensure_ascii=False, indent=1).encode("utf-8"))
    append_audit(session, actor=by.username, action="key.issue", entity="signing_key", entity_id=row.fingerprint,
                 after={"username": username, "role": role, "file": Path(path).name})
    return Issued(Path(path), username.strip(), row.fingerprint)


def _open_identity(path: Path, password: str) -> dict[str, Any]:
    envelope = _read_json(path, "身份文件")
    if envelope.get("format") != IDENTITY_FORMAT or envelope.get("version") != 1:
        raise UserError(f"{Path(path).name} 不是院感督导身份文件")
    try:
        kdf = envelope["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if n > 2**20 or r > 32 or p > 16:
            raise ValueError("kdf")
        derived = Scrypt(salt=base64.b64decode(kdf["salt"]), length=32, n=n, r=r, p=p).derive(password.encode())
        plain = AESGCM(derived).decrypt(base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["sealed"]), _AAD)
        payload = json.loads(plain.decode("utf-8"))
    except InvalidTag:
        raise PermissionDenied("密码错误，或身份文件被改动") from None
    except (KeyError, TypeError, ValueError):
        raise UserError(f"{Path(path).name} 不是有效的身份文件") from None
    if not isinstance(payload, dict):
        raise UserError(f"{Path(path).name} 不是有效的身份文件")
    return payload


def install_identity(session: Session, by: CurrentUser | None, path: Path, password: str) -> str:
    """Create the identity file's user on this machine (its password opens it). On a database without users this
    also makes the commission's administrator keys the trusted roots here; on one with users, only a logged-in
    administrator may add roots, and others' files must chain to keys already trusted. Returns a message."""
    payload = _open_identity(path, password)
    try:
        info = payload["user"]
        username, role = str(info["username"]), str(info["role"])
        display_name = str(info.get("display_name", ""))
        institution = info.get("institution")
        private_key = str(payload["private_key"])
        certs = list(payload["certificates"])
    except (KeyError, TypeError):
        raise UserError(f"{Path(path).name} 不是有效的身份文件") from None
    if role not in ROLES:
        raise UserError("身份文件中的角色无效")
    empty = user_count(session) == 0
    if not empty and by is None:
        raise PermissionDenied("该数据库已有用户，请先登录后再安装身份文件")
    roots = empty or (by is not None and by.role == ADMIN)
    actor = by.username if by is not None else username
    changes = accept_certificates(session, actor, certs, roots=roots, source=f"身份文件 {Path(path).name}")
    from inspections.signing import decrypt_private_key

    key = decrypt_private_key(private_key, password)
    fp = fingerprint_of(public_bytes(key))
    known = key_infos(session).get(fp)
    if known is None or not known.trusted or known.username != username or known.role != role:
        raise UserError("身份文件中的密钥没有有效的证书，未安装")
    institution_id = None
    if isinstance(institution, dict):
        institution_id = uuid.UUID(str(institution["id"]))
        if session.get(Institution, institution_id) is None:
            same = session.scalar(
                select(Institution).where(func.lower(Institution.name) == str(institution["name"]).lower())
            )
            if same is not None:
                raise UserError(f"本机已有同名机构「{same.name}」但编号不同；请先导入整改通知包或核对机构编号")
            from inspections.packages.records import INSTITUTION_DATA_FIELDS, INSTITUTION_SCHEMA

            if not all(INSTITUTION_SCHEMA[k](institution.get(k)) for k in ("id", *INSTITUTION_DATA_FIELDS)):
                raise UserError(f"{Path(path).name} 中的医疗机构信息无效")
            data = {k: institution[k] for k in INSTITUTION_DATA_FIELDS}
            session.add(Institution(id=institution_id, version=1, **data))
            session.flush()
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        user = User(id=new_id(), username=username, display_name=display_name, role=role,
                    institution_id=institution_id, active=True)
        session.add(user)
    elif user.role != role:
        raise UserError(f"本机已有用户“{user.username}”，角色不同，未安装")
    user.password_hash = hash_password(password)
    user.private_key = private_key
    user.key_fingerprint = fp
    user.public_key = base64.b64encode(public_bytes(key)).decode()
    user.failed_logins, user.locked = 0, False
    session.flush()
    append_audit(session, actor=actor, action="user.install", entity="user", entity_id=user.id,
                 after={"username": username, "role": role, "fingerprint": fp})
    lines = [f"已安装 {username}（{ROLES[role]}，密钥 {short(fp)}）", *changes]
    return "\n".join(lines)


# --- enrolment requests -----------------------------------------------------------------------------------------------


def _request_statement(request: dict[str, Any]) -> bytes:
    return canonical({k: request[k] for k in ("format", "username", "display_name", "role", "institution",
                                              "public_key", "fingerprint")})


def write_enrol_request(session: Session, user: CurrentUser | None, path: Path) -> str:
    """The logged-in user's public key with name, role and institution, signed by the key itself (proof that
    whoever sends it holds the private key). The administrator enrols it with ``enrol_request``."""
    if user is None or user.signer is None:
        raise PermissionDenied("请先登录（登录后本机才有你的签名密钥）")
    request: dict[str, Any] = {
        "format": REQUEST_FORMAT,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "institution": _institution_record(session, user.institution_id),
        "public_key": user.signer.public_key,
        "fingerprint": user.signer.fingerprint,
    }
    request["proof"] = user.signer.sign(_request_statement(request))
    _write_atomic(Path(path), json.dumps(request, ensure_ascii=False, indent=1).encode("utf-8"))
    return f"已写出登记申请「{Path(path).name}」，密钥指纹 {short(user.signer.fingerprint)}（请与管理员当面核对）"


def enrol_request(session: Session, by: CurrentUser | None, path: Path) -> KeyInfo:
    """An administrator enrols a laptop's key from its request file (the user's earlier keys are retired)."""
    authorize(by, "users.manage")
    signer = _admin_signer(by)
    assert by is not None
    request = _read_json(path, "登记申请")
    try:
        ok = request["format"] == REQUEST_FORMAT and verify_raw(
            str(request["public_key"]), _request_statement(request), str(request["proof"])
        )
        username, role = str(request["username"]), str(request["role"])
        institution = request["institution"]
    except (KeyError, TypeError):
        raise UserError(f"{Path(path).name} 不是有效的登记申请") from None
    if not ok:
        raise UserError(f"{Path(path).name} 的签名无效（申请被改动，或不是由密钥持有人写出）")
    if role not in ROLES:
        raise UserError("登记申请中的角色无效")
    institution_id = None
    if role == HOSPITAL:
        if not isinstance(institution, dict):
            raise UserError("医院感控人员的登记申请须写明所属医疗机构")
        institution_id = uuid.UUID(str(institution["id"]))
        if session.get(Institution, institution_id) is None:
            raise UserError(f"本库中没有申请所写的医疗机构「{institution.get('name')}」（编号 {institution_id}）")
    row = enrol_key(
        session,
        signer,
        by.username,
        public_key=str(request["public_key"]),
        username=username,
        display_name=str(request.get("display_name", "")),
        role=role,
        institution_id=institution_id,
    )
    return key_infos(session)[row.fingerprint]


# --- key lists --------------------------------------------------------------------------------------------------------


def list_keys(session: Session, by: CurrentUser | None) -> list[KeyInfo]:
    """Every enrolled key with its status and whether its certificate holds."""
    if by is None and user_count(session) > 0:
        raise PermissionDenied("该数据库已有用户，请先登录")
    return sorted(key_infos(session).values(), key=lambda k: (k.username, k.status != ACTIVE, k.changed_at))


def export_keys(session: Session, by: CurrentUser | None, path: Path) -> int:
    """Write every certificate (enrolments, rotations, revocations) for laptops and hospitals to import."""
    if by is None and user_count(session) > 0:
        raise PermissionDenied("该数据库已有用户，请先登录")
    certs = _all_certificates(session)
    _write_atomic(Path(path), json.dumps({"format": KEYS_FORMAT, "certificates": certs}, ensure_ascii=False,
                                         indent=1).encode("utf-8"))
    return len(certs)


def import_keys(session: Session, by: CurrentUser | None, path: Path) -> list[str]:
    """Learn the commission's certificates. Each must be signed by an administrator key trusted here; a database
    that trusts no administrator key yet (or a logged-in administrator) takes the file's administrator roots —
    compare the fingerprints printed with the commission's."""
    if by is None and user_count(session) > 0:
        raise PermissionDenied("该数据库已有用户，请先登录")
    data = _read_json(path, "密钥列表")
    certs = data.get("certificates")
    if data.get("format") != KEYS_FORMAT or not isinstance(certs, list):
        raise UserError(f"{Path(path).name} 不是院感督导密钥列表")
    no_roots = not any(k.trusted and k.role == ADMIN for k in key_infos(session).values())
    roots = no_roots or (by is not None and by.role == ADMIN)
    actor = by.username if by is not None else "local"
    return accept_certificates(session, actor, certs, roots=roots, source=f"密钥列表 {Path(path).name}")


def rotate_own_key(session: Session, user: CurrentUser | None, password: str, path: Path) -> str:
    """A new key pair for the logged-in user on this machine, and its enrolment request. Until the administrator
    enrols it, what the user signs cannot be verified elsewhere; the old key is retired at enrolment."""
    if user is None:
        raise PermissionDenied("请先登录")
    from inspections.signing import give_key, unlock

    row = session.scalar(select(User).where(User.username == user.username))
    assert row is not None
    from inspections.users import verify_password

    if not verify_password(password, row.password_hash):
        raise PermissionDenied("请通过 YG_PASSWORD 提供本人的密码")
    give_key(row, password)
    session.flush()
    fresh = CurrentUser(user.username, user.role, user.institution_id, user.display_name, unlock(row, password))
    append_audit(session, actor=user.username, action="key.rotate", entity="user", entity_id=row.id,
                 after={"fingerprint": row.key_fingerprint})
    return write_enrol_request(session, fresh, path)
