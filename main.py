"""院感督导 entry point: no arguments start the window; sub-commands run headless jobs (see --help)."""

from __future__ import annotations

import sys
from pathlib import Path


def _run_gui(database: str | None, data_dir: Path, package: Path | None) -> int:
    from ui.app import run_gui

    return run_gui(database, data_dir, package=package)


def main() -> int:
    from inspections.cli import main as cli_main

    return cli_main(sys.argv[1:], gui=_run_gui)


if __name__ == "__main__":
    sys.exit(main())
