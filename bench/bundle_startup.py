"""Start-up of the built program against running from source (docs/BUILD.md):

    .venv/bin/python bench/bundle_startup.py dist/yuangan/yuangan [rounds]

Runs both alternately, each round timing ``--version`` and launch → window ready (offscreen; the moment the log gets
its "ready" line), and prints the medians and the ratio built / source.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ready(command: list[str], data: Path, count: int) -> float:
    log = data / "logs" / "yuangan.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--data-dir", str(data)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while not (log.exists() and log.read_text(encoding="utf-8").count(" ready: ") >= count):
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} ended before its window was ready")
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    return elapsed


def _version(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*command, "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def main(program: Path, rounds: int) -> None:
    commands = {"source": [sys.executable, str(ROOT / "main.py")], "built": [str(program)]}
    times: dict[str, dict[str, list[float]]] = {k: {"--version": [], "window ready": []} for k in commands}
    folders = {k: Path(tempfile.mkdtemp(prefix=f"yg-start-{k}-")) for k in commands}
    for key, command in commands.items():
        _ready(command, folders[key], 1)  # the first start creates the database; not timed
    for n in range(rounds):
        for key, command in commands.items():
            times[key]["--version"].append(_version(command))
            times[key]["window ready"].append(_ready(command, folders[key], n + 2))
    for what in ("--version", "window ready"):
        source, built = (statistics.median(times[k][what]) for k in commands)
        print(f"{what}: source {source:.2f} s, built {built:.2f} s, ratio {built / source:.2f} (medians of {rounds})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 7)
