"""The benchmark's figures and the builders of the slower ones (package import, bulletins, documents, exports,
check), for bench/run.py."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"


def median_of(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


@dataclass
class Figure:
    """One measured figure: its median, the target it must meet, and the same-run baseline it is compared with."""

    name: str
    median: float
    target: str = ""
    limit: float | None = None  # the median must be below this
    baseline: float | None = None
    baseline_name: str = ""
    ratio_limit: float | None = None  # median ÷ baseline must be at most this
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.median / self.baseline

    @property
    def met(self) -> bool | None:
        if self.limit is None and self.ratio_limit is None:
            return None
        ok = self.limit is None or self.median < self.limit
        if self.ratio_limit is not None and self.ratio is not None:
            ok = ok and self.ratio <= self.ratio_limit
        return ok

    def as_json(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "median": round(self.median, 6),
            "unit": self.unit,
            "target": self.target,
            "baseline": None if self.baseline is None else round(self.baseline, 6),
            "baseline_name": self.baseline_name,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "met": self.met,
        }


def import_figure(db: Any, url: str | None, folder: Path, size: int, runs: int, postgres: bool) -> Figure:
    """Import a package of ``size`` finalized inspections of one month into a fresh database each run."""
    import tempfile

    from sqlalchemy import select

    from inspections.packages import export_inspections, import_package
    from inspections.workspace import open_workspace
    from models.inspection import Inspection

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
                .order_by(Inspection.date, Inspection.id)
                .limit(size)
            )
        )
    if postgres:
        # The bulk generator writes no content hashes (it signs nothing) and rounds its scores its own way: score
        # and hash the inspections sent as finalize would have, so the importer's score and hash checks pass.
        from sqlalchemy import update

        from inspections.workflow import content_hashes
        from inspections.workflow.finalize import store_scores

        with db.begin() as s:
            for inspection in s.scalars(select(Inspection).where(Inspection.id.in_(chosen))):
                store_scores(s, inspection)
        with db.begin() as s:
            for inspection_id, digest in content_hashes(s, chosen).items():
                s.execute(update(Inspection).where(Inspection.id == inspection_id).values(content_hash=digest))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "round.zip"
        with db.session() as s:
            export_inspections(s, package, exporter="bench", inspection_ids=chosen)
        size_mb = package.stat().st_size / 1e6
        for n in range(runs):
            target_url = fresh_database(url, n) if postgres else None
            target = open_workspace(target_url, Path(tmp) / f"import-{n}", backup=False)
            start = time.perf_counter()
            with target.begin() as s:
                import_package(s, "bench", package)
            times.append(time.perf_counter() - start)
            target.close()
            if postgres:
                drop_database(url, n)
    limit = 30.0 if size >= 500 else 5.0
    return Figure(
        f"import a package ({len(chosen)} inspections, {size_mb:.1f} MB) into a fresh database",
        statistics.median(times),
        f"< {limit:.0f} s",
        limit,
    )


def _admin_url(url: str | None) -> Any:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database="postgres")


def fresh_database(url: str | None, n: int) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_import{n}"
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str | None, n: int) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{make_url(url).database}_import{n}"
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


def bulletin_figures(db: Any, runs: int) -> list[Figure]:
    """The month's bulletin from the database: gathering every institution's figures and rendering the PDF."""
    import io

    from sqlalchemy import func, select

    from inspections.reports import documents
    from models.reference import Institution

    with db.session() as s:
        institutions = s.scalar(select(func.count()).select_from(Institution))

    def render() -> object:
        with db.session() as s:
            return documents.bulletin(s, MONTH, io.BytesIO(), draft=True)

    render()
    median, _ = median_of(render, runs)
    return [Figure(f"monthly bulletin from the database ({institutions} institutions, gather + PDF)", median,
                   "< 5 s", 5.0)]  # fmt: skip


def document_figures(runs: int) -> list[Figure]:
    """The PDF builders on bench/report_bench.py's fixed data, against a bare ReportLab canvas."""
    import io

    import report_bench as rb

    photos = [rb.photo(seed) for seed in range(20)]
    data = rb.inspection(photos)
    report = rb.bulletin(500)

    def feedback() -> object:
        buffer = io.BytesIO()
        rb.build_feedback_report(data, buffer)
        return buffer

    def bulletin() -> object:
        buffer = io.BytesIO()
        rb.build_bulletin(report, buffer)
        return buffer

    for warm in (feedback, bulletin, lambda: rb.baseline(data, tuned=False)):
        warm()
    feedback_median, _ = median_of(feedback, runs)
    bare, _ = median_of(lambda: rb.baseline(data, tuned=False), runs)
    tuned, _ = median_of(lambda: rb.baseline(data, tuned=True), runs)
    bulletin_median, _ = median_of(bulletin, runs)
    return [
        Figure("findings report PDF: 150 items, 40 findings, 20 photos", feedback_median, "< 1 s, ≤ 3× bare", 1.0,
               bare, "bare ReportLab canvas, library defaults", 3.0),
        Figure("  … against a bare canvas with the same stream settings", feedback_median, "", None, tuned,
               "bare ReportLab canvas, same stream settings"),
        Figure("monthly bulletin PDF, 500 institutions (fixed data)", bulletin_median, "< 5 s", 5.0),
    ]  # fmt: skip


def export_figures(folder: Path, url: str | None, runs: int) -> list[Figure]:
    """The Excel exports against bare XlsxWriter writes of the same rows (bench/xlsx_bench.py)."""
    import xlsx_bench

    # A month's export: the whole of a city is millions of rows (the row limit and streaming have their own tests).
    found = xlsx_bench.measure(folder, MONTH, runs, url=url)
    figures = []
    for f in found:
        figures.append(
            Figure(f"{f['figure']} [{MONTH}]", f["median_s"], "≤ 1.5× bare XlsxWriter", None, f["baseline_s"],
                   f["baseline"], 1.5)
        )  # fmt: skip
        figures.append(
            Figure("  … a bare openpyxl write-only write of the same rows", f["openpyxl_write_only_s"], "", None,
                   f["baseline_s"], "bare XlsxWriter constant_memory")
        )  # fmt: skip
    return figures


def check_figures(folder: Path) -> list[Figure]:
    """`check --full`, then `check` (incremental) after it, each in a fresh process as a user runs them."""
    figures = []
    for name, extra, target, limit in (
        ("check --full (whole database)", ["--full"], "", None),
        ("check, incremental, after a full check", [], "< 10 s", 10.0),
    ):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder), "check", *extra],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        figures.append(Figure(name, time.perf_counter() - start, target, limit))
    return figures
