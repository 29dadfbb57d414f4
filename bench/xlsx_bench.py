"""Benchmark of the Excel exports against bare writes of the same rows and columns, in the same run.

Run: ``.venv/bin/python bench/xlsx_bench.py --data-dir bench/.cache/city-100x12 [--month 2026-11] [--runs 3]``.
Prints, for the results workbook (and the 整改台账), the median of (run in turns after a warm-up of each):

- the application's export: ``documents.results_xlsx`` — reading the database, scoring, writing both sheets;
- a bare XlsxWriter write (``constant_memory``) of the same rows and columns, already in memory, with ``write_row``
  (every sheet the export writes: 检查结果, 汇总 and 分组小计; until 2026-11-29 05:30 UTC the bare write left out the
  分组小计 sheet, a fifth of the rows, which made every ratio measured before then too high);
- a bare openpyxl write-only write of the same rows (the library the exports used before), for information;

and the ratio of the first to the second (target ≤ 1.5×). ``--json`` prints the figures as JSON as well.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspections.reports import documents, gather
from inspections.reports.xlsx import LEDGER_COLUMNS, RESULT_COLUMNS, SUMMARY_COLUMNS, Column
from inspections.workspace import open_workspace

NOW = datetime(2026, 11, 28, 14, 3).astimezone()


SAMPLE_S = 2.0
"""Short figures are sampled until each function has run about this long (at most MAX_RUNS times): the ledger of a
month writes in a quarter of a second, where a median of three moved the ratio by ±0.1 from run to run."""
MAX_RUNS = 15


def medians(fns: Sequence[Callable[[], object]], runs: int) -> list[float]:
    """The median time of each function, run in turns (a, b, c, a, b, c …) after one warm-up each, so that a change
    in the machine's load during the measurement falls on all of them alike; at least ``runs`` turns, more for
    figures shorter than ``SAMPLE_S`` (see there)."""
    warm = []
    for fn in fns:
        start = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - start)
    runs = max(runs, min(MAX_RUNS, int(SAMPLE_S / max(min(warm), 1e-3))))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            gc.collect()  # the garbage the previous function left is not charged to this one (its own still is)
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def values(columns: Sequence[Column], rows: Sequence[object]) -> list[list[Any]]:
    """The cell values the export writes (dates as dates, numbers as numbers, "" as an empty cell)."""
    out = []
    for n, row in enumerate(rows, start=1):
        cells = [c.value(row) for c in columns]
        if columns is LEDGER_COLUMNS:
            cells[0] = n
        out.append([None if v == "" else v for v in cells])
    return out


def bare_xlsxwriter(path: Path, sheets: Sequence[tuple[str, Sequence[Column], list[list[Any]]]]) -> None:
    from xlsxwriter import Workbook

    book = Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
    for name, columns, rows in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, [c.header for c in columns])
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row)
    book.close()


def bare_openpyxl(path: Path, sheets: Sequence[tuple[str, Sequence[Column], list[list[Any]]]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, columns, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append([c.header for c in columns])
        for row in rows:
            sheet.append(row)
    book.save(path)


def measure(data_dir: Path, month: str | None, runs: int, *, url: str | None = None) -> list[dict[str, Any]]:
    db = open_workspace(url, data_dir, backup=False)
    figures: list[dict[str, Any]] = []
    with db.session() as s, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        export = gather.results_rows(s, month=month, now=NOW)
        sheets = [
            ("检查结果", RESULT_COLUMNS, values(RESULT_COLUMNS, export.rows)),
            ("汇总", SUMMARY_COLUMNS, values(SUMMARY_COLUMNS, export.summary)),
            ("分组小计", SUMMARY_COLUMNS[:7], values(SUMMARY_COLUMNS[:7], export.sections)),
        ]
        shape = (
            f"{len(export.rows):,} rows × {len(RESULT_COLUMNS)} columns + {len(export.summary):,} summary rows"
            f" + {len(export.sections):,} section rows"
        )
        app, bare, opx = medians(
            [
                lambda: documents.results_xlsx(s, out / "app.xlsx", month=month, now=NOW),
                lambda: bare_xlsxwriter(out / "bare.xlsx", sheets),
                lambda: bare_openpyxl(out / "openpyxl.xlsx", sheets),
            ],
            runs,
        )
        figures.append(
            {
                "figure": f"export results ({shape})",
                "median_s": app,
                "target": "≤ 1.5× bare XlsxWriter",
                "baseline_s": bare,
                "baseline": "bare XlsxWriter constant_memory, same rows in memory",
                "ratio": app / bare,
                "met": app / bare <= 1.5,
                "openpyxl_write_only_s": opx,
            }
        )
        # The results' rows held in memory (a million objects for a city month) would make every garbage
        # collection during the ledger's measurement slower than in a process exporting only the ledger.
        del export
        sheets.clear()
        gc.collect()
        ledger = gather.ledger_data(s, now=NOW, month=month)
        rows = values(LEDGER_COLUMNS, ledger.rows)
        app, bare, opx = medians(
            [
                lambda: documents.ledger_xlsx(s, out / "ledger.xlsx", month=month, now=NOW),
                lambda: bare_xlsxwriter(out / "bare-ledger.xlsx", [("整改台账", LEDGER_COLUMNS, rows)]),
                lambda: bare_openpyxl(out / "opx-ledger.xlsx", [("整改台账", LEDGER_COLUMNS, rows)]),
            ],
            runs,
        )
        figures.append(
            {
                "figure": f"export ledger ({len(rows):,} rows × {len(LEDGER_COLUMNS)} columns)",
                "median_s": app,
                "target": "≤ 1.5× bare XlsxWriter",
                "baseline_s": bare,
                "baseline": "bare XlsxWriter constant_memory, same rows in memory",
                "ratio": app / bare,
                "met": app / bare <= 1.5,
                "openpyxl_write_only_s": opx,
            }
        )
    db.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--month", default=None, help="only this month (YYYY-MM); default: every inspection")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: the SQLite file in --data-dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.data_dir, args.month, args.runs, url=args.database)
    for f in figures:
        print(
            f"{f['figure']}: median {f['median_s']:.3f} s; bare XlsxWriter {f['baseline_s']:.3f} s "
            f"(ratio {f['ratio']:.2f}, target ≤ 1.5: {'ok' if f['met'] else 'MISSED'}); "
            f"openpyxl write-only {f['openpyxl_write_only_s']:.3f} s"
        )
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
