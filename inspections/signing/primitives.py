"""Ed25519 building blocks: key statuses, canonical JSON, base64, fingerprints, raw checks, the unlocked Signer."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


ACTIVE, RETIRED, REVOKED = "active", "retired", "revoked"


KEY_STATUS = {ACTIVE: "有效", RETIRED: "已轮换", REVOKED: "已吊销"}


ROLE_WORDS = {"admin": "管理员", "inspector": "督导专家", "hospital": "医院感控人员"}


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
