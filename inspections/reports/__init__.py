"""PDF documents (ReportLab) and Excel exports built from plain data: feedback report, bulletin, notice, ledger."""
