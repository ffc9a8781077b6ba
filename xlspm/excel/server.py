"""The Office.js add-in backend: ``xlspm serve``.

A FastAPI app that serves the custom-functions metadata, the functions
JavaScript (xlwings 0.37.8 no longer ships one), the call endpoint
(``xlwings.server.custom_functions_call``), ``manifest.xml`` and a task
pane, whose JavaScript, HTML and XML are package files in ``static/``.
Namespace ``XLSPM``: cells call ``=XLSPM.SPM_TIER_PAYOUT(...)``.

``xlwings.server`` is xlwings PRO code: it needs ``XLWINGS_LICENSE_KEY``
(``noncommercial`` for noncommercial use; commercial use needs an xlwings
PRO licence). The classic COM path (:mod:`xlspm.excel.udfs`) is BSD.
"""

import functools
import importlib.util
import json
import os
import string
import sys
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import XlspmError
from .cells import ON_SERVER

__all__ = [
    "MAX_BODY",
    "create_app",
    "functions_script",
    "load_udf_module",
    "manifest",
    "patch_is_jsnull",
    "render",
    "static_file",
]

MAX_BODY = 5 * 1024 * 1024  # Excel on the web caps custom-function payloads near 5 MB
NAMESPACE = "XLSPM"
UDF_MODULE = Path(__file__).with_name("udfs.py")


def patch_is_jsnull() -> bool:
    """Make xlwings' per-cell Pyodide check free outside Pyodide.

    xlwings 0.37.8 ``is_jsnull`` tries ``from pyodide.ffi import JsNull`` for
    every cell it converts; outside Pyodide each failed import costs tens of
    microseconds (10^5 cells took 13 s here). There ``JsNull`` cannot occur,
    so the check is replaced by ``False``.

    Returns
    -------
    bool
        Whether the patch was applied (False inside Pyodide).
    """
    if importlib.util.find_spec("pyodide") is not None:
        return False
    import xlwings.conversion.standard as standard
    import xlwings.pro._xlofficejs as officejs
    import xlwings.utils as utils

    def is_jsnull(value):
        return False

    utils.is_jsnull = is_jsnull
    standard.is_jsnull = is_jsnull
    if hasattr(officejs, "_is_jsnull"):  # the Office.js engine's own alias
        officejs._is_jsnull = is_jsnull
    return True


def _require_licence() -> None:
    """Refuse to start without XLWINGS_LICENSE_KEY (before xlwings.server loads)."""
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise XlspmError(
            "XLWINGS_LICENSE_KEY is not set: the Office.js path uses xlwings PRO "
            "code. Set it to 'noncommercial' for noncommercial use; commercial use "
            "needs an xlwings PRO licence (the classic COM UDFs are BSD)."
        )


