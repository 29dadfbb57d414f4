"""The command line: headless jobs over the same services; a user's mistake is one clear line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inspections.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_checklists_list_export_and_reimport(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "checklists", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"triage", "fever-clinic-zoning"} <= {r["code"] for r in rows}
    target = tmp_path / "triage.yaml"
    code, out, _ = run(capsys, tmp_path, "checklists", "export", "triage", "-o", str(target))
    assert code == 0 and "预检分诊" in target.read_text(encoding="utf-8")
    code, out, _ = run(capsys, tmp_path, "checklists", "import", str(target))
    assert code == 0 and "内容未变化" in out


def test_mistakes_give_one_clear_line_and_change_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\ncode: x\nversion: 1\ntitle: 表\nsections:\n  - code: A\n    titel: 错\n",
                   encoding="utf-8")
    _, before, _ = run(capsys, tmp_path, "checklists", "list", "--json")
    code, _, err = run(capsys, tmp_path, "checklists", "import", str(bad))
    assert code == 2 and err.startswith("错误：") and "bad.yaml" in err and "Traceback" not in err
    code, _, err = run(capsys, tmp_path, "checklists", "import", str(tmp_path / "missing.yaml"))
    assert code == 2 and "找不到文件" in err
    code, _, err = run(capsys, tmp_path, "score", "not-an-id")
    assert code == 2 and "不是有效的检查编号" in err
    code, _, err = run(capsys, tmp_path, "score", "00000000-0000-4000-8000-000000000000")
    assert code == 2 and "找不到检查记录" in err
    code, _, err = run(capsys, tmp_path, "checklists", "export", "nope", "-o", str(tmp_path / "x.yaml"))
    assert code == 2 and "找不到检查表" in err
    _, after, _ = run(capsys, tmp_path, "checklists", "list", "--json")
    assert before == after


def test_demo_then_list_score_and_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "demo", "--institutions", "8", "--months", "3", "--seed", "7",
                       "--end-month", "2026-11")
    assert code == 0 and "演示数据已生成" in out
    code, out, _ = run(capsys, tmp_path, "inspections", "list", "--json", "--status", "finalized")
    rows = json.loads(out)
    assert code == 0 and rows and all(r["status"] == "finalized" for r in rows)
    code, out, _ = run(capsys, tmp_path, "score", rows[0]["id"])
    assert code == 0 and "得分率 = 实得分" in out and "总计" in out
    code, out, _ = run(capsys, tmp_path, "institutions", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 8
    code, out, _ = run(capsys, tmp_path, "check")
    assert code == 0 and "检查通过" in out


def test_demo_is_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        run(capsys, tmp_path / name, "demo", "--institutions", "5", "--months", "2", "--seed", "3",
            "--end-month", "2026-10")
        _, out, _ = run(capsys, tmp_path / name, "inspections", "list", "--json")
        outputs.append(out)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])


def test_the_real_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), "institutions", "import",
         str(tmp_path / "nothing.xlsx")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("错误：") and "Traceback" not in result.stderr


def test_documents_and_exports_from_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    run(capsys, tmp_path, "demo", "--institutions", "4", "--months", "2", "--seed", "5", "--end-month", "2026-10")
    _, out, _ = run(capsys, tmp_path, "inspections", "list", "--json", "--status", "finalized")
    inspection = json.loads(out)[0]
    pdf = tmp_path / "反馈单.pdf"
    code, out, _ = run(capsys, tmp_path, "report", "inspection", inspection["id"], "-o", str(pdf))
    assert code == 0
    # Demo inspections predate the register: the first print issues the number, a reprint prints it again.
    assert "（文号 院感督〔2026〕" in out
    code, again, _ = run(capsys, tmp_path, "report", "inspection", inspection["id"], "-o", str(tmp_path / "2.pdf"))
    assert code == 0 and again.split("（")[1] == out.split("（")[1]
    text = PdfReader(pdf).pages[0].extract_text()
    assert "督导检查反馈单" in text and inspection["institution_name"] in text
    code, out, _ = run(capsys, tmp_path, "report", "bulletin", "2026-10", "-o", str(tmp_path / "通报.pdf"))
    assert code == 0 and "通报" in PdfReader(tmp_path / "通报.pdf").pages[0].extract_text()
    assert "（文号 院感督通报〔2026〕1号）" in out
    code, out, _ = run(capsys, tmp_path, "check")
    assert code == 0 and "文号：已出具 2 个，无重复" in out
    code, out, _ = run(capsys, tmp_path, "export", "ledger", "-o", str(tmp_path / "台账.xlsx"))
    assert code == 0 and "已导出" in out
    sheet = load_workbook(tmp_path / "台账.xlsx").worksheets[0]
    assert sheet.max_row > 1
    # A month before any inspection: an empty bulletin, not a crash.
    code, out, _ = run(capsys, tmp_path, "report", "bulletin", "2024-01", "-o", str(tmp_path / "空.pdf"))
    assert "未编文号" in out
    assert code == 0 and "暂无" in "".join(p.extract_text() for p in PdfReader(tmp_path / "空.pdf").pages)
    # …and not an issued document: no 文号 spent on a month with nothing planned or inspected (a typo'd month).
    code, out, _ = run(capsys, tmp_path, "check")
    assert code == 0 and "文号：已出具 2 个，无重复" in out
    code, _, err = run(capsys, tmp_path, "report", "bulletin", "2026-13", "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "YYYY-MM" in err and not (tmp_path / "x.pdf").exists()
