"""A realistic, reproducible demo dataset, written in bulk so a city (500 institutions × 60 months) takes minutes.

Institutions of every level; a round per month covering every level-1+ institution; finalized inspections with
varied results, notes and photos; findings in every state (open, overdue, feedback, passed, failed); this month's
round partly done, with drafts. Same seed → same data, ids included.

By job: ``generate`` (the entry point, one month at a time), ``inspection`` and ``finding`` (one inspection and
its findings' histories), ``population`` (institutions, photos), ``names`` (vocabulary and small helpers).
"""

from inspections.demo.generate import DemoSummary, Progress, generate_demo

__all__ = ["DemoSummary", "Progress", "generate_demo"]