def load_udf_module(path: Path | None = None):
    """Import the UDF module (:mod:`xlspm.excel.udfs`) with the server decorators."""
    _require_licence()
    import xlwings
    import xlwings.server as xs

    # xlwings picks its decorators when it is first imported; make sure the
    # module is decorated for the server whatever was imported before.
    xlwings.func, xlwings.arg, xlwings.ret = xs.func, xs.arg, xs.ret
    path = path or UDF_MODULE
    spec = importlib.util.spec_from_file_location("xlspm_udfs_server", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def static_file(name: str) -> str:
    """Return the text of ``name`` in the package folder ``xlspm/excel/static``."""
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def render(name: str, **values: str) -> str:
    """Fill the ``$name`` placeholders of a static template.

    Every placeholder must get a value (a missing one raises ``KeyError``
    rather than leaving ``$name`` in the page); the caller escapes each value
    for its context (XML attribute, JavaScript literal).
    """
    return string.Template(static_file(name)).substitute(values)


def functions_script(function_ids) -> str:
    """Return the custom-functions JavaScript, associating ``function_ids``."""
    return render("functions.js", function_ids=json.dumps(sorted(function_ids)))


def manifest(base_url: str) -> str:
    """Return the add-in manifest pointing at ``base_url``."""
    quote = {'"': "&quot;"}
    return render(
        "manifest.xml",
        base_url=escape(base_url, quote),
        namespace=escape(NAMESPACE, quote),
    )


def _problem(status: int, detail: str):
    from fastapi.responses import JSONResponse

    return JSONResponse({"detail": detail}, status_code=status)


def create_app(module=None, *, token: str | None = None, max_body: int = MAX_BODY):
    """Build the FastAPI app.

    Parameters
    ----------
    module : module, optional
        The UDF module file (default: :mod:`xlspm.excel.udfs`).
    token : str, optional
        Require ``Authorization: Bearer <token>`` on the call endpoint.
    max_body : int, default 5 MB
        Largest accepted request body, in bytes.

    Returns
    -------
    fastapi.FastAPI
        The application (run it with uvicorn, or ``xlspm serve``).
    """
    _require_licence()
    import xlwings
    import xlwings.server as xs
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, Response

    patch_is_jsnull()
    module = module or load_udf_module()
    meta = xs.custom_functions_meta(module)
    names = {f["id"] for f in meta["functions"]}
    app = FastAPI(title="xlspm add-in backend")

    @app.get("/xlspm/custom-functions-meta")
    def functions_meta():
        return meta

    script = functions_script(names)
    page = static_file("taskpane.html")

    @app.get("/xlspm/functions.js")
    def functions_js():
        return Response(script, media_type="application/javascript")

    @app.get("/manifest.xml")
    def manifest_xml(request: Request):
        base = str(request.base_url).rstrip("/")
        return Response(manifest(base), media_type="application/xml")

    @app.get("/taskpane.html")
    def taskpane():
        return HTMLResponse(page)

    @app.post("/xlspm/custom-functions-call")
    async def call(request: Request):
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return _problem(401, "missing or wrong bearer token")
        size = int(request.headers.get("content-length") or 0)
        if size > max_body:
            return _problem(
                413,
                f"the request has {size:,} bytes; the limit is "
                f"{max_body:,} (Excel on the web sends at most about 5 MB). "
                "Run xlspm calc on the workbook for tables this large.",
            )
        body = await request.body()
        if len(body) > max_body:
            return _problem(413, f"the request has more than {max_body:,} bytes.")
        try:
            payload = json.loads(body)
        except ValueError:
            return _problem(400, "the body is not JSON")
        error = _check_payload(payload, names)
        if error:
            return _problem(*error)
        on_server = ON_SERVER.set(True)  # user errors raise XlwingsError
        try:
            result = await xs.custom_functions_call(payload, module)
        except xlwings.XlwingsError as exc:
            return _problem(400, str(exc))
        except Exception as exc:  # a malformed argument that xlwings cannot convert
            return _problem(
                400, f"cannot convert the arguments: {type(exc).__name__}: {exc}"
            )
        finally:
            ON_SERVER.reset(on_server)
        size = len(json.dumps(result, default=str))
        if size > max_body:
            return _problem(
                413,
                f"the result has {size:,} bytes; Excel on the web "
                f"accepts about {max_body:,}. Run xlspm calc on the "
                "workbook for results this large.",
            )
        return {"result": result}

    return app


REQUIRED = ("func_name", "args", "runtime")


def _check_payload(payload, names) -> tuple[int, str] | None:
    if not isinstance(payload, dict):
        return 400, "the body must be a JSON object"
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        return (
            400,
            f"missing key(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}",
        )
    if payload["func_name"] not in names:
        return 404, (
            f"no function {payload['func_name']!r}; the functions are "
            f"{', '.join(sorted(names))}"
        )
    args = payload["args"]
    if not isinstance(args, list) or not all(
        isinstance(a, list) and all(isinstance(r, list) for r in a) for a in args
    ):
        return 400, "args must be a list of 2-D arrays (one per argument)"
    return None
