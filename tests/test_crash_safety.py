"""Crash safety: a recorder killed with SIGKILL at random moments, 20 times over, loses nothing it reported saved."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from inspections.integrity import check_database
from models.audit import AuditEvent
from models.checklist import ChecklistItem
from models.database import open_database
from models.inspection import Attachment, Blob, ItemResult
from tests.crash_child import setup

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "crash_child.py"
KILLS = 20
MAX_WRITING = 0.4
"""Most recorders are killed up to this long after they start writing; every fourth while it may still be opening."""


@dataclass(frozen=True)
class Reported:
    run: int
    n: int
    item_id: uuid.UUID
    response: str
    note: str


def _parse_note(note: str) -> tuple[int, int]:
    run, n = note.removeprefix("r").split("-n")
    return int(run), int(n)


class Zygote:
    """tests/crash_child.py --zygote, with its stdout read by a thread into a queue."""

    def __init__(self, data_dir: Path, inspection_id: uuid.UUID) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), "--zygote", str(data_dir), str(inspection_id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,  # stderr is inherited: a recorder's traceback shows in the test's output
            cwd=ROOT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self) -> str:
        line = self.lines.get(timeout=30)
        if line is None:
            raise AssertionError("the zygote died (see its stderr above)")
        return line

    def start(self, run: int) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{run}\n")
        self.proc.stdin.flush()
        line = self.next_line()
        assert line.startswith("pid "), line
        return int(line.split()[1])

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        self.proc.stdout.close()


def test_answers_reported_saved_survive_sigkill_at_random_moments(tmp_path: Path) -> None:
    inspection_id = setup(tmp_path)

    rng = random.Random(20261128)
    reported: list[Reported] = []
    photos: dict[uuid.UUID, str] = {}  # attachment id → the note of the unit that added it
    photo_ns: list[tuple[int, int]] = []
    runs_with_answers = 0
    zygote = Zygote(tmp_path, inspection_id)
    try:
        for run in range(KILLS):
            pid = zygote.start(run)
            if run % 4 != 3:
                line = zygote.next_line()
                assert line == f"ready {run}", line
            time.sleep(rng.uniform(0.0, MAX_WRITING))
            os.kill(pid, signal.SIGKILL)
            saved_before = len(reported)
            while True:
                line = zygote.next_line()
                kind, _, rest = line.partition(" ")
                if kind == "saved":
                    item, response, note = rest.split(" ")
                    reported.append(Reported(*_parse_note(note), uuid.UUID(item), response, note))
                elif kind == "photo":
                    attachment, note = rest.split(" ")
                    photos[uuid.UUID(attachment)] = note
                    photo_ns.append(_parse_note(note))
                elif kind == "ended":
                    status = int(rest.split()[1])
                    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                        f"recorder {run} ended by itself (status {status}); see its stderr above"
                    )
                    break
                else:
                    assert kind == "ready", line
            runs_with_answers += len(reported) > saved_before
    finally:
        zygote.close()
    assert len(reported) >= 60 and runs_with_answers >= KILLS // 2, "too few answers to mean anything"

    db = open_database(None, tmp_path)
    try:
        report = check_database(db)
        assert report.ok, report.problems
        with db.session() as s:
            audited = {
                e.after["note"]: e.after["response"]
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.answer"))
            }
            attached = {a.id: (a.filename, s.get(Blob, a.sha256) is not None) for a in s.scalars(select(Attachment))}
            stored = {
                item_id: (response, note)
                for item_id, response, note in s.execute(
                    select(ItemResult.item_id, ItemResult.response, ItemResult.note).where(
                        ItemResult.inspection_id == inspection_id
                    )
                )
            }
            assert s.scalar(select(ChecklistItem.id).limit(1)) is not None
    finally:
        db.close()

    # Every answer reported saved is in the audit log with its value.
    missing = [r.note for r in reported if audited.get(r.note) != r.response]
    assert not missing, f"answers reported saved but lost: {missing[:10]}"

    # Every photo reported saved is attached, under its name, with its stored bytes.
    assert photos, "no photo was added before a kill"
    lost = [note for aid, note in photos.items() if attached.get(aid) != (f"{note}.jpg", True)]
    assert not lost, f"photos reported saved but lost: {lost[:10]}"

    # Each item holds its last reported answer, or a later one that was committed just before the kill
    # (the recorder died between commit and print): the write right after its run's last report.
    last_reported_n = {run: -1 for run in range(KILLS)}
    latest: dict[uuid.UUID, Reported] = {}
    for run, n in photo_ns:
        last_reported_n[run] = max(last_reported_n[run], n)
    for r in reported:
        last_reported_n[r.run] = max(last_reported_n[r.run], r.n)
        latest[r.item_id] = r
    for item_id, r in latest.items():
        assert item_id in stored, f"item {item_id} lost its answer {r.note}"
        response, note = stored[item_id]
        if note == r.note:
            assert response == r.response
        else:
            run, n = _parse_note(note)
            assert (run, n) > (r.run, r.n), f"{item_id}: holds {note}, older than the reported {r.note}"
            assert n == last_reported_n[run] + 1, f"{item_id}: holds {note}, which was neither reported nor in flight"
