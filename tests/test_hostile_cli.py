"""Hostile cases of issue 18 that are seen on the command line: no traceback, no raw control characters, a quiet
end when the reader of the output goes away, one 错误： line for what cannot be opened."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(data: Path, *args: str, code: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (or ``code`` before it, to inject a failure) in a child process."""
    prefix = [sys.executable, "-c", code] if code else [sys.executable, str(ROOT / "main.py")]
    return subprocess.run(
        [*prefix, "--data-dir", str(data), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("错误："), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_an_unexpected_error_is_logged_and_shown_as_one_line(tmp_path: Path) -> None:
    inject = textwrap.dedent("""
        import sys
        import inspections.cli.core as core
        def boom(args):
            raise RuntimeError("injected failure 7f3a")
        core._check = boom
        from inspections.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    result = cli(tmp_path, "check", code=inject)
    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    log = tmp_path / "logs" / "yuangan.log"
    assert str(log) in line and "程序内部错误" in line
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "injected failure 7f3a" in logged and "def boom" not in result.stderr


def test_a_closed_pipe_ends_the_output_quietly(tmp_path: Path) -> None:
    # As `main.py checklists list --json | head -c 100`: the reader is gone before the program writes.
    assert cli(tmp_path, "checklists", "list").returncode == 0
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), "checklists", "list", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read().decode("utf-8")
    assert child.wait(timeout=120) == 141
    assert err == "", err


def test_control_characters_in_names_and_titles_are_never_printed_raw(tmp_path: Path) -> None:
    assert cli(tmp_path, "checklists", "list").returncode == 0
    hostile = "\x1b[2J\x1b]0;pwned\x07上街\r医院\n第二行\u202egnp.exe\u200b"
    with sqlite3.connect(tmp_path / "yuangan.db") as conn:  # as another tool (or an older version) stored it
        conn.execute("INSERT INTO institutions (id, version, name, level, category, district, address, contact,"
                      " has_fever_clinic, has_fever_sentinel, active, created_at, updated_at)"
                      " VALUES ('00000000000040008000000000000001', 1, ?, 2, '', '', '', '', 0, 0, 1,"
                      " '2026-11-01 00:00:00', '2026-11-01 00:00:00')", (hostile,))
        conn.execute("UPDATE checklist_templates SET title = ? WHERE code = 'triage'", (hostile,))
    for args in (("institutions", "list"), ("institutions", "list", "--json"), ("checklists", "list"),
                 ("checklists", "list", "--json")):
        result = cli(tmp_path, *args)
        assert result.returncode == 0, result.stderr
        for raw in ("\x1b", "\x07", "\r", "\u202e", "\u200b"):
            assert raw not in result.stdout, (args, raw)
        assert "上街" in result.stdout and "\\u202e" in result.stdout
        if "--json" not in args:
            assert "第二行" not in result.stdout.splitlines()[0] or "\\n第二行" in result.stdout


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg://yg:secret@127.0.0.1:1/nothing", ["无法连接数据库服务器", "127.0.0.1:1"]),
        ("postgresql://yg:secret@[::1/x", ["数据库地址"]),
        ("not a url at all", ["数据库地址"]),
        ("postgresql+nosuchdriver://yg:secret@127.0.0.1/x", ["数据库驱动"]),
        ("mysql+mysqldb://yg:secret@127.0.0.1/x", ["数据库驱动", "MySQLdb"]),
        ("sqlite:///:memory:", ["内存数据库"]),
    ],
)
def test_a_database_that_cannot_be_reached_or_named_gives_one_line(tmp_path: Path, url: str,
                                                                 words: list[str]) -> None:
    result = cli(tmp_path, "--database", url, "checklists", "list")
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    for word in words:
        assert word in line, line
    assert "secret" not in line and "程序内部错误" not in line


def test_a_document_that_cannot_be_written_issues_no_number(tmp_path: Path) -> None:
    assert cli(tmp_path, "demo", "--institutions", "4", "--months", "2", "--seed", "5",
               "--end-month", "2026-10").returncode == 0
    listed = cli(tmp_path, "inspections", "list", "--json", "--status", "finalized")
    import json

    inspection = json.loads(listed.stdout)[0]["id"]

    def issued() -> tuple[int, int]:
        with sqlite3.connect(tmp_path / "yuangan.db") as conn:
            numbers = conn.execute("SELECT count(*) FROM document_numbers").fetchone()[0]
            audited = conn.execute("SELECT count(*) FROM audit_events WHERE action = 'docnumber.issue'").fetchone()[0]
        conn.close()
        return numbers, audited

    before = issued()
    for kind, target in (("inspection", inspection), ("bulletin", "2026-10")):
        result = cli(tmp_path, "report", kind, target, "-o", "/nonexistent/x.pdf")
        assert result.returncode == 2 and _one_error_line(result.stderr).startswith("错误：无法写入文件")
        assert issued() == before
    # Written, the document gets its number (and the next print the same one).
    result = cli(tmp_path, "report", "inspection", inspection, "-o", str(tmp_path / "反馈单.pdf"))
    assert result.returncode == 0 and "文号" in result.stdout
    assert issued() == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize("limit", ["99999999999999999999", "-5", "1e3"])
def test_an_absurd_number_on_the_command_line_is_a_usage_error(tmp_path: Path, limit: str) -> None:
    result = cli(tmp_path, "inspections", "list", "--limit", limit)
    assert result.returncode == 2
    assert "--limit" in result.stderr and "整数" in result.stderr
    assert "Traceback" not in result.stderr and "程序内部错误" not in result.stderr
