"""The dashboard's common problems cover the last three months; the bulletin's functions take any window."""

from __future__ import annotations

from datetime import date

from inspections import analytics
from inspections.workflow import finalize_inspection, start_inspection
from models.database import Database
from tests.helpers import answer_all, make_institution


def _inspect(ws: Database, inst: object, on: date, fail: set[str]) -> None:
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=on, inspectors=["张三"])  # type: ignore[arg-type]
    answer_all(ws, inspection_id, fail_codes=fail)
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)


def test_common_problems_on_the_dashboard_are_those_of_the_last_three_months(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=False)
    _inspect(ws, inst, date(2026, 6, 10), {"TR1.1"})  # five months back: outside the dashboard's window
    _inspect(ws, inst, date(2026, 10, 10), {"TR1.2"})
    with ws.session() as s:
        board = analytics.dashboard(s, "2026-11", date(2026, 11, 28))
        year = analytics.failed_items(s, "2026-11", 12)
    assert board.failed_months == 3
    assert [f.item_code for f in board.failed_items] == ["TR1.2"]
    assert {f.item_code for f in year} == {"TR1.1", "TR1.2"}
