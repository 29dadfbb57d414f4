"""City- and province-scale benchmarks: build (once, cached) a database, then print each figure's median of several
runs next to its target and its same-run baseline.

Usage:
  python3 tasks.py bench [--institutions N] [--months M] [--runs R] [--rebuild] [--json FILE]
  python3 tasks.py bench --quick --json FILE          a small city (100 × 12), every figure, in a few minutes
  python3 tasks.py bench --database postgresql+psycopg://USER:PASS@HOST/DB --institutions 2000 --months 60

SQLite cities are built with the demo generator (bench/.cache/city-NxM); a PostgreSQL province is written with bulk
COPY by bench/province.py into the (empty) database named, and remembered in bench/.cache/pg-NxM.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import (  # noqa: E402  (after the path is set)
    MONTH,
    Figure,
    bulletin_figures,
    check_figures,
    document_figures,
    export_figures,
    import_figure,
    median_of,
)

CACHE = ROOT / "bench" / ".cache"
TODAY = date(2026, 11, 28)


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
ctx = open_context({url!r}, Path({data!r}))
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


def hand_sql(conn: Any, postgres: bool, counts: bool = True) -> list[Any]:
    """The dashboard's figures as one hand-written statement each, on the same tables and windows. The common
    problems are summed from the monthly answer counts the application reads (``counts``) or counted from every item
    result (the dashboard's query before those counts existed)."""
    month = "to_char(date, 'YYYY-MM')" if postgres else "substr(date, 1, 7)"
    failed = (
        "count(*) FILTER (WHERE r.response IN ('fail', 'partial'))"
        if postgres
        else ("sum(r.response IN ('fail', 'partial'))")
    )
    answered = (
        "count(*) FILTER (WHERE r.response NOT IN ('na', 'not_checked'))"
        if postgres
        else ("sum(r.response NOT IN ('na', 'not_checked'))")
    )
    return [
        conn.execute(
            text(
                "SELECT round_entries.status, count(*) FROM round_entries JOIN rounds ON rounds.id = round_id "
                "WHERE rounds.month = :m GROUP BY round_entries.status"
            ),
            {"m": MONTH},
        ).all(),
        conn.execute(
            text(
                f"SELECT {month}, avg(score), count(*) FROM inspections "
                "WHERE status = 'finalized' AND kind = 'supervision' AND date >= '2025-12-01' GROUP BY 1"
            )
        ).all(),
        conn.execute(
            text(
                "SELECT institution_id, count(*), min(deadline) FROM findings "
                "WHERE status IN ('open', 'failed') AND deadline < :t GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
            ),
            {"t": TODAY},
        ).all(),
        conn.execute(
            text(
                "SELECT ci.code, sum(CASE WHEN c.response IN ('fail', 'partial') THEN c.count END), "
                "sum(CASE WHEN c.response NOT IN ('na', 'not_checked') THEN c.count END) FROM item_answer_counts c "
                "JOIN checklist_items ci ON ci.id = c.item_id WHERE c.kind = 'supervision' "
                "AND c.month BETWEEN '2026-09' AND '2026-11' GROUP BY ci.code ORDER BY 2 DESC LIMIT 10"
            )
            if counts
            else text(
                f"SELECT ci.code, {failed}, {answered} FROM item_results r "
                "JOIN inspections i ON i.id = r.inspection_id JOIN checklist_items ci ON ci.id = r.item_id "
                "WHERE i.status = 'finalized' AND i.kind = 'supervision' "
                "AND i.date BETWEEN '2026-09-01' AND '2026-11-30' GROUP BY ci.code ORDER BY 2 DESC LIMIT 10"
            )
        ).all(),
    ]


def build_database(args: argparse.Namespace) -> tuple[Path, str | None, float]:
    """The cached database (built when missing): its data folder, its URL (None: SQLite there), build seconds."""
    if args.database is None:
        folder = CACHE / f"city-{args.institutions}x{args.months}"
        return folder, None, build_city(folder, args.institutions, args.months, args.rebuild)
    from sqlalchemy.engine import make_url

    url = args.database
    name = make_url(url).database
    folder = CACHE / f"pg-{name}-{args.institutions}x{args.months}"
    marker = folder / "complete"
    if marker.exists() and not args.rebuild:
        return folder, url, 0.0
    from province import build_province

    folder.mkdir(parents=True, exist_ok=True)
    counts = build_province(url, folder, institutions=args.institutions, months=args.months, end_month=MONTH)
    marker.write_text(json.dumps(counts))
    return folder, url, float(counts["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=None)
    parser.add_argument("--months", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a small city (100 × 12) and 3 runs: minutes, not an hour")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure as JSON to this file")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL: the province benchmark on a server")
    parser.add_argument("--package-size", type=int, default=None, help="inspections in the imported package")
    args = parser.parse_args()
    args.institutions = args.institutions or (100 if args.quick else 500)
    args.months = args.months or (12 if args.quick else 60)
    args.runs = args.runs or (3 if args.quick else 5)
    postgres = args.database is not None
    package_size = args.package_size or (500 if postgres else 50)
    clock = time.perf_counter()
    load_before = os.getloadavg()[0]

    folder, url, built = build_database(args)

    from sqlalchemy import func, select

    from inspections import analytics
    from inspections.workflow import load_inspection, record_answer, start_inspection
    from inspections.workspace import open_workspace
    from models.inspection import Inspection, ItemResult
    from models.reference import Institution

    db = open_workspace(url, folder, backup=False)
    with db.session() as s:
        n_institutions = s.scalar(select(func.count()).select_from(Institution))
        n_inspections = s.scalar(select(func.count()).select_from(Inspection))
        n_results = s.scalar(select(func.count()).select_from(ItemResult))
    figures: list[Figure] = []
    if built:
        generator = "bulk COPY generator (bench/province.py)" if postgres else "demo generator"
        figures.append(Figure(f"build the database ({generator})", built, "minutes"))

    def dash() -> object:
        with db.session() as s:
            return analytics.dashboard(s, MONTH, TODAY)

    def sql() -> object:
        with db.session() as s:
            return hand_sql(s.connection(), postgres)

    def sql_every_result() -> object:
        with db.session() as s:
            return hand_sql(s.connection(), postgres, counts=False)

    dash()
    sql()  # warm both (caches, prepared plans) before timing
    dash_median, _ = median_of(dash, args.runs)
    sql_median, _ = median_of(sql, args.runs)
    figures.append(
        Figure("dashboard numbers (analytics.dashboard)", dash_median, "< 0.300 s, ≤ 2× hand SQL", 0.3, sql_median,
               "hand-written SQL, one statement per figure", 2.0)
    )  # fmt: skip
    sql_every_result()
    figures.append(
        Figure("the same hand SQL counting every item result (no answer counts)",
               median_of(sql_every_result, args.runs)[0])
    )  # fmt: skip

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
    figures.append(Figure(f"load a {len(items)}-item inspection (core data)", open_median))
    editor_code = (
        EDITOR_OPEN.replace("{data!r}", repr(str(folder)))
        .replace("{url!r}", repr(url))
        .replace("{inspection!r}", repr(str(inspection_id)))
    )
    editor = subprocess.run(
        [sys.executable, "-c", editor_code],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    editor_median = float(editor.stdout.strip().splitlines()[-1])
    figures.append(
        Figure(f"open a {len(items)}-item inspection in the editor (window)", editor_median, "< 0.200 s", 0.2,
               open_median, "core data alone")
    )  # fmt: skip

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
    answer_limit = 0.010 if postgres else 0.005
    figures.append(
        Figure("record one answer, durable (median)", statistics.median(latencies), f"< {answer_limit:.3f} s",
               answer_limit)
    )  # fmt: skip
    figures.append(
        Figure("record one answer, durable (p99)", latencies[int(len(latencies) * 0.99) - 1], "< 0.025 s", 0.025)
    )

    if not postgres:
        # Cold start to the main window, against a bare QMainWindow started the same way.
        bare = child_seconds(BARE_WINDOW, args.runs)["shown"]
        try:
            app = child_seconds(
                APP_WINDOW.replace("{data!r}", repr(str(folder))), args.runs, ("shown", "ready", "filled")
            )
            figures.append(
                Figure("cold start to main window shown (offscreen)", app["shown"], "< 1 s, ≤ 3× bare", 1.0, bare,
                       "bare QMainWindow started the same way", 3.0)
            )  # fmt: skip
            figures.append(Figure("  … database open, last page active", app["ready"]))
            figures.append(Figure("  … dashboard shows its numbers", app["filled"]))
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"cold start failed: {exc}", file=sys.stderr)

    figures.append(import_figure(db, url, folder, package_size, args.runs, postgres))

    if not postgres:
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
        figures.append(Figure("peak memory, DB open + dashboard", peak_mb, "< 400 MB", 400, unit="MB"))

    figures.extend(bulletin_figures(db, args.runs))
    db.close()
    if not postgres:
        # Database-independent (the PDFs on fixed data) or measured on the SQLite city (the Excel writer and `check`,
        # whose hashes the bulk province generator does not write).
        figures.extend(document_figures(args.runs))
        figures.extend(export_figures(folder, url, args.runs))
        figures.extend(check_figures(folder))

    total = time.perf_counter() - clock
    shape = f"{n_institutions} 家机构，{n_inspections} 份检查，{n_results} 条检查项结果"
    where = url.split("@")[-1] if url else str(folder)
    print(f"\n{'PostgreSQL' if postgres else 'SQLite'}：{shape}（{where}）；本次用时 {total:.0f} 秒")
    print(f"{'figure':62} {'median':>10}  {'target':24} {'baseline':>10} {'ratio':>6}  met")
    for f in figures:
        shown = f"{f.median:.0f} MB" if f.unit == "MB" else f"{f.median:.4f} s"
        base = "" if f.baseline is None else f"{f.baseline:.4f} s"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×"
        met = {True: "yes", False: "NO", None: ""}[f.met]
        print(f"{f.name:62} {shown:>10}  {f.target:24} {base:>10} {ratio:>6}  {met}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "when": datetime.now().astimezone().isoformat(timespec="seconds"),
                    "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python "
                    f"{platform.python_version()}",
                    "database": "postgresql" if postgres else "sqlite",
                    "institutions": n_institutions,
                    "inspections": n_inspections,
                    "item_results": n_results,
                    "runs": args.runs,
                    "seconds": round(total, 1),
                    "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                    "figures": [f.as_json() for f in figures],
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"已写入 {args.json}")


if __name__ == "__main__":
    main()
