"""Killed right after an answer was shown as saved, the process has lost nothing when the database is reopened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import select

from models.database import open_database, sqlite_url
from models.inspection import ItemResult
from tests.ui.helpers import start_inspection
from ui.context import AppContext

ROOT = Path(__file__).resolve().parents[2]


def test_answer_shown_as_saved_survives_sigkill(demo_context: AppContext) -> None:
    inspection_id = start_inspection(demo_context)
    assert demo_context.db is not None
    demo_context.db.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("record_then_wait.py")),
            str(demo_context.data_dir),
            str(inspection_id),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("SAVED "), (line, process.stderr.read() if process.poll() is not None else "")
        _, item_id, label = line.split(maxsplit=2)
        assert label.startswith("已保存")
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(10)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    db = open_database(sqlite_url(demo_context.data_dir / "yuangan.db"), demo_context.data_dir, migrate=False)
    try:
        with db.session() as s:
            result = s.scalar(
                select(ItemResult).where(
                    ItemResult.inspection_id == inspection_id, ItemResult.item_id == uuid.UUID(item_id)
                )
            )
            assert result is not None
            assert (result.response, result.note) == ("fail", "x-ray door")
    finally:
        db.close()
