"""Core sub-commands: checklists, institutions, inspections, score, demo, check."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from inspections.labels import INSPECTION_KINDS, INSPECTION_STATUS, LEVELS
from inspections.users import CurrentUser, authorize, authorize_inspection, log_in, user_count
from inspections.workspace import current_actor, open_workspace
from models.database import Database

if TYPE_CHECKING:
    from inspections.templates import TemplateRow


def login(session: Session, action: str | None = None) -> CurrentUser | None:
    """The logged-in user; None when the database has no users (single-user mode on a laptop). Call it before
    ``session`` has begun anything: a failed attempt is recorded in a unit of work of its own. ``action``: what
    the user must be allowed (PermissionDenied otherwise)."""
    with Session(session.get_bind()) as probe:
        if user_count(probe) == 0:
            return None
    # The account name: YG_USER or the system login (not the display name given at first start).
    username = os.environ.get("YG_USER", "").strip() or getpass.getuser()
    password = os.environ.get("YG_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise PermissionDenied(
                "该数据库已启用用户登录：请设置环境变量 YG_USER 和 YG_PASSWORD，或在终端中运行以输入密码"
            )
        password = getpass.getpass(f"用户 {username} 的密码：")
    user = log_in(session, username, password)
    if action is not None:
        authorize(user, action)
    return user


def actor_of(user: CurrentUser | None) -> str:
    """The name the audit log records for a command's changes."""
    return user.username if user is not None else current_actor()


@contextmanager
def open_db(args: argparse.Namespace) -> Iterator[Database]:
    """The database named by --database/--data-dir, opened as the application opens it, closed afterwards."""
    db = open_workspace(args.database, args.data_dir)
    try:
        yield db
    finally:
        db.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(type(value).__name__)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned table (CJK characters count as two columns)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    for row in [headers, *cells]:
        print("  ".join(c + " " * (w - width(c)) for c, w in zip(row, widths, strict=True)).rstrip())


MAX_CLI_INTEGER = 1_000_000_000
"""Numbers given on the command line (limits, version numbers) lie within 0–this; the demo's own limits are
checked by generate_demo."""


def bounded_int(low: int, high: int = MAX_CLI_INTEGER) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high`` (argparse reports anything else on one line)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"“{text[:40]}”不是整数") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"应为 {low} 到 {high} 之间的整数，而不是 {text[:40]}")
        return value

    return parse


def write_output(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UserError(f"无法写入 {path}：{err.strerror}") from None


# --- checklists -------------------------------------------------------------------------------------------------------


def _last_day(row: TemplateRow) -> str:
    """The 失效 column: the stored end date, or the day before the later version that takes over."""
    if row.superseded_by is None:
        return str(row.effective_to or "")
    if row.superseded_on == row.effective_from:
        return f"（已由第{row.superseded_by}版取代）"
    return f"{row.last_day}（第{row.superseded_by}版接替）"


def _checklists_list(args: argparse.Namespace) -> int:
    from inspections.templates import list_templates

    with open_db(args) as db, db.session() as s:
        login(s, "database.read")
        rows = list_templates(s)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["代码", "版本", "标题", "生效", "失效", "检查项", "内置", "已使用"],
        [
            [
                r.code,
                r.version,
                r.title,
                r.effective_from,
                _last_day(r),
                r.item_count,
                "是" if r.builtin else "",
                "是" if r.in_use else "",
            ]
            for r in rows
        ],
    )
    return 0


def _checklists_import(args: argparse.Namespace) -> int:
    from inspections.checklists.excel_format import TABLE_SUFFIXES, read_checklist_sheet
    from inspections.checklists.layout import parse_column_mapping, sheet_preview_lines
    from inspections.templates import import_checklist_file

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}")
    columns = parse_column_mapping(args.columns) if args.columns else None
    is_sheet = path.suffix.lower() in TABLE_SUFFIXES
    if (columns or args.code or args.title or args.preview) and not is_sheet:
        raise UserError("--columns、--code、--title 和 --preview 只用于表格（.xlsx / .csv / .docx）")
    if args.preview:
        reading = read_checklist_sheet(path, columns=columns, code=args.code, title=args.title)
        print("\n".join(sheet_preview_lines(reading)))
        return 0
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        outcome = import_checklist_file(
            s, actor_of(user), path, user=user, columns=columns, code=args.code, title=args.title
        )
    print(outcome.message)
    return 0


def _checklists_export(args: argparse.Namespace) -> int:
    from inspections.templates import export_checklist

    with open_db(args) as db, db.session() as s:
        login(s, "database.read")
        text = export_checklist(s, args.code, args.version)
    write_output(Path(args.output), text)
    print(f"已导出到 {args.output}")
    return 0


# --- institutions -----------------------------------------------------------------------------------------------------


def _institutions_list(args: argparse.Namespace) -> int:
    from inspections.institutions import list_institutions

    with open_db(args) as db, db.session() as s:
        login(s, "database.read")
        rows = list_institutions(s, active_only=not args.all)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["编号", "名称", "级别", "类别", "辖区", "发热门诊", "状态"],
        [
            [
                str(r.id),
                r.name,
                LEVELS.get(r.level, r.level),
                r.category,
                r.district,
                "有" if r.has_fever_clinic else "",
                "在用" if r.active else "停用",
            ]
            for r in rows
        ],
    )
    return 0


