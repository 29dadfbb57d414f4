"""Team sub-commands of ``inspections`` (also spelt ``inspection``): assign and unassign parts, show the team, and
sign one's own part."""

from __future__ import annotations

import argparse
from typing import Any

from inspections.cli.core import actor_of, login, open_db, print_json, print_table, split_list
from inspections.errors import NotFoundError, UserError
from models.inspection import Inspection


def _assign(args: argparse.Namespace) -> int:
    from inspections.teams import assign_part
    from inspections.workflow import parse_inspection_id

    inspection_id = parse_inspection_id(args.inspection_id)
    checklists, sections = split_list(args.checklists), split_list(args.sections)
    if not checklists and not sections:
        raise UserError("请用 --checklists 或 --sections 指定分给该成员的检查表或部分")
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        parts = assign_part(
            s, actor_of(user), inspection_id, args.member, checklists=checklists, sections=sections, user=user
        )
    name = parts[0].member_name or args.member
    print(f"已为 {name}（{args.member}）分配：{'、'.join(p.label for p in parts)}")
    return 0


def _unassign(args: argparse.Namespace) -> int:
    from inspections.teams import unassign_member
    from inspections.workflow import parse_inspection_id

    inspection_id = parse_inspection_id(args.inspection_id)
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        unassign_member(s, actor_of(user), inspection_id, args.member.strip(), user=user)
    print(f"已取消 {args.member} 的分工（其已填写的内容保留在检查中）")
    return 0


def _team(args: argparse.Namespace) -> int:
    from inspections.teams import part_signatures, team_progress
    from inspections.users import authorize_inspection
    from inspections.workflow import parse_inspection_id

    inspection_id = parse_inspection_id(args.inspection_id)
    with open_db(args) as db, db.session() as s:
        authorize_inspection(s, login(s), "inspection.view", inspection_id)
        if s.get(Inspection, inspection_id) is None:
            raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
        progress = {p.member: p for p in team_progress(s, inspection_id)}
        signatures = part_signatures(s, inspection_id)
    if args.json:
        rows: list[dict[str, Any]] = [
            {
                "member": sig.member,
                "name": sig.name,
                "parts": [p.label for p in sig.parts],
                "answered": progress[sig.member].answered,
                "total": progress[sig.member].total,
                "signed_at": sig.signed_at,
                "valid": sig.valid,
                "problem": sig.problem,
                "differs": sig.differs,
                "status": sig.status_label,
            }
            for sig in signatures
        ]
        print_json(rows)
        return 0
    if not signatures:
        print("本次检查没有分工（未分配督导组成员）")
        return 0
    print_table(
        ["成员", "分工", "进度", "分工签名"],
        [
            [
                f"{sig.name}（{sig.member}）",
                "、".join(p.label for p in sig.parts),
                f"{progress[sig.member].answered}/{progress[sig.member].total}",
                sig.status_label,
            ]
            for sig in signatures
        ],
    )
    return 0


def _sign_part(args: argparse.Namespace) -> int:
    from inspections.teams import sign_part
    from inspections.users import authorize_inspection
    from inspections.workflow import parse_inspection_id

    inspection_id = parse_inspection_id(args.inspection_id)
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        if user is None:
            raise UserError("本数据库未启用用户登录，没有签名密钥：分工签名须以本人身份登录（YG_USER、YG_PASSWORD）")
        authorize_inspection(s, user, "inspection.record", inspection_id)
        if user.signer is None:
            raise UserError(f"用户 {user.username} 在本机没有签名密钥，无法签署分工部分（请先安装身份文件或登记密钥）")
        row = sign_part(s, inspection_id, user.signer)
        count = len(row.context.get("items", []))
    print(f"已签署 {user.display_name or user.username} 的分工部分（{count} 项已填写的检查项）")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the team sub-commands to the ``inspections`` group (registered by inspections.cli.core before)."""
    group = sub.choices["inspections"]
    inspections = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))
    p = inspections.add_parser("assign", help="（组长）把检查表或部分分给督导组成员（替换其原有分工）")
    p.add_argument("inspection_id")
    p.add_argument("--member", required=True, help="成员的用户名")
    p.add_argument("--checklists", help="检查表代码，逗号分隔")
    p.add_argument("--sections", help="部分代码（或“检查表代码/部分代码”），逗号分隔")
    p.set_defaults(handler=_assign)
    p = inspections.add_parser("unassign", help="（组长）取消一名成员的全部分工")
    p.add_argument("inspection_id")
    p.add_argument("--member", required=True, help="成员的用户名")
    p.set_defaults(handler=_unassign)
    p = inspections.add_parser("team", help="督导组分工：各成员的分工、进度和分工签名")
    p.add_argument("inspection_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_team)
    p = inspections.add_parser("sign-part", help="（成员）用本人的签名密钥签署自己的分工部分")
    p.add_argument("inspection_id")
    p.set_defaults(handler=_sign_part)
