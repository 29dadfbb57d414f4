"""Rounds from the command line: plan a month, see its coverage, start an entry's inspection, mark one not done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run


def test_a_round_from_plan_to_coverage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, _, _ = run(capsys, data, "demo", "--institutions", "4", "--months", "1", "--end-month", "2026-10")
    assert code == 0
    code, out, _ = run(capsys, data, "rounds", "create", "--month", "2026-12", "--team", "张伟、李娜")
    assert code == 0 and "已创建督导批次“2026年12月督导检查”" in out
    round_id = out.strip().splitlines()[-1]
    code, out, _ = run(capsys, data, "rounds", "list", "--month", "2026-12", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [round_id] and rows[0]["planned"] >= 1 and rows[0]["done"] == 0
    code, out, _ = run(capsys, data, "rounds", "show", round_id, "--json")
    entries = json.loads(out)["entries"]
    first, second = entries[0]["id"], entries[1]["id"]
    code, out, _ = run(capsys, data, "rounds", "start", first, "--date", "2026-12-03")
    inspection_id = out.strip()
    assert code == 0
    code, out, _ = run(capsys, data, "rounds", "start", first, "--date", "2026-12-03")
    assert out.strip() == inspection_id  # the same draft is continued, not a second one started
    code, out, _ = run(capsys, data, "rounds", "skip", second, "--reason", "机构停诊装修")
    assert code == 0
    code, out, _ = run(capsys, data, "rounds", "show", round_id)
    assert "机构停诊装修" in out and "未完成" in out and "草稿" in out
    code, out, _ = run(capsys, data, "rounds", "list")
    assert "2026年12月督导检查" in out and "张伟、李娜" in out
    code, out, _ = run(capsys, data, "rounds", "reopen", second)
    assert code == 0
    code, out, _ = run(capsys, data, "rounds", "show", round_id, "--json")
    assert {e["status"] for e in json.loads(out)["entries"] if e["id"] == second} == {"planned"}


def test_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, _, err = run(capsys, data, "rounds", "show", "not-an-id")
    assert code == 2 and "不是有效的督导批次编号" in err and "Traceback" not in err
    code, _, err = run(capsys, data, "rounds", "create", "--month", "2026-13", "--team", "张伟")
    assert code == 2 and err.startswith("错误：")
    code, out, _ = run(capsys, data, "rounds", "list")
    assert code == 0 and "尚无督导批次" in out
