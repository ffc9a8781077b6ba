"""Build workbooks/demo_comp_plan.xlsx (seeded, reproducible).

Run: ``.venv/bin/python workbooks/build_demo.py``
"""

from pathlib import Path

from xlspm.datasets.demo_workbook import build_demo_workbook

if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "demo_comp_plan.xlsx"
    print(f"wrote {build_demo_workbook(target)}")
