"""City-scale benchmarks: build (once, cached) a 500-institution × 60-month database with the demo generator,
then print each figure's median of several runs next to its target and its baseline.

Usage: python3 tasks.py bench [--institutions N] [--months M] [--runs R] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
TODAY = date(2026, 11, 28)
MONTH = "2026-11"


def median_of(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def build_city(folder: Path, institutions: int, months: int, rebuild: bool) -> float:
    """Build the city database once; returns the seconds it took (0 when cached)."""
    marker = folder / "complete"
    if marker.exists() and not rebuild:
        return 0.0
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--data-dir",
            str(folder),
            "demo",
            "--institutions",
            str(institutions),
            "--months",
            str(months),
            "--seed",
            "2026",
            "--end-month",
            MONTH,
        ],
        check=True,
    )
    marker.write_text("ok")
    return time.perf_counter() - start


def child_env() -> dict[str, str]:
    """Child processes write and use bytecode caches as on a user's machine (this sandbox disables them)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def child_seconds(code: str, runs: int, events: tuple[str, ...] = ("shown",)) -> dict[str, float]:
    """Median wall time from starting a fresh Python process running ``code`` until it prints each of ``events``
    (one line each, in order), after one warm-up run that fills the bytecode cache."""
    env = child_env()

    def once() -> dict[str, float]:
        start = time.perf_counter()
        seen: dict[str, float] = {}
        with subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as p:
            assert p.stdout is not None
            for line in p.stdout:
                seen.setdefault(line.strip(), time.perf_counter() - start)
            p.wait()
        if list(seen)[: len(events)] != list(events):
            raise RuntimeError(f"the child reported {list(seen)}, expected {list(events)}")
        return seen

    once()
    results = [once() for _ in range(runs)]
    return {event: statistics.median(r[event] for r in results) for event in events}


BARE_WINDOW = """
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
app = QApplication([])
w = QMainWindow(); w.resize(1366, 768); w.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit())); app.exec()
"""

# The application's own start-up path (ui.app.run_gui), reporting when the window is shown, when the database is
# open and the last page activated, and when the dashboard shows its numbers; then it closes its window.
APP_WINDOW = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from ui.app import run_gui

def probe(event, window):
    print(event, flush=True)
    if event == "ready":
        window.show_page("dashboard")
        page = window.pages["dashboard"]
        def poll():
            if page.data is not None:
                print("filled", flush=True)
                window.close()
            else:
                QTimer.singleShot(2, poll)
        poll()

sys.exit(run_gui(None, Path({data!r}), probe=probe))
"""


EDITOR_OPEN = """
import statistics, sys, time, uuid
from pathlib import Path
from PySide6.QtWidgets import QApplication
from ui.app import create_application, open_context
from ui.pages.editor import InspectionEditor
app = create_application()
ctx = open_context(None, Path({data!r}))
times = []
for _ in range(5):
    start = time.perf_counter()
    editor = InspectionEditor(ctx, uuid.UUID({inspection!r}))
    editor.resize(1366, 768)
    editor.show()
    editor.activate()
    while editor.view is None:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    times.append(time.perf_counter() - start)
    editor.close()
    editor.deleteLater()
    app.processEvents()