def _institutions_import(args: argparse.Namespace) -> int:
    from inspections.institutions import import_institutions

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}")
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        summary = import_institutions(s, actor_of(user), path, user=user)
    print(f"导入完成：新增 {summary.created}，更新 {summary.updated}，未变化 {summary.unchanged}")
    return 0


# --- inspections ------------------------------------------------------------------------------------------------


def _inspections_list(args: argparse.Namespace) -> int:
    from inspections.workflow import list_inspections

    with open_db(args) as db, db.session() as s:
        rows = list_inspections(s, status=args.status, limit=args.limit, user=login(s))
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["编号", "日期", "机构", "类型", "状态", "得分", "等级"],
        [
            [
                str(r.id),
                r.date,
                r.institution_name,
                INSPECTION_KINDS.get(r.kind, r.kind),
                INSPECTION_STATUS.get(r.status, r.status),
                "" if r.score is None else f"{r.score:.1f}",
                r.grade or "",
            ]
            for r in rows
        ],
    )
    return 0


def _kind_code(text: str) -> str:
    """An inspection kind as typed: 督导 / 自查 / 复查 or its code."""
    by_label = {label: code for code, label in INSPECTION_KINDS.items()}
    code = by_label.get(text.strip(), text.strip())
    if code not in INSPECTION_KINDS:
        raise UserError(f"检查类型“{text}”无效，可选：{'、'.join(INSPECTION_KINDS.values())}")
    return code


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"日期“{text}”格式应为 YYYY-MM-DD，例如 2026-11-28") from None


def parse_id(text: str, what: str) -> uuid.UUID:
    """A record's id as typed (``what``: 检查, 医疗机构…, named in the message when it is not an id)."""
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise UserError(f"“{text[:40]}”不是有效的{what}编号") from None


