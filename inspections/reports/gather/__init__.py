"""Reads the database (through the models and the service functions) into the plain data the builders take.

One module a document: ``feedback`` (督导检查反馈单), ``bulletin`` (月度督导通报), ``ledger`` (整改通知书 and 整改台账),
``results`` (the results workbook); ``common`` holds the clock and the agency's settings they share.
"""

from inspections.reports.gather.bulletin import bulletin_data
from inspections.reports.gather.common import PHOTO_CAPTION_LIMIT, font_choices
from inspections.reports.gather.feedback import feedback_data
from inspections.reports.gather.ledger import ledger_data, ledger_rows, notice_data
from inspections.reports.gather.results import RESULTS_BATCH, ResultsStream, results_rows, results_stream

__all__ = [
    "PHOTO_CAPTION_LIMIT",
    "RESULTS_BATCH",
    "ResultsStream",
    "bulletin_data",
    "feedback_data",
    "font_choices",
    "ledger_data",
    "ledger_rows",
    "notice_data",
    "results_rows",
    "results_stream",
]
