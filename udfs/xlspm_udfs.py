"""Shim for a checkout: the UDF module is :mod:`xlspm.excel.udfs`.

Set xlwings' ``UDF Modules`` to ``xlspm.excel.udfs``; workbooks that still say
``xlspm_udfs`` work from this folder.
"""

from xlspm.excel.udfs import *  # noqa: F403
from xlspm.excel.udfs import __all__  # noqa: F401