def split_list(text: str | None) -> list[str]:
    """A list as typed on the command line: separated by commas (either width) or 顿号, blanks dropped."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"[,，、]", text) if part.strip()]


def _inspections_start(args: argparse.Namespace) -> int:
    from inspections.presets import template_ids_for_codes
    from inspections.workflow import start_inspection

    try:
        institution_id = uuid.UUID(args.institution_id.strip())
    except ValueError:
        raise UserError(f"“{args.institution_id}”不是有效的机构编号") from None
    kind = _kind_code(args.kind)
    on = parse_day(args.date) if args.date else date.today()
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        actor = actor_of(user)
        template_ids = None
        if args.checklists is not None:
            codes = split_list(args.checklists)
            if not codes:
                raise UserError("--checklists 至少要有一个检查表代码")
            template_ids = template_ids_for_codes(s, codes, on)
        names = split_list(args.inspectors) or [actor]
        inspection_id = start_inspection(
            s,
            actor,
            institution_id=institution_id,
            kind=kind,
            on=on,
            inspectors=names,
            template_ids=template_ids,
            user=user,
        )
    print(inspection_id)
    return 0


def _inspections_void(args: argparse.Namespace) -> int:
    from inspections.workflow import parse_inspection_id, void_inspection

    inspection_id = parse_inspection_id(args.inspection_id)
    with open_db(args) as db, db.begin() as s:
        user = login(s)
        void_inspection(s, actor_of(user), inspection_id, reason=args.reason, user=user)
    print(f"检查 {inspection_id} 已作废")
    return 0


def _score(args: argparse.Namespace) -> int:
    from inspections.templates import template_spec
    from inspections.workflow import inspection_score, parse_inspection_id, scope_marks

    inspection_id = parse_inspection_id(args.inspection_id)
    with open_db(args) as db, db.session() as s:
        authorize_inspection(s, login(s), "inspection.view", inspection_id)
        score = inspection_score(s, inspection_id)
        marks = scope_marks(s, inspection_id)
        left_out = {template_spec(s, m.template_id).code: m for m in marks if not m.section_code}
    if args.json:
        print_json(score)
        return 0
    for c in score.checklists:
        mark = left_out.get(c.code)
        if mark is not None:  # left out as a whole: nothing to score, and not a failure to score
            print(f"{c.title}（第 {c.version} 版）：{mark.mode_label}{f'（{mark.reason}）' if mark.reason else ''}")
            continue
        shown = "—" if c.score is None else (f"{c.score:.2f}%" if c.basis == "percent" else f"{c.score:.2f} 分")
        print(f"{c.title}（第 {c.version} 版）：{shown}  {c.grade}  已答 {c.answered}/{c.total}")
        for section in c.sections:
            rate = "" if section.percent is None else f"（{section.percent:g}%）"
            print(f"  · {section.title}：{section.earned:g} / {section.maximum:g} 分{rate}")
        print(f"  {c.formula}")
    for mark in marks:
        if mark.section_code:
            print(mark.line)
    total = "—" if score.percent is None else f"{score.percent:.2f}%"
    print(f"总计：{total}{'  不合格（否决）' if score.vetoed else ''}")
    print(f"  {score.formula}")
    return 0


# --- demo and check ---------------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from inspections.demo import generate_demo

    def progress(done: int, total: int, what: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{what} {done}/{total}", end="", file=sys.stderr, flush=True)

    with open_db(args) as db:
        with db.session() as s:
            login(s, "users.manage")  # demo data goes only into a database its administrator chooses
        summary = generate_demo(
            db,
            institutions=args.institutions,
            months=args.months,
            seed=args.seed,
            end_month=args.end_month,
            progress=progress,
        )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(summary.message)
    return 0


def _check(args: argparse.Namespace) -> int:
    from inspections.integrity import check_database

    def progress(done: int, total: int, what: str) -> None:
        if sys.stderr.isatty():
            shown = f"{done}/{total}" if total > 1 else "…"
            print(f"\r正在核对{what} {shown}\033[K", end="", file=sys.stderr, flush=True)

    with open_db(args) as db:
        with db.session() as s:
            login(s, "database.read")
        report = check_database(db, progress, full=args.full)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    for line in report.lines:
        print(line)
    depth = "完整核对" if report.full else "增量核对"
    for warning in report.warnings:
        if warning not in "\n".join(report.lines):
            print(warning, file=sys.stderr)
    if report.ok:
        print(f"检查通过（{depth}，{report.seconds:.1f} 秒）：数据库完整，审计链连续，已完成检查的内容与签名哈希一致")
        return 0
    print(f"发现 {len(report.problems)} 个问题", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    checklists = sub.add_parser("checklists", help="检查表：列出、导入、导出").add_subparsers(
        dest="action", required=True
    )
    p = checklists.add_parser("list", help="列出所有检查表版本")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_checklists_list)
    p = checklists.add_parser("import", help="导入 YAML 检查表，或 Excel / CSV / Word（.xlsx/.csv/.docx）表格")
    p.add_argument("file")
    p.add_argument(
        "--columns",
        default=None,
        help="表格的列无法自动识别时指定各列，例如 检查内容=监督检查内容,分值=应得分（也可写列字母 分值=D）",
    )
    p.add_argument("--code", default=None, help="检查表编号（默认由文件名生成）")
    p.add_argument("--title", default=None, help="检查表标题（默认取表格上方的标题行）")
    p.add_argument("--preview", action="store_true", help="只显示识别结果（各列、分组、扣分规则、关键项），不导入")
    p.set_defaults(handler=_checklists_import)
    p = checklists.add_parser("export", help="把一个检查表版本导出为 YAML")
    p.add_argument("code")
    p.add_argument("--version", type=bounded_int(1), default=None, help="版本号，默认最新版")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_checklists_export)

    institutions = sub.add_parser("institutions", help="医疗机构：列出、导入").add_subparsers(
        dest="action", required=True
    )
    p = institutions.add_parser("list", help="列出医疗机构")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="包括已停用的机构")
    p.set_defaults(handler=_institutions_list)
    p = institutions.add_parser("import", help="从 .xlsx 或 .csv 导入医疗机构")
    p.add_argument("file")
    p.set_defaults(handler=_institutions_import)

    inspections = sub.add_parser("inspections", aliases=["inspection"], help="检查记录").add_subparsers(
        dest="action", required=True
    )
    p = inspections.add_parser("list", help="列出检查记录")
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", choices=["draft", "finalized", "voided"], default=None)
    p.add_argument("--limit", type=bounded_int(1), default=None)
    p.set_defaults(handler=_inspections_list)
    p = inspections.add_parser("start", help="开始一次检查（草稿），输出新检查的编号")
    p.add_argument("institution_id", help="医疗机构编号")
    p.add_argument("--checklists", help="检查表代码，逗号分隔（默认：适用于该机构的全部检查表）")
    p.add_argument("--kind", default="督导", help="督导、自查或复查（默认督导）")
    p.add_argument("--date", help="检查日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--inspectors", help="检查人员，顿号或逗号分隔（默认当前用户）")
    p.set_defaults(handler=_inspections_start)
    p = inspections.add_parser("void", help="作废一份草稿检查（已完成的检查不能作废）")
    p.add_argument("inspection_id")
    p.add_argument("--reason", required=True, help="作废原因（记入审计日志）")
    p.set_defaults(handler=_inspections_void)

    p = sub.add_parser("score", help="计算一次检查的得分（含计分公式）")
    p.add_argument("inspection_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_score)

    p = sub.add_parser("demo", help="生成可重复的演示数据")
    p.add_argument("--institutions", type=bounded_int(1, 5000), default=40)
    p.add_argument("--months", type=bounded_int(1, 120), default=12)
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=1)
    p.add_argument("--end-month", default=None, help="最后一个月 YYYY-MM，默认本月")
    p.set_defaults(handler=_demo)

    p = sub.add_parser(
        "check",
        help="检查数据库完整性、审计链、已签名检查的哈希和照片（默认只核对上次核对以来新增或改动的记录并轮流抽查）",
    )
    p.add_argument("--full", action="store_true", help="完整核对：不依赖上次的核对记录，逐一核对全部数据")
    p.set_defaults(handler=_check)
