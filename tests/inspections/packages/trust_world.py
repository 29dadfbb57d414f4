"""Three databases that trust one another the honest way: the commission (administrator, root key), an inspector's
laptop and a hospital, each user installed from an identity file the commission issued."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspections.identity import install_identity, issue_identity
from inspections.institutions import InstitutionData, create_institution
from inspections.packages import export_inspections, export_rectification, import_package
from inspections.signing import Signer, package_statement
from inspections.templates import import_checklist
from inspections.users import CurrentUser, add_user, log_in
from inspections.workflow import add_item_photo, finalize_inspection, load_inspection, record_answer, start_inspection
from inspections.workspace import open_workspace
from models.database import Database
from tests.inspections.packages.conftest import DAY, jpeg, small_spec

ADMIN_PW, INSPECTOR_PW, OFFICER_PW, OTHER_PW = "admin-pass-1", "inspector-pass-1", "officer-pass-1", "other-pass-1"


@dataclass
class World:
    tmp: Path
    dirs: dict[str, Path]
    dbs: dict[str, Database]
    institution_id: uuid.UUID  # the commission's id of 第一人民医院 (the hospital's too)
    other_institution_id: uuid.UUID
    inspection_id: uuid.UUID
    finding_ids: tuple[uuid.UUID, ...]
    inspection_package: Path
    rectification_package: Path

    def login(self, where: str, username: str, password: str) -> CurrentUser:
        with self.dbs[where].session() as s:
            return log_in(s, username, password)

    def admin(self) -> CurrentUser:
        return self.login("commission", "admin", ADMIN_PW)

    def inspector(self) -> CurrentUser:
        return self.login("laptop", "zhangwei", INSPECTOR_PW)

    def officer(self) -> CurrentUser:
        return self.login("hospital", "liu", OFFICER_PW)

    def close(self) -> None:
        for db in self.dbs.values():
            db.close()


def build(tmp: Path) -> World:
    dirs = {name: tmp / name for name in ("commission", "laptop", "hospital")}
    dbs = {name: open_workspace(None, path, backup=False) for name, path in dirs.items()}
    commission, laptop, hospital = dbs["commission"], dbs["laptop"], dbs["hospital"]
    with commission.begin() as s:
        add_user(s, None, username="admin", password=ADMIN_PW, role="admin", display_name="王管理")
        import_checklist(s, "system", small_spec())
    with commission.session() as s:
        admin = log_in(s, "admin", ADMIN_PW)
    with commission.begin() as s:
        first = InstitutionData(name="第一人民医院", code="H001", level=2, category="综合医院", district="金水区",
                                address="人民路 1 号", contact="院感科 0371-1234", has_fever_clinic=True)
        institution_id = create_institution(s, "admin", first, user=admin)
        other_id = create_institution(s, "admin", InstitutionData(name="第二人民医院", code="H002", level=2),
                                      user=admin)
        s.flush()
        issue_identity(s, admin, tmp / "zhangwei.ygid", username="zhangwei", password=INSPECTOR_PW,
                       role="inspector", display_name="张伟")
        issue_identity(s, admin, tmp / "liu.ygid", username="liu", password=OFFICER_PW, role="hospital",
                       institution_id=institution_id, display_name="刘老师")
        issue_identity(s, admin, tmp / "zhao.ygid", username="zhao", password=OTHER_PW, role="hospital",
                       institution_id=other_id, display_name="赵老师")

    # The inspector's laptop: the same checklist and institution (its own ids), then the identity file.
    with laptop.begin() as s:
        import_checklist(s, "system", small_spec())
        create_institution(s, "张伟", InstitutionData(name="第一人民医院", code="H001", level=2, category="综合医院",
                                                   district="金水区", address="人民路 1 号",
                                                   contact="院感科 0371-1234", has_fever_clinic=True))
    with laptop.begin() as s:
        install_identity(s, None, tmp / "zhangwei.ygid", INSPECTOR_PW)
    with laptop.session() as s:
        inspector = log_in(s, "zhangwei", INSPECTOR_PW)
    with laptop.begin() as s:
        template_id = next(iter(load_templates(s)))
        laptop_institution = next(iter(laptop_institutions(s)))
        inspection_id = start_inspection(
            s, "zhangwei", institution_id=laptop_institution, on=DAY, inspectors=["张伟"],
            template_ids=[template_id], user=inspector,
        )
        items = {i.code: i.item_id for i in load_inspection(s, inspection_id).items()}
        record_answer(s, "zhangwei", inspection_id, items["T1.1"], response="fail", note="未设置预检分诊标识",
                      user=inspector)
        add_item_photo(s, "zhangwei", inspection_id, items["T1.1"], jpeg(), filename="分诊点.jpg")
        record_answer(s, "zhangwei", inspection_id, items["T1.2"], response="partial", note="两人不知晓流调要点",
                      user=inspector)
        record_answer(s, "zhangwei", inspection_id, items["T1.3"], response="pass", user=inspector)
        findings = finalize_inspection(s, "zhangwei", inspection_id, signatures={"检查组": "张伟"},
                                       hospital_rep="院感科 王主任", user=inspector).finding_ids
    with laptop.session() as s:
        package = export_inspections(s, tmp / "inspection.ygpkg.zip", exporter="zhangwei",
                                     inspection_ids=[inspection_id], user=inspector).path
    with commission.begin() as s:
        import_package(s, "admin", package, user=admin)
    with commission.session() as s:
        rect = export_rectification(s, tmp / "rect.ygpkg.zip", institution_id, exporter="admin", user=admin).path

    # The hospital: its officer's identity file (it brings the institution), then the rectification notice.
    with hospital.begin() as s:
        install_identity(s, None, tmp / "liu.ygid", OFFICER_PW)
    return World(tmp, dirs, dbs, institution_id, other_id, inspection_id, tuple(findings), package, rect)


def load_templates(s: Any) -> list[uuid.UUID]:
    from sqlalchemy import select

    from models.checklist import ChecklistTemplate

    return list(s.scalars(select(ChecklistTemplate.id).where(ChecklistTemplate.code == "triage-test")))


def laptop_institutions(s: Any) -> list[uuid.UUID]:
    from sqlalchemy import select

    from models.reference import Institution

    return list(s.scalars(select(Institution.id).where(Institution.code == "H001")))


def resign(
    src: Path,
    dst: Path,
    mutate: Callable[[dict[str, Any]], None] | None,
    signer: Signer | None,
    *,
    display_name: str = "",
    kind: str | None = None,
) -> Path:
    """A copy of a package with data.json changed, the manifest's hashes made to match, and the manifest signed
    again with ``signer`` (a forger's own key) — or left with its old signature.json when ``signer`` is None."""
    with zipfile.ZipFile(src) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    data = json.loads(entries["data.json"])
    if mutate is not None:
        mutate(data)
    entries["data.json"] = json.dumps(data, ensure_ascii=False).encode()
    manifest = json.loads(entries["manifest.json"])
    for entry in manifest["entries"]:
        payload = entries[entry["path"]]
        entry["sha256"], entry["size"] = hashlib.sha256(payload).hexdigest(), len(payload)
    if kind is not None:
        manifest["kind"] = kind
    if signer is not None:
        manifest["signer"] = {
            "username": signer.username,
            "display_name": display_name,
            "role": signer.role,
            "fingerprint": signer.fingerprint,
            "institution_id": str(signer.institution_id) if signer.institution_id else None,
        }
    entries["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    if signer is not None:
        entries["signature.json"] = json.dumps(
            {
                "algorithm": "Ed25519",
                "fingerprint": signer.fingerprint,
                "signer": signer.username,
                "signature": signer.sign(package_statement(entries["manifest.json"])),
            }
        ).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
    return dst
