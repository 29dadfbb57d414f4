"""Set-up and developer tasks that need nothing but Python: `python3 tasks.py run | test | bench | build`.

The first call creates `.venv` and installs the project with its test tools; later calls reinstall only when
pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("YG_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PY.exists():
        return
    if not PY.exists():
        print(f"创建虚拟环境 {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    print("安装依赖 …", flush=True)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev,server]"], check=True)
    STAMP.write_text(wanted)


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    """The PyInstaller command line (after the interpreter) building the one-folder program into ``dist``/yuangan."""
    spec = ROOT / "installer" / "yuangan.spec"
    return ["-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(dist), "--workpath", str(work), str(spec)]


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (links not followed, so none counted twice)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(python: Path, dist: Path = ROOT / "dist", work: Path = ROOT / "build" / "pyinstaller") -> Path:
    """Build the program into dist/yuangan (see docs/BUILD.md); returns the program's path."""
    shutil.rmtree(dist / "yuangan", ignore_errors=True)
    started = time.monotonic()
    _run(python, *pyinstaller_args(dist, work))
    elapsed = time.monotonic() - started
    program = dist / "yuangan" / ("yuangan.exe" if os.name == "nt" else "yuangan")
    _run(program, "--version")
    size = folder_size(dist / "yuangan") / 1024**2
    print(f"已构建 {dist / 'yuangan'}：{size:.0f} MB，用时 {elapsed:.0f} 秒。程序：{program}")
    return program


def main(argv: list[str]) -> None:
    task = argv[0] if argv else "run"
    rest = argv[1:]
    _ensure_venv()
    if task == "run":
        _run(PY, ROOT / "main.py", *rest)
    elif task == "test":
        _run(BIN / "ruff", "check", ".")
        _run(BIN / "mypy")
        _run(BIN / "lint-imports")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        _run(PY, "-m", "pytest", *rest, env=env)
    elif task == "bench":
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        _run(PY, ROOT / "bench" / "run.py", *rest, env=env)
    elif task == "build":
        build(PY)
    else:
        sys.exit(f"未知任务：{task}（可用：run、test、bench、build）")


if __name__ == "__main__":
    main(sys.argv[1:])
