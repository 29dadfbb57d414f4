"""Photo sub-commands: ``photos import`` brings a phone's photos into an inspection, matched by when they were taken."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import datetime
from pathlib import Path

from inspections.cli.core import actor_of, login, open_db, print_table
from inspections.errors import UserError


def _time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value is not None else "无拍摄时间"


def _photos_import(args: argparse.Namespace) -> int:
    from inspections.workflow import (
        load_inspection,
        parse_inspection_id,
        parse_utc_offset,
        propose_folder_photos,
    )
    from inspections.workflow.folder_photos import import_folder_photos
    from inspections.workflow.loading import authorize_on, get_inspection

    inspection_id = parse_inspection_id(args.inspection_id)
    folder = Path(args.folder)
    tz = parse_utc_offset(args.utc_offset) if args.utc_offset else None
    places: dict[str, str] = {}
    for text in args.place:
        name, sep, code = text.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise UserError(f"--place “{text}”无效，应为 照片文件名=检查项编号")
        places[name.strip()] = code.strip()
    with open_db(args) as db:
        with db.session() as s:
            user = login(s)
            authorize_on(user, "inspection.record", get_inspection(s, inspection_id).institution_id)
            proposal = propose_folder_photos(s, inspection_id, folder, tz=tz)
            codes: dict[str, uuid.UUID] = {}
            for item in load_inspection(s, inspection_id).items():
                codes.setdefault(item.code, item.item_id)
        placements: list[tuple[Path, uuid.UUID]] = []
        rows = []
        for n, photo in enumerate(proposal.photos, 1):
            placed = places.pop(photo.name, None) or places.pop(photo.path.name, None)
            if placed is not None:
                if placed not in codes:
                    raise UserError(f"检查项编号“{placed}”不在本次检查中")
                placements.append((photo.path, codes[placed]))
                target = f"{placed}（手动指定）"
            elif photo.item_id is not None:
                placements.append((photo.path, photo.item_id))
                target = f"{photo.item_code} {photo.item_text[:24]}"
            else:
                target = "未匹配（可用 --place 指定）"
            saved = _time(photo.saved_at) if photo.saved_at else ""
            rows.append([str(n), photo.name, _time(photo.taken_at), target, saved])
        if places:
            why = {name: f.reason for f in proposal.skipped for name in (f.name, Path(f.name).name)}
            left_out = sorted(name for name in places if name in why)
            if left_out:
                raise UserError("以下照片已跳过，不能指定：" + "、".join(f"{n}（{why[n]}）" for n in left_out))
            raise UserError("以下照片不在该文件夹中：" + "、".join(sorted(places)))
        if rows:
            print_table(["序号", "照片", "拍摄时间", "检查项", "答案保存时间"], rows)
        else:
            print("该文件夹中没有本次检查当天拍摄的照片。")
        for skipped in proposal.skipped:
            print(f"已跳过 {skipped.name}：{skipped.reason}")
        if proposal.other_days:
            print(f"另有 {proposal.other_days} 张照片不是检查当天拍摄的，未列出。")
        unmatched = len(proposal.photos) - len(placements)
        print(f"将导入 {len(placements)} 张照片" + (f"，{unmatched} 张未匹配，不导入" if unmatched else "") + "。")
        if args.dry_run or not placements:
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError("请加 --yes 确认导入，或用 --dry-run 只预览")
            if input("导入以上照片？[y/N] ").strip().lower() not in ("y", "yes", "是"):
                print("未导入。")
                return 0
        with db.begin() as s:
            user = login(s)
            attached = import_folder_photos(s, actor_of(user), inspection_id, placements, reason=args.reason)
    print(f"已导入 {len(attached)} 张照片")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    photos = sub.add_parser("photos", help="照片：从手机或存储卡的文件夹导入").add_subparsers(
        dest="action", required=True
    )
    p = photos.add_parser(
        "import",
        help="按拍摄时间把文件夹中的照片匹配到当时正在填写的检查项，确认后导入",
        description="每张照片的拍摄时间（EXIF DateTimeOriginal；有 OffsetTimeOriginal 时按其时区，否则按本机时区或 "
        "--utc-offset）匹配到其后 10 分钟内最先保存答案或问题描述的检查项；未匹配的照片不导入，可用 --place 指定。",
    )
    p.add_argument("inspection_id", help="检查编号")
    p.add_argument("folder", help="照片所在文件夹（如手机的 DCIM 或存储卡），含子文件夹")
    p.add_argument("--yes", action="store_true", help="不询问，直接导入匹配的照片")
    p.add_argument("--dry-run", action="store_true", help="只列出匹配结果，不导入")
    p.add_argument("--place", action="append", default=[], metavar="照片=检查项编号", help="指定照片的检查项（可重复）")
    p.add_argument("--utc-offset", default="", metavar="+08:00", help="照片未记录时区时使用的时区，默认为本机时区")
    p.add_argument("--reason", default="", help="已签字的检查须填写修改原因")
    p.set_defaults(handler=_photos_import)
