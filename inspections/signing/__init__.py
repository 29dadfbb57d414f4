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

from inspections.signing.certificates import KeyInfo, certificate, certificate_chain, certificate_problem, key_infos
from inspections.signing.digests import event_digest, event_digests, inspection_digest, inspection_digests
from inspections.signing.enrolment import accept_certificates, enrol_key, enrol_root, learn_certificates, set_key_status
from inspections.signing.package_signatures import PackageSigner, package_statement, verify_package_signature
from inspections.signing.primitives import (
    ACTIVE,
    ALGORITHM,
    KEY_STATUS,
    RETIRED,
    REVOKED,
    ROLE_WORDS,
    Signer,
    canonical,
    fingerprint_of,
    public_bytes,
    short,
    verify_raw,
)
from inspections.signing.private_keys import decrypt_private_key, encrypt_private_key, give_key, unlock
from inspections.signing.seals import (
    make_seal,
    seal_event,
    seal_inspection,
    seal_problem,
    seal_record,
    seal_values,
    seals_of,
    sign_record,
    signed_ids,
    store_seals,
    verify_stored,
)

__all__ = [
    "ACTIVE",
    "ALGORITHM",
    "KEY_STATUS",
    "RETIRED",
    "REVOKED",
    "ROLE_WORDS",
    "KeyInfo",
    "PackageSigner",
    "Signer",
    "accept_certificates",
    "canonical",
    "certificate",
    "certificate_chain",
    "certificate_problem",
    "decrypt_private_key",
    "encrypt_private_key",
    "enrol_key",
    "enrol_root",
    "event_digest",
    "event_digests",
    "fingerprint_of",
    "give_key",
    "inspection_digest",
    "inspection_digests",
    "key_infos",
    "learn_certificates",
    "make_seal",
    "package_statement",
    "public_bytes",
    "seal_event",
    "seal_inspection",
    "seal_problem",
    "seal_record",
    "seal_values",
    "seals_of",
    "set_key_status",
    "short",
    "sign_record",
    "signed_ids",
    "store_seals",
    "unlock",
    "verify_package_signature",
    "verify_raw",
    "verify_stored",
]
