"""The signature over an exchange package's manifest: the statement signed, the signer it names, checking it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inspections.signing.certificates import KeyInfo
from inspections.signing.primitives import REVOKED, canonical, verify_raw

_PACKAGE_TYPE = "yg-package-signature"


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
