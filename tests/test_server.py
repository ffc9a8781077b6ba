"""The Office.js backend: TestClient and a real uvicorn process on loopback."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from fastapi.testclient import TestClient

from xlspm.excel.server import create_app

TABLE = [["Floor", "Rate"], [0, 0], [0.5, 0.02], [0.8, 0.04], [1, 0.06]]
NA = {"type": "Error", "basicType": "NotAvailable", "basicValue": "#N/A"}


def payload(func, *args):
    return {
        "func_name": func,
        "args": list(args),
        "caller_address": "Sheet1!B2",
        "formula_address": "Sheet1!B2",
        "version": "0.37.8",
        "runtime": "1.4",
        "culture_info_name": "en-US",
        "date_format": "M/d/yyyy",
        "client": "Office.js",
    }


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(token="s3cret", max_body=2_000_000))


AUTH = {"Authorization": "Bearer s3cret"}


def test_metadata_js_manifest_taskpane(client):
    meta = client.get("/xlspm/custom-functions-meta").json()
    ids = {f["id"] for f in meta["functions"]}
    assert {"SPM_TIER_PAYOUT", "SPM_CALC", "SPM_VERSION"} <= ids
    tier = next(f for f in meta["functions"] if f["id"] == "SPM_TIER_PAYOUT")
    assert tier["parameters"][0]["description"] == "Attainments or amounts: one column."
    js = client.get("/xlspm/functions.js")
    assert js.headers["content-type"].startswith("application/javascript")
    assert "CustomFunctions.associate" in js.text
    assert '"SPM_TIER_PAYOUT"' in js.text  # associated at load time
    manifest = client.get("/manifest.xml").text
    assert '<bt:String id="NS" DefaultValue="XLSPM"/>' in manifest
    assert "http://testserver/xlspm/functions.js" in manifest
    assert "=XLSPM.SPM_TIER_PAYOUT" in client.get("/taskpane.html").text


def test_call_with_office_js_values(client):
    body = payload(
        "SPM_TIER_PAYOUT",
        [[0.9], [""], [NA], [1.3]],
        TABLE,
        [["retroactive"]],
        [[100000]],
        [[""]],
        [[""]],
    )
    r = client.post("/xlspm/custom-functions-call", json=body, headers=AUTH)
    assert r.status_code == 200
    assert r.json()["result"] == [
        [3600.0],
        [""],
        [{"type": "Error", "errorType": "NotAvailable"}],
        [7800.0],
    ]


def test_user_error_is_a_short_400(client):
    body = payload(
        "SPM_TIER_PAYOUT", [[0.9]], TABLE, [["tiered"]], [[""]], [[""]], [[""]]
    )
    r = client.post("/xlspm/custom-functions-call", json=body, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("xlspm: mode: got 'tiered'")


@pytest.mark.parametrize(
    ("body", "status", "match"),
    [
        ({"args": []}, 400, "missing key(s) func_name, runtime"),
        (payload("NOPE", [[1]]), 404, "no function 'NOPE'"),
        (
            {**payload("SPM_ROUND", [[1]]), "args": [1, 2]},
            400,
            "args must be a list of 2-D",
        ),
        ([1, 2], 400, "the body must be a JSON object"),
    ],
)
def test_malformed_payloads(client, body, status, match):
    r = client.post("/xlspm/custom-functions-call", json=body, headers=AUTH)
    assert r.status_code == status
    assert match in r.json()["detail"]


def test_auth_and_size_limits(client):
    body = payload("SPM_VERSION")
    assert client.post("/xlspm/custom-functions-call", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (
        client.post(
            "/xlspm/custom-functions-call", json=body, headers=wrong
        ).status_code
        == 401
    )
    big = payload("SPM_ROUND", [[1.5]] * 400_000, [[0]])  # about 2.4 MB
    r = client.post("/xlspm/custom-functions-call", json=big, headers=AUTH)
    assert r.status_code == 413
    assert "Run xlspm calc on the workbook" in r.json()["detail"]
    r = client.post("/xlspm/custom-functions-call", content=b"{not json", headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (400, "the body is not JSON")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_uvicorn_process_on_loopback(tmp_path):
    port = _free_port()
    env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial")
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlspm", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/taskpane.html", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, proc.stderr.read1().decode()
                time.sleep(0.3)
        body = payload("SPM_ROUND", [[2.675], [3365.6649999999995]], [[2]])
        r = httpx.post(url + "/xlspm/custom-functions-call", json=body, timeout=60)
        assert r.status_code == 200
        assert r.json()["result"] == [[2.68], [3365.67]]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_results_over_the_payload_limit_say_what_to_do():
    small = TestClient(create_app(max_body=50_000))
    body = payload("SPM_ROUND", [[1]] * 8_000, [[1]])  # ~40 kB in, ~56 kB out
    r = small.post("/xlspm/custom-functions-call", json=body)
    assert r.status_code == 413
    assert "Run xlspm calc on the workbook for results this large" in r.json()["detail"]


def test_functions_js_is_valid_javascript(client, tmp_path):
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "functions.js"
    script.write_text(client.get("/xlspm/functions.js").text)
    check = subprocess.run(
        [node, "--check", str(script)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_static_templates_are_filled_and_escaped():
    from xml.etree import ElementTree

    from xlspm.excel.server import functions_script, manifest, render

    hostile = 'http://x"/><evil a="&'  # a Host header is the client's to choose
    root = ElementTree.fromstring(manifest(hostile))  # still well-formed XML
    urls = [e.get("DefaultValue") for e in root.iter() if e.tag.endswith("Url")]
    assert urls == [
        hostile + "/xlspm/functions.js",
        hostile + "/taskpane.html",
        hostile + "/xlspm/custom-functions-meta",
    ]
    assert not any(e.tag.endswith("evil") for e in root.iter())
    assert 'for (const id of ["A", "B"])' in functions_script({"B", "A"})
    assert "$" not in functions_script({"A"}) + manifest("http://h")
    with pytest.raises(KeyError, match="function_ids"):
        render("functions.js")  # a placeholder never stays unfilled


def test_serve_without_a_licence_key_is_a_message_not_a_traceback(monkeypatch, capsys):
    from xlspm.cli.main import main

    monkeypatch.delenv("XLWINGS_LICENSE_KEY")
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "XLWINGS_LICENSE_KEY is not set" in err
    assert "commercial use needs an xlwings PRO licence" in err
    assert "Traceback" not in err
