"""Exchange sub-commands: packages (export, import with preview), findings (list, feedback, re-inspection), users.

Where the database has users (a shared server), every command logs in first: the user name comes from YG_USER and
the password from YG_PASSWORD, or is asked for on a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from inspections.cli import PACKAGE_SUFFIXES
from inspections.cli.core import login, parse_id, print_json, print_table, split_list
from inspections.errors import UserError
from inspections.labels import ROLES
from inspections.users import CurrentUser
from inspections.workspace import current_actor, open_workspace
from models.database import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from inspections.packages import Decision, Preview


@contextmanager
def _db(args: argparse.Namespace) -> Iterator[Database]:
    """The workspace for one command, closed (its connections returned to the server) when the command ends."""
    db = open_workspace(args.database, args.data_dir)
    try:
        yield db
    finally:
        db.close()


def _actor(user: CurrentUser | None) -> str:
    return user.username if user is not None else current_actor()



# --- packages ---------------------------------------------------------------------------------------------------------


def _package_export(args: argparse.Namespace) -> int:
    from inspections.packages import export_feedback, export_inspections, export_rectification
    from inspections.packages.format import SUFFIX as PACKAGE_SUFFIX

    path = Path(args.output)
    if path.suffix.lower() not in PACKAGE_SUFFIXES:
        path = path.with_name(path.name + PACKAGE_SUFFIX)
    if not args.assignment and (args.member or args.checklists or args.sections):
        raise UserError("--member、--checklists、--sections 只用于导出检查分工包（--assignment）")
    if args.assignment:
        return _assignment_export(args, path)
    with _db(args) as db, db.session() as s:
        user = login(s)
        actor = _actor(user)
        part = _member_part(s, args.inspection, actor)
        if part is not None:
            from inspections.packages import export_part

            summary = export_part(s, path, part, user=user, member=None if user is not None else actor)
        elif args.rectification:
            summary = export_rectification(s, path, parse_id(args.rectification, "医疗机构"), exporter=actor, user=user)
        elif args.feedback:
            summary = export_feedback(s, path, parse_id(args.feedback, "医疗机构"), exporter=actor, user=user)
        else:
            summary = export_inspections(
                s,
                path,
                exporter=actor,
                inspection_ids=[parse_id(i, "检查") for i in args.inspection],
                round_id=parse_id(args.round, "督导批次") if args.round else None,
                user=user,
            )
    print(summary.message)
    return 0


def _member_part(session: Session, inspection_ids: list[str], actor: str) -> uuid.UUID | None:
    """The inspection whose part a member is exporting: one team inspection in which ``actor`` holds parts and is
    not the lead (then ``package export --inspection`` writes their part package)."""
    from inspections.teams import parts_of
    from models.inspection import Inspection

    if len(inspection_ids) != 1:
        return None
    inspection_id = parse_id(inspection_ids[0], "检查")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.created_by == actor or not parts_of(session, inspection_id, actor):
        return None
    return inspection_id


def _assignment_export(args: argparse.Namespace, path: Path) -> int:
    from inspections.packages import export_assignment
    from inspections.teams import assign_part

    if not args.member:
        raise UserError("导出检查分工包须用 --member 指定组员的用户名")
    inspection_id = parse_id(args.assignment, "检查")
    with _db(args) as db, db.begin() as s:
        user = login(s)
        actor = _actor(user)
        if args.checklists or args.sections:
            parts = assign_part(s, actor, inspection_id, args.member, checklists=split_list(args.checklists),
                                sections=split_list(args.sections), user=user)
            print(f"已分配给 {args.member}：{'、'.join(p.label for p in parts)}")
        summary = export_assignment(s, path, inspection_id, args.member, user=user)
    print(summary.message)
    return 0


def _print_preview(preview: Preview, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "package": preview.package_name,
                "kind": preview.kind,
                "exporter": preview.exporter,
                "created_at": preview.created_at,
                "counts": preview.counts(),
                "warnings": list(preview.warnings),
                "entries": [
                    {
                        "key": e.key,
                        "entity": e.entity,
                        "label": e.label,
                        "status": e.status,
                        "detail": e.detail,
                        "mine": e.mine,
                        "theirs": e.theirs,
                    }
                    for e in preview.entries
                ],
            }
        )
        return
    print(preview.message)
    shown = [e for e in preview.entries if e.status != "unchanged"]
    if shown:
        print_table(
            ["处理", "类型", "记录", "说明"], [[e.status_label, e.entity_label, e.label, e.detail] for e in shown]
        )
    for e in preview.conflicts:
        print(f"\n冲突 {e.key}\n  {e.label}：{e.detail}")
        for field in sorted(set(e.mine or {}) | set(e.theirs or {})):
            if field.endswith("sha256"):
                continue  # photo checksums: in --json; the count (照片) is shown
            print(f"  {field}：本机 {(e.mine or {}).get(field)!s} ／ 导入 {(e.theirs or {}).get(field)!s}")


def _package_import(args: argparse.Namespace) -> int:
    from inspections.packages import apply_package, preview_package, read_package

    package = read_package(Path(args.file))
    with _db(args) as db:
        with db.session() as s:
            preview = preview_package(s, package, user=login(s))
        if args.dry_run:
            _print_preview(preview, args.json)
            if preview.conflicts:
                print(
                    "\n有冲突：导入时请对每项用 --keep-mine KEY 或 --take-theirs KEY 选择"
                    "（--all-mine 全部保留本机，--all-theirs 全部采用导入）",
                    file=sys.stderr,
                )
            return 0
        decisions: dict[str, Decision] = {}
        if args.all_mine and args.all_theirs:
            raise UserError("--all-mine 与 --all-theirs 只能选一个")
        if args.all_mine:
            decisions.update({e.key: "mine" for e in preview.conflicts})
        if args.all_theirs:
            decisions.update({e.key: "theirs" for e in preview.conflicts})
        decisions.update({key: "mine" for key in args.keep_mine})
        decisions.update({key: "theirs" for key in args.take_theirs})
        with db.begin() as s:
            user = login(s)
            result = apply_package(s, _actor(user), package, decisions=decisions, user=user)
    print(result.message)
    return 0


# --- findings ---------------------------------------------------------------------------------------------------------


def _findings_list(args: argparse.Namespace) -> int:
    from inspections.users import scoped_findings

    with _db(args) as db, db.session() as s:
        rows = scoped_findings(
            s,
            login(s),
            today=date.today(),
            institution_id=parse_id(args.institution, "医疗机构") if args.institution else None,
            statuses=args.status or None,
        )
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["编号", "机构", "检查项", "问题", "期限", "状态", "逾期"],
        [
            [
                str(r.id),
                r.institution_name,
                r.item_code,
                r.problem[:30],
                r.deadline,
                r.status_label,
                r.overdue_days or "",
            ]
            for r in rows
        ],
    )
    return 0


def _photos(paths: list[str]) -> list[tuple[bytes, str]]:
    from inspections.photos import load_photo_file

    return [(load_photo_file(Path(p)), Path(p).name) for p in paths]


def _findings_feedback(args: argparse.Namespace) -> int:
    from inspections.findings import record_feedback

    photos = _photos(args.photo)
    with _db(args) as db, db.begin() as s:
        user = login(s)
        record_feedback(
            s,
            _actor(user),
            parse_id(args.finding_id, "整改项"),
            measure=args.measure,
            department=args.department,
            note=args.note,
            photos=photos,
            user=user,
        )
    print("已记录整改反馈，状态：已反馈")
    return 0


def _findings_reinspect(args: argparse.Namespace) -> int:
    from inspections.findings import record_reinspection

    photos = _photos(args.photo)
    deadline = None
    if args.deadline:
        try:
            deadline = date.fromisoformat(args.deadline)
        except ValueError:
            raise UserError(f"日期“{args.deadline}”无效，应为 YYYY-MM-DD") from None
    with _db(args) as db, db.begin() as s:
        user = login(s)
        record_reinspection(
            s,
            _actor(user),
            parse_id(args.finding_id, "整改项"),
            passed=args.passed,
            note=args.note,
            new_deadline=deadline,
            photos=photos,
            user=user,
        )
    print("已记录复查结论：" + ("复查通过" if args.passed else "复查未通过"))
    return 0


# --- users ------------------------------------------------------------------------------------------------------------


def _new_password() -> str:
    password = os.environ.get("YG_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise UserError("请通过环境变量 YG_NEW_PASSWORD 提供新用户的密码，或在终端中运行以输入密码")
    first = getpass.getpass("新用户的密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UserError("两次输入的密码不一致")
    return first


def _users_add(args: argparse.Namespace) -> int:
    from inspections.users import add_user

    password = _new_password()
    with _db(args) as db, db.begin() as s:
        add_user(
            s,
            login(s),
            username=args.username,
            password=password,
            role=args.role,
            institution_id=parse_id(args.institution, "医疗机构") if args.institution else None,
            display_name=args.name,
        )
    print(f"已添加用户 {args.username}（{ROLES[args.role]}）")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from inspections.users import list_users

    with _db(args) as db, db.session() as s:
        rows = list_users(s, login(s))
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["用户名", "姓名", "角色", "所属机构", "状态"],
        [[r.username, r.display_name, r.role_label, r.institution_name, "在用" if r.active else "停用"] for r in rows],
    )
    return 0


def _password_for(what: str) -> str:
    password = os.environ.get("YG_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise UserError(f"请通过环境变量 YG_NEW_PASSWORD 提供{what}，或在终端中运行以输入")
    return getpass.getpass(f"{what}：")


def _users_issue(args: argparse.Namespace) -> int:
    from inspections.identity import issue_identity

    password = _new_password()
    with _db(args) as db, db.begin() as s:
        issued = issue_identity(
            s,
            login(s),
            Path(args.output),
            username=args.username,
            password=password,
            role=args.role,
            institution_id=parse_id(args.institution, "医疗机构") if args.institution else None,
            display_name=args.name,
        )
    print(issued.message)
    return 0


def _users_install(args: argparse.Namespace) -> int:
    from inspections.identity import install_identity

    password = _password_for("身份文件的密码")
    with _db(args) as db, db.begin() as s:
        message = install_identity(s, login(s), Path(args.file), password)
    print(message)
    return 0


def _users_enrol_request(args: argparse.Namespace) -> int:
    from inspections.identity import write_enrol_request

    with _db(args) as db, db.begin() as s:
        message = write_enrol_request(s, login(s), Path(args.output))
    print(message)
    return 0


def _users_enrol(args: argparse.Namespace) -> int:
    from inspections.identity import enrol_request

    with _db(args) as db, db.begin() as s:
        key = enrol_request(s, login(s), Path(args.file))
    print(f"已登记密钥：{key.label}，角色 {ROLES.get(key.role, key.role)}")
    return 0


def _users_keys(args: argparse.Namespace) -> int:
    from inspections.identity import list_keys
    from inspections.signing import short

    with _db(args) as db, db.session() as s:
        rows = list_keys(s, login(s))
    if args.json:
        print_json(
            [
                {"fingerprint": k.fingerprint, "username": k.username, "role": k.role, "status": k.status,
                 "institution_id": k.institution_id, "trusted": k.trusted, "why": k.why}
                for k in rows
            ]
        )
        return 0
    print_table(
        ["用户名", "姓名", "角色", "指纹", "状态", "证书"],
        [
            [k.username, k.display_name, ROLES.get(k.role, k.role), short(k.fingerprint), k.status_label,
             "有效" if k.trusted else f"无效：{k.why}"]
            for k in rows
        ],
    )
    return 0


def _users_keys_export(args: argparse.Namespace) -> int:
    from inspections.identity import export_keys

    with _db(args) as db, db.session() as s:
        count = export_keys(s, login(s), Path(args.output))
    print(f"已导出 {count} 个密钥证书到 {args.output}")
    return 0


def _users_keys_import(args: argparse.Namespace) -> int:
    from inspections.identity import import_keys

    with _db(args) as db, db.begin() as s:
        changes = import_keys(s, login(s), Path(args.file))
    print("\n".join(changes) if changes else "没有新的密钥或状态变化")
    return 0


def _users_revoke(args: argparse.Namespace) -> int:
    from inspections.signing import REVOKED, set_key_status
    from inspections.users import authorize

    with _db(args) as db, db.begin() as s:
        user = login(s)
        authorize(user, "users.manage")
        n = set_key_status(s, user.signer if user else None, _actor(user), args.username, REVOKED, args.reason)
    print(f"已吊销 {args.username} 的 {n} 个密钥；请用 users keys-export 把吊销通知带到各台电脑和医院")
    return 0


def _users_unlock(args: argparse.Namespace) -> int:
    from inspections.users import unlock_user

    with _db(args) as db, db.begin() as s:
        unlock_user(s, login(s), args.username)
    print(f"已解除 {args.username} 的锁定")
    return 0


def _users_rotate(args: argparse.Namespace) -> int:
    from inspections.identity import rotate_own_key

    with _db(args) as db, db.begin() as s:
        message = rotate_own_key(s, login(s), os.environ.get("YG_PASSWORD", ""), Path(args.output))
    print(message)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    package = sub.add_parser(
        "package", help="数据包：导出、导入（检查数据、整改通知、整改反馈、督导组分工）"
    ).add_subparsers(dest="action", required=True)
    p = package.add_parser("export", help="导出数据包")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--inspection", action="append", default=[], metavar="检查编号", help="要导出的检查（可重复）")
    what.add_argument("--round", metavar="批次编号", help="导出一个督导批次的全部检查")
    what.add_argument("--rectification", metavar="机构编号", help="导出一家机构待整改问题的整改通知包")
    what.add_argument("--feedback", metavar="机构编号", help="（医院）导出已填报的整改反馈包")
    what.add_argument("--assignment", metavar="检查编号", help="（组长）导出发给一名组员的检查分工包，须给出 --member")
    p.add_argument("--member", metavar="用户名", help="检查分工包发给的组员")
    p.add_argument("--checklists", default="", metavar="代码,…", help="先把这些检查表分配给该组员（替换其原有分工）")
    p.add_argument("--sections", default="", metavar="代码,…",
                   help="先把这些部分（部分代码或 检查表代码/部分代码）分配给该组员")
    p.add_argument("-o", "--output", required=True, help="数据包文件（.ygpkg；其他扩展名会补上 .ygpkg，.zip 保留）")
    p.set_defaults(handler=_package_export)
    p = package.add_parser("import", help="检查并导入数据包")
    p.add_argument("file", help="数据包文件（.ygpkg 或 .zip）")
    p.add_argument("--dry-run", action="store_true", help="只预览：新增、更新、无变化、冲突，不改动数据库")
    p.add_argument("--keep-mine", action="append", default=[], metavar="KEY", help="冲突项保留本机（可重复）")
    p.add_argument("--take-theirs", action="append", default=[], metavar="KEY", help="冲突项采用导入（可重复）")
    p.add_argument("--all-mine", action="store_true", help="所有冲突项都保留本机")
    p.add_argument("--all-theirs", action="store_true", help="所有冲突项都采用导入")
    p.add_argument("--json", action="store_true", help="预览以 JSON 输出")
    p.set_defaults(handler=_package_import)

    findings = sub.add_parser("findings", help="整改项：列出、整改反馈、复查").add_subparsers(
        dest="action", required=True
    )
    p = findings.add_parser("list", help="列出整改项")
    p.add_argument("--institution", metavar="机构编号")
    p.add_argument("--status", action="append", choices=["open", "feedback", "passed", "failed"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_findings_list)
    p = findings.add_parser("feedback", help="（医院）填报整改反馈")
    p.add_argument("finding_id")
    p.add_argument("--measure", required=True, help="整改措施")
    p.add_argument("--department", required=True, help="责任科室")
    p.add_argument("--note", default="")
    p.add_argument("--photo", action="append", default=[], help="整改后照片（可重复）")
    p.set_defaults(handler=_findings_feedback)
    p = findings.add_parser("reinspect", help="记录复查结论")
    p.add_argument("finding_id")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--pass", dest="passed", action="store_true", help="复查通过")
    verdict.add_argument("--fail", dest="passed", action="store_false", help="复查未通过（须填写 --note）")
    p.add_argument("--note", default="")
    p.add_argument("--deadline", default=None, help="复查未通过时的新期限 YYYY-MM-DD")
    p.add_argument("--photo", action="append", default=[])
    p.set_defaults(handler=_findings_reinspect)

    users = sub.add_parser("users", help="用户：添加、列出（共享数据库）").add_subparsers(dest="action", required=True)
    p = users.add_parser("add", help="添加用户（密码取自 YG_NEW_PASSWORD 或终端输入）；第一个用户须为管理员")
    p.add_argument("username")
    p.add_argument(
        "--role", required=True, choices=list(ROLES), help="admin 管理员 / inspector 督导专家 / hospital 医院感控人员"
    )
    p.add_argument("--institution", metavar="机构编号", help="医院感控人员所属机构")
    p.add_argument("--name", default="", help="姓名")
    p.set_defaults(handler=_users_add)
    p = users.add_parser("list", help="列出用户（管理员）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_users_list)
    p = users.add_parser("issue", help="（管理员）签发用户身份文件：生成并登记签名密钥，文件由 YG_NEW_PASSWORD 保护")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--institution", metavar="机构编号", help="医院感控人员所属机构")
    p.add_argument("--name", default="", help="姓名")
    p.add_argument("-o", "--output", required=True, help="身份文件（.ygid）")
    p.set_defaults(handler=_users_issue)
    p = users.add_parser("install", help="在本机安装身份文件（密码取自 YG_NEW_PASSWORD 或终端输入）")
    p.add_argument("file")
    p.set_defaults(handler=_users_install)
    p = users.add_parser("enrol-request", help="写出本人公钥的登记申请，交管理员登记")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_users_enrol_request)
    p = users.add_parser("enrol", help="（管理员）登记一份登记申请中的公钥")
    p.add_argument("file")
    p.set_defaults(handler=_users_enrol)
    p = users.add_parser("keys", help="列出已登记的签名密钥及其状态")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_users_keys)
    p = users.add_parser("keys-export", help="导出全部密钥证书（登记、轮换、吊销），带到各台电脑和医院")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_users_keys_export)
    p = users.add_parser("keys-import", help="导入委员会的密钥证书")
    p.add_argument("file")
    p.set_defaults(handler=_users_keys_import)
    p = users.add_parser("revoke", help="（管理员）吊销一个用户的签名密钥")
    p.add_argument("username")
    p.add_argument("--reason", default="", help="原因（如：电脑丢失）")
    p.set_defaults(handler=_users_revoke)
    p = users.add_parser("unlock", help="（管理员）解除多次密码错误后的锁定")
    p.add_argument("username")
    p.set_defaults(handler=_users_unlock)
    p = users.add_parser("rotate-key", help="为本人生成新的签名密钥，并写出登记申请（旧密钥在登记后停用）")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_users_rotate)
