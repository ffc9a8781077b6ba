"""The UDFs through xlwings' own classic (COM) pipeline, on Linux.

Only the Windows modules xlwings imports are stubbed; the classic decorators
(``xlwings.udfs.xlfunc/xlarg/xlret``) and ``xlwings.conversion`` are the
real ones. The engine stand-in cleans cells the way ``xlwings._xlwindows``
does (blanks, error HRESULTs, dates). It runs in a fresh interpreter so the
stubs never leak into other tests.
"""

import json
import subprocess
import sys
from pathlib import Path

import xlspm

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r'''
import datetime as dt, json, sys, types

class _Any(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *a, **k: None

for name in ("pythoncom", "pywintypes", "win32com", "win32com.client", "win32api",
             "win32con", "win32gui"):
    sys.modules[name] = _Any(name)
sys.modules["win32com"].client = sys.modules["win32com.client"]

import xlwings
import xlwings.conversion as conversion
import xlwings.udfs as classic
from xlwings.main import Engine

ERRORS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826273: "#VALUE!"}

class ComLikeEngine:
    """Cleans cells like xlwings._xlwindows.Engine."""
    name, type = "excel", "desktop"
    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v in ("", None):
                return empty_as
            if isinstance(v, dt.datetime):
                return v if datetime_builder is dt.datetime else datetime_builder(v)
            if isinstance(v, int) and v in ERRORS:
                return ERRORS[v] if err_to_str else None
            return v
        return [[clean(c) for c in row] for row in data]
    @staticmethod
    def prepare_xl_data_element(x, date_format):
        return "" if x is None else x

xlwings.engines.add(Engine(impl=ComLikeEngine()))
xlwings.func, xlwings.arg, xlwings.ret = classic.xlfunc, classic.xlarg, classic.xlret
import xlspm.excel.udfs as udfs

def call(name, *args):
    """What xlwings.udfs.call_udf does with the arguments and the result."""
    func = getattr(udfs, name)
    info = func.__xlfunc__
    values = []
    for i, arg in enumerate(args):
        arg_info = info["args"][min(i, len(info["args"]) - 1)]
        if isinstance(arg, int) and arg == -2147352572:  # omitted optional argument
            values.append(arg_info.get("optional", None))
        else:
            values.append(conversion.read(None, arg, arg_info["options"]))
    ret = func(*values)
    return conversion.write(ret, None, info["ret"]["options"])

NA, OMITTED = -2146826246, -2147352572
table = ((u"Floor", u"Rate"), (0.0, 0.0), (0.5, 0.02), (0.8, 0.04), (1.0, 0.06))
out = {
    "payout": call("SPM_TIER_PAYOUT", ((0.9,), (None,), (NA,), (1.3,)), table,
                   "retroactive", 100000.0, OMITTED, OMITTED),
    "one_cell": call("SPM_TIER_PAYOUT", 0.9, table, OMITTED, 1000.0, OMITTED, OMITTED),
    "round": call("SPM_ROUND", ((2.675,), (3365.6649999999995,)), 2.0),
    "rate": call("SPM_TIER_RATE", ((119791.96 / 149739.95,),), table),
    "error": call("SPM_TIER_PAYOUT", ((0.9,),), table, "tiered", OMITTED, OMITTED,
                  OMITTED),
    "version": call("SPM_VERSION"),
    "doc": udfs.SPM_TIER_PAYOUT.__xlfunc__["args"][0].get("doc"),
}
print(json.dumps(out))
'''


def test_classic_pipeline():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["payout"] == [[3600.0], [""], ["#N/A"], [7800.0]]
    assert out["one_cell"] == [[36.0]]
    assert out["round"] == [[2.68], [3365.67]]
    assert out["rate"] == [[0.04]]  # 0.7999999999999999 reaches the 80% tier
    assert out["error"] == [[out["error"][0][0]]]  # one cell, not a traceback
    assert out["error"][0][0].startswith("xlspm: mode: got 'tiered'")
    assert out["version"] == [[xlspm.__version__]]
    assert out["doc"] == "Attainments or amounts: one column."
