"""`check` on a city whose rectification records are all signed, as they will be once every laptop has keys.

The demo city (``bench/.cache/city-500x60``) is generated in the single-user mode: nothing in it is signed, so
`bench/run.py`'s check figures never verify a signature. This copies the city once (to ``…-signed``), gives it an
administrator with a signing key and signs every hospital feedback and re-inspection verdict with it (hundreds of
thousands of signatures, written in bulk), then times, each in a fresh process as a user runs them, `check --full`
and `check` (incremental) after it.

Run: ``.venv/bin/python bench/signed_check.py [--city bench/.cache/city-500x60] [--runs 3]`` (the copy and signing:
a few minutes, once).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER, PASSWORD = "bench-admin", "bench-admin-password"
DB = "yuangan.db"


def build(city: Path, folder: Path) -> None:
    """Copy ``city`` to ``folder`` and sign every feedback and verdict there (skipped when done before)."""
    done = folder / ".signed"
    if done.exists():
        return
    from sqlalchemy import select

    from inspections.signing import event_digests, make_seal, seal_values
    from inspections.users import add_user, log_in
    from inspections.verification import SIGNED_EVENT_KINDS
    from inspections.workspace import open_workspace
    from models.bulk import insert_rows
    from models.finding import FindingEvent
    from models.keys import Signature

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    source, target = sqlite3.connect(city / DB), sqlite3.connect(folder / DB)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    print(f"复制城市数据库：{time.perf_counter() - start:.0f} 秒", flush=True)
    db = open_workspace(None, folder, backup=False)
    try:
        with db.begin() as s:
            add_user(s, None, username=USER, password=PASSWORD, role="admin", display_name="基准管理员")
        with db.session() as s:
            signer = log_in(s, USER, PASSWORD).signer
        assert signer is not None
        with db.session() as s:
            ids = list(s.scalars(select(FindingEvent.id).where(FindingEvent.kind.in_(SIGNED_EVENT_KINDS))))
        start = time.perf_counter()
        for first in range(0, len(ids), 5000):
            chunk = ids[first : first + 5000]
            with db.begin() as s:
                digests = event_digests(s, chunk)
                events = {
                    event_id: (kind, at)
                    for event_id, kind, at in s.execute(
                        select(FindingEvent.id, FindingEvent.kind, FindingEvent.at).where(FindingEvent.id.in_(chunk))
                    )
                }
                rows = []
                for event_id, digest in digests.items():
                    kind, at = events[event_id]
                    seal = make_seal(signer, "finding_event", str(event_id), kind, digest)
                    rows.append(seal_values(seal, received_at=at))  # kept when it happened, as over the years
                insert_rows(s, Signature.__table__, rows)
            print(f"\r签名整改记录：{min(first + 5000, len(ids)):,} / {len(ids):,}", end="", flush=True)
        print(f"\n签名 {len(ids):,} 条整改记录：{time.perf_counter() - start:.0f} 秒", flush=True)
    finally:
        db.close()
    done.touch()


def timed_check(folder: Path, *extra: str) -> float:
    env = dict(os.environ, YG_USER=USER, YG_PASSWORD=PASSWORD)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder), "check", *extra],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--city", type=Path, default=ROOT / "bench" / ".cache" / "city-500x60")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.city / DB).exists():
        sys.exit(f"没有城市数据库 {args.city}：请先运行 python3 tasks.py bench")
    folder = args.city.with_name(args.city.name + "-signed")
    build(args.city, folder)
    full = timed_check(folder, "--full")
    print(f"check --full（整库，整改记录全部已签名）：{full:.1f} 秒", flush=True)
    times = [timed_check(folder) for _ in range(args.runs)]
    each = ", ".join(f"{t:.1f}" for t in times)
    print(f"check（增量，完整核对之后）：中位数 {statistics.median(times):.1f} 秒（{each}）；目标 < 10 秒")


if __name__ == "__main__":
    main()
