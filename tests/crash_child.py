"""The recording child of tests/test_crash_safety.py: saves answers in a loop and reports each one after its commit.

Alone (loops until killed)::

    .venv/bin/python tests/crash_child.py --setup DATA_DIR          # a draft inspection to record into; prints its id
    .venv/bin/python tests/crash_child.py DATA_DIR INSPECTION_ID RUN

prints ``saved ITEM_ID RESPONSE NOTE`` on stdout (flushed, one write) after each unit of work has committed, the
way the window saves an answer; every sixth unit adds a photo instead and prints ``photo ATTACHMENT_ID NOTE``.
With ``--zygote`` it imports everything once and then forks one fresh recorder for each line ``RUN`` read from
stdin (no database is open in the zygote), printing ``pid PID`` when the recorder starts and ``ended PID STATUS``
when it has died: the test kills recorders without paying for a new interpreter (~1 s of imports) twenty times.
"""

from __future__ import annotations

import io
import os
import random
import sys
import traceback
import uuid
from datetime import date
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from inspections.workflow import add_item_photo, load_inspection, record_answer, start_inspection  # noqa: E402
from inspections.workspace import open_workspace  # noqa: E402
from models.reference import Institution  # noqa: E402

ACTOR = "崩溃测试"


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))  # one write(2) of a short line: atomic on a pipe


def setup(data_dir: Path) -> uuid.UUID:
    """A workspace in ``data_dir`` with one institution (with a fever clinic) and a draft inspection of it."""
    db = open_workspace(None, data_dir)
    try:
        with db.begin() as s:
            institution = Institution(name="崩溃测试医院", level=2, has_fever_clinic=True, district="上街区")
            s.add(institution)
            s.flush()
            return start_inspection(s, ACTOR, institution_id=institution.id, on=date(2026, 11, 20), inspectors=[ACTOR])
    finally:
        db.close()


def record_forever(data_dir: Path, inspection_id: uuid.UUID, run: int) -> NoReturn:
    """Open the workspace as the application does and save random answers, one unit of work each, until killed."""
    db = open_workspace(None, data_dir)
    with db.session() as s:
        items = [(item.item_id, [o.code for o in item.options]) for item in load_inspection(s, inspection_id).items()]
    rng = random.Random(run)
    _say(f"ready {run}")
    n = 0
    while True:
        item_id, options = rng.choice(items)
        note = f"r{run}-n{n}"
        if n % 6 == 5:  # now and then a photo, as an inspector adds one to an item
            with db.begin() as s:
                attachment_id = add_item_photo(s, ACTOR, inspection_id, item_id, _jpeg(rng), filename=f"{note}.jpg")
            _say(f"photo {attachment_id} {note}")
        else:
            response = rng.choice(options)
            with db.begin() as s:
                record_answer(s, ACTOR, inspection_id, item_id, response=response, note=note)
            _say(f"saved {item_id} {response} {note}")
        n += 1


def _jpeg(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _child(data_dir: Path, inspection_id: uuid.UUID, run: int) -> NoReturn:
    try:
        record_forever(data_dir, inspection_id, run)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
    os._exit(3)


def zygote(data_dir: Path, inspection_id: uuid.UUID) -> None:
    for line in sys.stdin:
        run = int(line)
        pid = os.fork()
        if pid == 0:
            _child(data_dir, inspection_id, run)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"ended {pid} {status}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--setup":
        print(setup(Path(args[1])))
    elif args and args[0] == "--zygote":
        zygote(Path(args[1]), uuid.UUID(args[2]))
    else:
        _child(Path(args[0]), uuid.UUID(args[1]), int(args[2]))
