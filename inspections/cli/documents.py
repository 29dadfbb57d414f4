"""Document sub-commands: `report inspection|bulletin|notice|ledger … -o X.pdf`, `export results|ledger -o X.xlsx`."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from inspections.cli.core import actor_of, login, open_db, parse_id
from inspections.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session



def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise UserError(f"月份“{text}”格式应为 YYYY-MM，例如 2026-11")
    return text.strip()


def _output(path: str, suffix: str) -> Path:
    out = Path(path)
    if out.suffix.lower() != suffix:
        raise UserError(f"输出文件应以 {suffix} 结尾：{out}")
    return out


def _report(args: argparse.Namespace) -> int:
    from inspections.docnumbers import issuing_apart
    from inspections.findings import OPEN_STATUSES
    from inspections.reports import documents

    out = _output(args.output, ".pdf")
    number = ""
    with open_db(args) as db:

        def write_apart(fn: Callable[[Session], str]) -> str:
            with db.begin() as w:
                return fn(w)

        # A document issued for the first time records its 文号 in a short write transaction of its own.
        with issuing_apart(write_apart), db.session() as s:
            user = login(s)
            actor = actor_of(user)
            if args.kind == "inspection":
                number = documents.inspection_report(s, parse_id(args.target, "检查"), out, user=user, actor=actor)
            elif args.kind == "bulletin":
                number = documents.bulletin(s, _month(args.target), out, draft=args.draft, user=user, actor=actor)
            elif args.kind == "notice":
                number = documents.notice(s, parse_id(args.target, "医疗机构"), out, user=user, actor=actor)
            else:
                scope = parse_id(args.target, "医疗机构") if args.target else None
                statuses = None if args.all else OPEN_STATUSES  # items still owed unless --all
                documents.ledger_pdf(
                    s, out, institution_id=scope, statuses=statuses, overdue_only=args.overdue, user=user
                )
    print(f"已生成 {args.output}" + (f"（文号 {number}）" if number else ""))
    if args.kind == "bulletin" and not args.draft and not number:
        print("该月没有督导批次，也没有已完成的检查：通报按草稿输出，未编文号")
    return 0


def _terminal_progress(done: int, total: int, text: str) -> None:
    """The running figure on one terminal line (nothing when the output is not a terminal)."""
    if sys.stderr.isatty():
        print(f"\r{text}\033[K", end="", file=sys.stderr, flush=True)


def _export(args: argparse.Namespace) -> int:
    from inspections.reports import documents
    from inspections.reports.output import reporting_progress

    institution = parse_id(args.institution, "医疗机构") if args.institution else None
    month = _month(args.month) if args.month else None
    out = _output(args.output, ".xlsx")
    with open_db(args) as db, db.session() as s, reporting_progress(_terminal_progress):
        user = login(s)
        try:
            if args.kind == "results":
                result = documents.results_xlsx(
                    s, out, month=month, institution_id=institution, include_drafts=args.include_drafts, user=user
                )
            else:
                result = documents.ledger_xlsx(
                    s, out, month=month, institution_id=institution, overdue_only=args.overdue, user=user
                )
        finally:
            if sys.stderr.isatty():
                print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(f"已导出 {result.rows} 行到 {args.output}")
    if result.notice:
        print(result.notice)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="生成 PDF 文书：检查反馈单、月度通报、整改通知书、整改台账")
    p.add_argument(
        "kind",
        choices=["inspection", "bulletin", "notice", "ledger"],
        help="inspection 检查编号 | bulletin YYYY-MM | notice 机构编号 | ledger [机构编号]",
    )
    p.add_argument("target", nargs="?", default="", help="检查编号、月份或机构编号")
    p.add_argument("-o", "--output", required=True, help="输出的 PDF 文件")
    p.add_argument("--draft", action="store_true", help="通报以草稿形式输出（带“草稿”水印）")
    p.add_argument("--overdue", action="store_true", help="台账只列逾期整改项")
    p.add_argument("--all", action="store_true", help="台账列出所有状态的整改项（默认只列尚未完成整改的）")
    p.set_defaults(handler=_report)

    p = sub.add_parser("export", help="导出 Excel：检查结果或整改台账")
    p.add_argument("kind", choices=["results", "ledger"])
    p.add_argument("--month", default=None, help="只导出某月（YYYY-MM）")
    p.add_argument("--institution", default=None, help="只导出某机构（编号）")
    p.add_argument("--include-drafts", action="store_true", help="检查结果包括未完成的草稿")
    p.add_argument("--overdue", action="store_true", help="台账只列逾期整改项")
    p.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    p.set_defaults(handler=_export)
