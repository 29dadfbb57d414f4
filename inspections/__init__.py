"""The inspection domain: checklists, scoring, workflow, rounds, analytics, reports, packages. No Qt."""
