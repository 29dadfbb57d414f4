"""Round sub-commands: `rounds list`, `rounds show ID`, `rounds create`, `rounds start ENTRY`, `rounds skip ENTRY`,
`rounds reopen ENTRY` — the monthly plan the window's 督导批次 page shows, for scripts and the terminal."""

from __future__ import annotations

import argparse
from datetime import date

from inspections.cli.core import actor_of, login, open_db, parse_day, parse_id, print_json, print_table, split_list
from inspections.labels import LEVELS

_ENTRY_STATUS = {"planned": "计划中", "done": "已完成", "not_done": "未完成"}



def _rounds_list(args: argparse.Namespace) -> int:
    from inspections.rounds import list_rounds, parse_month

    month = parse_month(args.month).strftime("%Y-%m") if args.month else None
    with open_db(args) as db, db.session() as s:
        login(s, "database.read")
        rows = list_rounds(s, month=month)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("尚无督导批次" + (f"（{month}）" if month else "") + "：可用 rounds create 创建")
        return 0
    print_table(
        ["编号", "月份", "标题", "督导组", "完成情况", "未完成"],
        [[str(r.id), r.month, r.title, "、".join(r.team), r.coverage_text, r.not_done] for r in rows],
    )
    return 0


def _rounds_show(args: argparse.Namespace) -> int:
    from inspections.rounds import round_detail

    with open_db(args) as db, db.session() as s:
        login(s, "database.read")
        detail = round_detail(s, parse_id(args.round_id, "督导批次"))
    if args.json:
        print_json(detail)
        return 0
    print(f"{detail.title}（{detail.month}）督导组：{'、'.join(detail.team) or '—'}  完成：{detail.coverage_text}")
    print_table(
        ["条目编号", "机构", "级别", "状态", "检查", "得分", "等级", "说明"],
        [
            [
                str(e.id),
                e.institution_name,
                LEVELS.get(e.level, str(e.level)),
                _ENTRY_STATUS.get(e.status, e.status),
                "" if e.inspection_id is None else ("草稿" if e.inspection_status == "draft" else "已完成"),
                "" if e.score is None else f"{e.score:.1f}",
                (e.grade or "") + ("（否决）" if e.vetoed else ""),
                e.reason,
            ]
            for e in detail.entries
        ],
    )
    return 0


def _rounds_create(args: argparse.Namespace) -> int:
    from inspections.rounds import RoundScope, create_round, round_detail

    levels = tuple(args.levels) if args.levels else (1, 2, 3)
    scope = RoundScope(levels=levels, districts=tuple(split_list(args.districts)) if args.districts else None)
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        round_id = create_round(
            s, actor_of(user), month=args.month, title=args.title, team=split_list(args.team), scope=scope, user=user
        )
        detail = round_detail(s, round_id)
    print(f"已创建督导批次“{detail.title}”：{detail.planned} 家机构")
    print(round_id)
    return 0


def _rounds_start(args: argparse.Namespace) -> int:
    from inspections.rounds import start_entry_inspection

    on = parse_day(args.date) if args.date else date.today()
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        inspection_id = start_entry_inspection(s, actor_of(user), parse_id(args.entry_id, "条目"), on=on, user=user)
    print(inspection_id)
    return 0


def _rounds_skip(args: argparse.Namespace) -> int:
    from inspections.rounds import mark_not_done

    with open_db(args) as db, db.begin() as s:
        user = login(s)
        mark_not_done(s, actor_of(user), parse_id(args.entry_id, "条目"), args.reason, user=user)
    print("已标记为未完成")
    return 0


def _rounds_reopen(args: argparse.Namespace) -> int:
    from inspections.rounds import reopen_entry

    with open_db(args) as db, db.begin() as s:
        user = login(s)
        reopen_entry(s, actor_of(user), parse_id(args.entry_id, "条目"), user=user)
    print("已恢复为计划中")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rounds = sub.add_parser("rounds", help="督导批次：列出、查看、创建、开始检查、标记未完成").add_subparsers(
        dest="action", required=True
    )
    p = rounds.add_parser("list", help="列出督导批次及完成情况")
    p.add_argument("--month", help="只列出某月（YYYY-MM）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_rounds_list)
    p = rounds.add_parser("show", help="查看一个督导批次的每家机构")
    p.add_argument("round_id", help="督导批次编号（rounds list 第一列）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_rounds_show)
    p = rounds.add_parser("create", help="创建某月的督导批次（默认包括全部一级及以上机构）")
    p.add_argument("--month", required=True, help="月份，YYYY-MM")
    p.add_argument("--title", default=None, help="标题，默认“YYYY年M月督导检查”")
    p.add_argument("--team", required=True, help="督导组成员，用顿号或逗号分隔")
    p.add_argument("--levels", type=int, nargs="+", choices=sorted(LEVELS), help="机构级别（默认 1 2 3）")
    p.add_argument("--districts", help="只包括这些辖区，用顿号或逗号分隔")
    p.set_defaults(handler=_rounds_create)
    p = rounds.add_parser("start", help="开始一个条目的检查（已有草稿时继续该草稿），输出检查编号")
    p.add_argument("entry_id", help="条目编号（rounds show 第一列）")
    p.add_argument("--date", help="检查日期，YYYY-MM-DD，默认今天")
    p.set_defaults(handler=_rounds_start)
    p = rounds.add_parser("skip", help="把一个条目标记为本批次未完成（须写原因）")
    p.add_argument("entry_id", help="条目编号")
    p.add_argument("--reason", required=True, help="未完成的原因")
    p.set_defaults(handler=_rounds_skip)
    p = rounds.add_parser("reopen", help="把标记为未完成的条目恢复为计划中")
    p.add_argument("entry_id", help="条目编号")
    p.set_defaults(handler=_rounds_reopen)
