"""The Office.js add-in backend: ``xlspm serve``.

A FastAPI app that serves the custom-functions metadata, the functions
JavaScript (xlwings 0.37.8 no longer ships one), the call endpoint
(``xlwings.server.custom_functions_call``), ``manifest.xml`` and a task
pane. Namespace ``XLSPM``: cells call ``=XLSPM.SPM_TIER_PAYOUT(...)``.

``xlwings.server`` is xlwings PRO code: it needs ``XLWINGS_LICENSE_KEY``
(``noncommercial`` for noncommercial use; commercial use needs an xlwings
PRO licence). The classic COM path (:mod:`xlspm.excel.udfs`) is BSD.
"""

import importlib.util
import os
import sys
from pathlib import Path

from ..errors import XlspmError
from .cells import ON_SERVER

__all__ = ["MAX_BODY", "create_app", "load_udf_module", "patch_is_jsnull"]

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


def load_udf_module(path: Path | None = None):
    """Import the UDF module (:mod:`xlspm.excel.udfs`) with the server decorators."""
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise XlspmError(
            "XLWINGS_LICENSE_KEY is not set: the Office.js path uses xlwings PRO "
            "code. Set it to 'noncommercial' for noncommercial use; commercial use "
            "needs an xlwings PRO licence (the classic COM UDFs are BSD)."
        )
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


FUNCTIONS_JS = """// xlspm custom functions: each call is sent to the xlspm backend.
(function () {
  const base = window.location.origin;
  const token = window.localStorage.getItem("xlspm-token") || "";
  async function call(name, args, invocation) {
    const payload = {
      func_name: name,
      args: args.map((a) => (Array.isArray(a) ? a : [[a === null ? "" : a]])),
      caller_address: invocation.address || "",
      formula_address: invocation.address || "",
      version: "0.37.8",
      runtime: Office.context.requirements.isSetSupported("CustomFunctionsRuntime", "1.4") ? "1.4" : "1.3",
      culture_info_name: Office.context.contentLanguage || "en-US",
      date_format: "yyyy-mm-dd",
      client: "Office.js",
    };
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const response = await fetch(base + "/xlspm/custom-functions-call", {
      method: "POST", headers: headers, body: JSON.stringify(payload),
    });
    const body = await response.json();
    if (!response.ok) {
      throw new CustomFunctions.Error(CustomFunctions.ErrorCode.invalidValue, body.detail || "xlspm error");
    }
    return body.result;
  }
  // Associate at load time, as Excel expects (ids filled in by the server).
  for (const id of __FUNCTION_IDS__) {
    CustomFunctions.associate(id, function (...args) {
      const invocation = args.pop();
      return call(id, args, invocation);
    });
  }
})();
"""

TASKPANE = """<!doctype html><html><head><meta charset="utf-8"><title>xlspm</title>
<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>
</head><body><h1>xlspm</h1><p>Excel-exact comp engine. Functions: =XLSPM.SPM_TIER_PAYOUT,
=XLSPM.SPM_TIER_RATE, =XLSPM.SPM_ROUND, =XLSPM.SPM_CREDIT, =XLSPM.SPM_CALC,
=XLSPM.SPM_EXPLAIN, =XLSPM.SPM_VERSION.</p>
<p>Token (if the server needs one): <input id="t" onchange="localStorage.setItem('xlspm-token', this.value)"></p>
</body></html>"""


def manifest(base_url: str) -> str:
    """Return the add-in manifest pointing at ``base_url``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
 xmlns:ov="http://schemas.microsoft.com/office/taskpaneappversionoverrides"
 xsi:type="TaskPaneApp">
  <Id>6c1f0c7e-2d0b-4a51-9a8e-0f2f6b1c4a11</Id>
  <Version>1.0.0.0</Version>
  <ProviderName>xlspm</ProviderName>
  <DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="xlspm"/>
  <Description DefaultValue="Excel-exact sales compensation functions"/>
  <Hosts><Host Name="Workbook"/></Hosts>
  <Requirements><Sets DefaultMinVersion="1.1"><Set Name="CustomFunctionsRuntime" MinVersion="1.1"/></Sets></Requirements>
  <DefaultSettings><SourceLocation DefaultValue="{base_url}/taskpane.html"/></DefaultSettings>
  <Permissions>ReadWriteDocument</Permissions>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0">
    <Hosts><Host xsi:type="Workbook"><AllFormFactors><ExtensionPoint xsi:type="CustomFunctions">
      <Script><SourceLocation resid="JS"/></Script>
      <Page><SourceLocation resid="HTML"/></Page>
      <Metadata><SourceLocation resid="JSON"/></Metadata>
      <Namespace resid="NS"/>
    </ExtensionPoint></AllFormFactors></Host></Hosts>
    <Resources>
      <bt:Urls>
        <bt:Url id="JS" DefaultValue="{base_url}/xlspm/functions.js"/>
        <bt:Url id="HTML" DefaultValue="{base_url}/taskpane.html"/>
        <bt:Url id="JSON" DefaultValue="{base_url}/xlspm/custom-functions-meta"/>
      </bt:Urls>
      <bt:ShortStrings><bt:String id="NS" DefaultValue="{NAMESPACE}"/></bt:ShortStrings>
    </Resources>
  </VersionOverrides>
</OfficeApp>
"""


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
    import json

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

    script = FUNCTIONS_JS.replace("__FUNCTION_IDS__", json.dumps(sorted(names)))

    @app.get("/xlspm/functions.js")
    def functions_js():
        return Response(script, media_type="application/javascript")

    @app.get("/manifest.xml")
    def manifest_xml(request: Request):
        base = str(request.base_url).rstrip("/")
        return Response(manifest(base), media_type="application/xml")

    @app.get("/taskpane.html")
    def taskpane():
        return HTMLResponse(TASKPANE)

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
