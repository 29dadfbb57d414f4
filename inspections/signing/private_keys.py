"""A user's private key at rest: encrypted under the password (scrypt, AES-256-GCM), made or unlocked at login."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from inspections.errors import PermissionDenied
from inspections.signing.primitives import Signer, _b64, _unb64, fingerprint_of, public_bytes
from models.reference import User

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
