"""Build workbooks/legacy_comp_2026Q1.xlsx and legacy_comp_2026Q2.xlsx.

The demo company's legacy commission spreadsheets with planted faults
(xlspm.datasets.legacy_workbooks.PLANTED_FAULTS), recalculated by LibreOffice so that
they carry cached values. Needs LibreOffice (soffice).

Run: ``.venv/bin/python workbooks/build_legacy.py``
"""

from pathlib import Path

from xlspm.datasets.legacy_workbooks import build_legacy_workbooks

if __name__ == "__main__":
    for path in build_legacy_workbooks(Path(__file__).resolve().parent):
        print(f"wrote {path}")
