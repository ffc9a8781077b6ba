// xlspm custom functions: each call is sent to the xlspm backend.
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
  for (const id of $function_ids) {
    CustomFunctions.associate(id, function (...args) {
      const invocation = args.pop();
      return call(id, args, invocation);
    });
  }
})();
