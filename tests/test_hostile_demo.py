"""Issue 18 cases of the demo: the same seed gives the same data whatever the time zone or the day it runs, and two
demos started at once leave exactly one dataset (the other stops with a clear line)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from inspections.demo import generate as demo_generate
from inspections.demo import generate_demo
from inspections.workspace import open_workspace
from tests.test_hostile_cli import ROOT, cli

DEMO_TABLES = ("institutions", "rounds", "round_entries", "inspections", "item_results", "findings", "finding_events",
               "attachments", "blobs")


def _demo_rows(db_file: Path) -> dict[str, list[str]]:
    """Every row the demo wrote, without the columns holding the built-in checklists' ids (random per database)."""
    rows: dict[str, list[str]] = {}
    with sqlite3.connect(db_file) as conn:
        for table in DEMO_TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            kept = [c for c in columns if "template" not in c and c not in ("item_id",)]
            rows[table] = sorted(repr(r) for r in conn.execute(f"SELECT {', '.join(kept)} FROM {table}"))
    conn.close()
    return rows


class _Day(date):
    """date whose today() is set by the test (the machine's local date, which the time zone moves)."""

    fixed = date(2026, 11, 1)

    @classmethod
    def today(cls) -> _Day:
        return cls(cls.fixed.year, cls.fixed.month, cls.fixed.day)


def test_the_same_seed_gives_the_same_data_on_any_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_generate, "date", _Day)
    dumps = []
    for n, today in enumerate((date(2026, 11, 1), date(2027, 3, 20))):
        _Day.fixed = today
        db = open_workspace(None, tmp_path / str(n), backup=False)
        try:
            generate_demo(db, institutions=6, months=3, seed=11, end_month="2026-10")
        finally:
            db.close()
        dumps.append(_demo_rows(tmp_path / str(n) / "yuangan.db"))
    assert dumps[0]["findings"] and dumps[0] == dumps[1]


def test_the_same_seed_gives_the_same_data_in_any_time_zone(tmp_path: Path) -> None:
    dumps = []
    for zone in ("Etc/GMT-14", "Etc/GMT+12"):  # 26 hours apart: never the same date
        folder = tmp_path / zone.replace("/", "_")
        result = cli(folder, "demo", "--institutions", "5", "--months", "2", "--seed", "3", "--end-month", "2026-10",
                     env={"TZ": zone})
        assert result.returncode == 0, result.stderr
        dumps.append(_demo_rows(folder / "yuangan.db"))
    assert dumps[0]["inspections"] and dumps[0] == dumps[1]


def test_two_demos_started_at_once_leave_one_dataset(tmp_path: Path) -> None:
    assert cli(tmp_path, "checklists", "list").returncode == 0
    runs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), "demo", "--institutions", "6",
             "--months", "3", "--seed", seed, "--end-month", "2026-10"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        for seed in ("1", "2")
    ]
    outcomes = sorted((run.wait(timeout=300), *run.communicate()) for run in runs)
    (ok, out, _), (refused, _, err) = outcomes
    assert ok == 0 and "演示数据已生成" in out
    # The second waited for the first ("数据库正被另一个程序……占用，正在等待"), then found its data.
    assert refused == 2 and err.splitlines()[-1].startswith("错误：数据库中已有检查记录") and "Traceback" not in err
    with sqlite3.connect(tmp_path / "yuangan.db") as conn:
        assert conn.execute("SELECT count(*) FROM institutions").fetchone() == (6,)
        assert conn.execute("SELECT count(*) FROM rounds").fetchone() == (3,)
    conn.close()
    check = cli(tmp_path, "check")
    assert check.returncode == 0, check.stdout + check.stderr