ctx.tasks.shutdown(wait=True)
print(statistics.median(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    folder = CACHE / f"city-{args.institutions}x{args.months}"
    built = build_city(folder, args.institutions, args.months, args.rebuild)

    from sqlalchemy import func, select, text

    from inspections import analytics
    from inspections.workflow import load_inspection, record_answer, start_inspection
    from inspections.workspace import open_workspace
    from models.inspection import Inspection, ItemResult
    from models.reference import Institution

    db = open_workspace(None, folder, backup=False)
    with db.session() as s:
        n_inspections = s.scalar(select(func.count()).select_from(Inspection))
        n_results = s.scalar(select(func.count()).select_from(ItemResult))
    rows: list[tuple[str, float, str, str]] = []
    if built:
        rows.append(("build the city database (demo generator)", built, "minutes", ""))

    # Dashboard numbers vs hand-written SQL for the same figures.
    def dash() -> object:
        with db.session() as s:
            return analytics.dashboard(s, MONTH, TODAY)

    dash_median, _ = median_of(dash, args.runs)

    def hand_sql() -> object:
        with db.session() as s:
            conn = s.connection()
            out = [
                conn.execute(
                    text(
                        "SELECT round_entries.status, count(*) FROM round_entries JOIN rounds ON rounds.id = round_id "
                        "WHERE rounds.month = :m GROUP BY round_entries.status"
                    ),
                    {"m": MONTH},
                ).all(),
                conn.execute(
                    text(
                        "SELECT substr(date, 1, 7), avg(score), count(*) FROM inspections "
                        "WHERE status = 'finalized' AND kind = 'supervision' AND date >= '2025-12-01' "
                        "GROUP BY 1"
                    )
                ).all(),
                conn.execute(
                    text(
                        "SELECT institution_id, count(*), min(deadline) FROM findings "
                        "WHERE status IN ('open', 'failed') AND deadline < :t GROUP BY 1 "
                        "ORDER BY 2 DESC LIMIT 10"
                    ),
                    {"t": TODAY.isoformat()},
                ).all(),
                conn.execute(
                    text(
                        "SELECT ci.code, sum(r.response IN ('fail', 'partial')), "
                        "sum(r.response NOT IN ('na', 'not_checked')) FROM item_results r "
                        "JOIN inspections i ON i.id = r.inspection_id "
                        "JOIN checklist_items ci ON ci.id = r.item_id "
                        "WHERE i.status = 'finalized' AND i.kind = 'supervision' "
                        "AND i.date BETWEEN '2026-09-01' AND '2026-11-30' "
                        "GROUP BY ci.code "
                        "ORDER BY 2 DESC LIMIT 10"
                    )
                ).all(),
            ]
            return out

    sql_median, _ = median_of(hand_sql, args.runs)
    rows.append(
        (
            "dashboard numbers (analytics.dashboard)",
            dash_median,
            "< 0.300 s, ≤ 2× SQL",
            f"{dash_median / sql_median:.2f}× hand SQL ({sql_median:.3f} s)",
        )
    )

    # Opening a large inspection (every checklist version: about 300 items) and recording answers durably.
    from models.checklist import ChecklistTemplate

    with db.begin() as s:
        big = s.scalars(select(Institution).where(Institution.level == 3, Institution.has_fever_clinic)).first()
        assert big is not None
        every_version = list(s.scalars(select(ChecklistTemplate.id).order_by(ChecklistTemplate.code)))
        inspection_id = start_inspection(
            s, "bench", institution_id=big.id, on=TODAY, inspectors=["bench"], template_ids=every_version
        )

    def open_editor_data() -> object:
        with db.session() as s:
            return load_inspection(s, inspection_id)

    view = open_editor_data()
    items = view.items()  # type: ignore[attr-defined]
    open_median, _ = median_of(open_editor_data, args.runs)
    rows.append((f"load a {len(items)}-item inspection (core data)", open_median, "", ""))
    editor_code = EDITOR_OPEN.replace("{data!r}", repr(str(folder))).replace("{inspection!r}", repr(str(inspection_id)))
    editor = subprocess.run(
        [sys.executable, "-c", editor_code],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    editor_median = float(editor.stdout.strip().splitlines()[-1])
    rows.append((f"open a {len(items)}-item inspection in the editor (window)", editor_median, "< 0.200 s", ""))

    latencies = []
    for n in range(200):
        item = items[n % len(items)]
        start = time.perf_counter()
        with db.begin() as s:
            record_answer(
                s,
                "bench",
                inspection_id,
                item.item_id,
                response="pass" if n % 3 else "partial",
                note=f"记录 {uuid.uuid4().hex[:6]}",
            )
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    rows.append(("record one answer, durable (median)", statistics.median(latencies), "< 0.005 s", ""))
    rows.append(("record one answer, durable (p99)", latencies[int(len(latencies) * 0.99) - 1], "< 0.025 s", ""))

    # Cold start to the main window, against a bare QMainWindow started the same way.
    bare = child_seconds(BARE_WINDOW, args.runs)["shown"]
    try:
        app = child_seconds(APP_WINDOW.replace("{data!r}", repr(str(folder))), args.runs, ("shown", "ready", "filled"))
        rows.append(
            (
                "cold start to main window shown (offscreen, city DB)",
                app["shown"],
                "< 1 s, ≤ 3× bare",
                f"{app['shown'] / bare:.2f}× bare QMainWindow ({bare:.3f} s)",
            )
        )
        rows.append(("  … database open, last page active", app["ready"], "—", ""))
        rows.append(("  … dashboard shows its numbers", app["filled"], "—", ""))
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        rows.append(("cold start to main window", float("nan"), "< 1 s", f"failed: {exc}"))

    # Importing a month's package: 50 finalized inspections with their photos, into a fresh database each run.
    import tempfile

    from inspections.packages import export_inspections, import_package

    with db.session() as s:
        chosen = list(
            s.scalars(
                select(Inspection.id)
                .where(
                    Inspection.status == "finalized",
                    Inspection.kind == "supervision",
                    Inspection.date >= date(2026, 10, 1),
                    Inspection.date <= date(2026, 10, 31),
                )
                .order_by(Inspection.date)
                .limit(50)
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "month.zip"
        with db.session() as s:
            export_inspections(s, package, exporter="bench", inspection_ids=chosen)
        size_mb = package.stat().st_size / 1e6
        import_times = []
        for n in range(args.runs):
            target = open_workspace(None, Path(tmp) / f"import-{n}", backup=False)
            start = time.perf_counter()
            with target.begin() as s:
                import_package(s, "bench", package)
            import_times.append(time.perf_counter() - start)
            target.close()
    rows.append(
        (
            f"import a month's package ({len(chosen)} inspections, {size_mb:.1f} MB)",
            statistics.median(import_times),
            "< 5 s",
            "",
        )
    )

    # Peak memory of a process with the city database open and the dashboard computed.
    peak_code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from datetime import date\n"
        "from inspections.workspace import open_workspace\n"
        "from inspections import analytics\n"
        f"db = open_workspace(None, Path({str(folder)!r}))\n"
        "with db.session() as s: analytics.dashboard(s, '2026-11', date(2026, 11, 28))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", peak_code], check=True, capture_output=True, text=True, cwd=ROOT)
    peak_mb = int(out.stdout.strip().splitlines()[-1]) / 1024
    rows.append(("peak memory, city DB open + dashboard (MB)", peak_mb, "< 400 MB", ""))

    db.close()

    # The documents: their own benchmark prints medians against a bare ReportLab baseline.
    report = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "report_bench.py")], capture_output=True, text=True, cwd=ROOT
    )
    print(report.stdout)
    print(f"\n城市规模数据：{n_inspections} 份检查，{n_results} 条检查项结果（{folder}）")
    print(f"{'figure':58} {'median':>10}  {'target':22} baseline")
    for name, value, target, baseline in rows:
        shown = f"{value:.0f} MB" if name.startswith("peak memory") else f"{value:.4f} s"
        print(f"{name:58} {shown:>10}  {target:22} {baseline}")


if __name__ == "__main__":
    main()
