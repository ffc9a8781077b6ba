"""Render benchmark results (the ``--json`` files) as Markdown and PNG charts.

Used by ``run_all.py``; see ``_common.write_json`` for the JSON layout.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

STYLES = {"xlspm": ("-", "o")}
BASELINE_STYLES = [("--", "s"), (":", "^"), ("-.", "v")]


def seconds(t) -> str:
    """Format a time in seconds for a table cell."""
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "-"
    if t >= 100:
        return f"{t:,.0f} s"
    if t >= 1:
        return f"{t:.2f} s"
    return f"{t:.3g} s"


def _ratio(r) -> str:
    return "-" if r is None else f"{r:,.1f}x" if r < 100 else f"{r:,.0f}x"


def _memory(row: dict) -> str:
    ours, theirs = row.get("peak_mb"), row.get("baseline_peak_mb")
    if ours is None:
        return "-"
    text = f"{ours:,.0f}" if ours >= 10 else f"{ours:.1f}"
    if theirs is not None:
        text += f" / {theirs:,.0f}" if theirs >= 10 else f" / {theirs:.1f}"
    text += " MB"
    if row.get("input_mb"):
        text += f" ({ours / row['input_mb']:.1f}x input)"
    return text


def _label(row: dict) -> str | None:
    """Return the row's variant (tier mode, ...) or step (bench_spreadsheet)."""
    return row.get("variant") or row.get("step")


def _size(row: dict) -> str:
    size = row.get("size")
    return f"{size:,}" if isinstance(size, int | float) else str(size)


def _rss(row: dict) -> str:
    rss = row.get("peak_rss_mb")
    return "-" if rss is None else f"{rss:,.0f} MB"


def _stages(row: dict) -> str:
    stages = row.get("stages") or {}
    return ", ".join(f"{k} {v:.2f}" for k, v in stages.items()) or "-"


def _flags(row: dict) -> str:
    exps = row.get("exponents") or {}
    if not exps:
        return "-"
    total = exps.get("total")
    text = "-" if total is None else f"{total:.2f}"
    if row.get("super_linear"):
        text += " (**super-linear: " + ", ".join(row["super_linear"]) + "**)"
    return text


def table(rows: list[dict]) -> list[str]:
    """Markdown table: size, xlspm, baseline, ratio, peak memory (+ extras)."""
    cols = [("size", _size)]
    if any(_label(r) for r in rows):
        kind = "step" if any(r.get("step") for r in rows) else "variant"
        cols.append((kind, lambda r: str(_label(r) or "")))
    name = "seconds" if any(r.get("step") for r in rows) else "xlspm"
    cols.append((name, lambda r: seconds(r.get("seconds"))))
    if any(r.get("baseline") for r in rows):
        cols += [
            ("baseline", lambda r: r.get("baseline") or "-"),
            ("baseline time", lambda r: seconds(r.get("baseline_seconds"))),
        ]
    if any(r.get("ratio") is not None for r in rows):
        name = "xlspm faster by" if any(r.get("baseline") for r in rows) else "ratio"
        cols.append((name, lambda r: _ratio(r.get("ratio"))))
    peak_name = "peak memory (xlspm / baseline)"
    if not any(r.get("baseline_peak_mb") for r in rows):
        peak_name = "peak memory"
    cols.append((peak_name, _memory))
    if any(r.get("peak_rss_mb") for r in rows):
        cols.append(("process peak RSS", _rss))
    if any(r.get("stages") for r in rows):
        cols.append(("stages (s)", _stages))
    if any(r.get("write_seconds") is not None for r in rows):
        cols.append(("write report", lambda r: seconds(r.get("write_seconds"))))
    if any(r.get("exponents") for r in rows):
        cols.append(("exponent vs previous size", _flags))
    left = {"variant", "step", "baseline", "stages (s)", "exponent vs previous size"}
    lines = ["| " + " | ".join(name for name, _ in cols) + " |"]
    lines.append("|" + "|".join("---" if n in left else "---:" for n, _ in cols) + "|")
    lines += ["| " + " | ".join(f(r) for _, f in cols) + " |" for r in rows]
    return lines


def targets(items: list[dict]) -> list[str]:
    """Markdown list of targets: met or missed, with the numbers."""
    out = []
    for t in items:
        verdict = "met" if t.get("met") else "missed"
        measured = f"{t.get('measured')}{t.get('unit', '')}"
        out.append(f"- **{verdict}**: {t['name']}: {measured} (target: {t['target']})")
    return out


def _series(rows: list[dict], ours: str, theirs: str, memory: bool) -> dict:
    """Series to plot: {(label, variant, style): {size: value}}.

    Style 0 is xlspm, 1, 2, ... the baselines in order, -1 a detail of xlspm
    (a stage, the report writer, the whole process's peak RSS).
    """
    series = defaultdict(dict)
    names = list(dict.fromkeys(r.get("baseline") for r in rows if r.get("baseline")))
    for r in rows:
        v = _label(r)
        tag = f" {v}" if v else ""
        if r.get(ours):
            name = r["step"] if r.get("step") else f"xlspm{tag}"
            series[(name, v, 0)][r["size"]] = r[ours]
        if r.get("baseline") and r.get(theirs):
            k = 1 + names.index(r["baseline"])
            series[(f"{r['baseline']}{tag}", v, k)][r["size"]] = r[theirs]
        details = {"process peak RSS": r.get("peak_rss_mb")} if memory else {}
        if not memory:
            details = {f"stage: {k}": t for k, t in (r.get("stages") or {}).items()}
            details["write report"] = r.get("write_seconds")
        for label, value in details.items():
            if value:
                series[(label, label, -1)][r["size"]] = value
    return series


def _plot(ax, rows: list[dict], series: dict) -> None:
    import matplotlib.pyplot as plt

    variants = list(dict.fromkeys(_label(r) for r in rows))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (label, key, k), points in series.items():
        xs = sorted(points)
        ys = [points[s] for s in xs]
        if k < 0:  # a detail of xlspm: thin dotted lines
            ax.plot(xs, ys, ":", marker=".", linewidth=1, label=label)
            continue
        colour = colours[variants.index(key) % len(colours)]
        line, marker = STYLES["xlspm"] if k == 0 else BASELINE_STYLES[(k - 1) % 3]
        ax.plot(xs, ys, line, marker=marker, color=colour, label=label)


def chart(data: dict, path: Path) -> Path:
    """Plot time (and peak memory) against input size, log-log, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    memory = _series(rows, "peak_mb", "baseline_peak_mb", memory=True)
    fig, axes = plt.subplots(1, 2 if memory else 1, figsize=(12 if memory else 7, 5))
    ax = axes[0] if memory else axes
    _plot(ax, rows, _series(rows, "seconds", "baseline_seconds", memory=False))
    _linear_guide(ax, rows)
    _axes(ax, "seconds (log)", f"{data['benchmark']}: time")
    if memory:
        _plot(axes[1], rows, memory)
        _axes(axes[1], "peak MB (log)", f"{data['benchmark']}: peak memory")
    fig.suptitle(data.get("machine", ""), fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _linear_guide(ax, rows: list[dict]) -> None:
    """Draw a slope-1 line through xlspm's largest point, for the eye."""
    points = sorted((r["size"], r["seconds"]) for r in rows if r.get("seconds"))
    if len(points) < 2 or not any(r.get("stages") for r in rows):
        return
    (n0, _), (n1, t1) = points[0], points[-1]
    ax.plot([n0, n1], [t1 * n0 / n1, t1], color="grey", alpha=0.5, label="linear")


def _axes(ax, ylabel: str, title: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input size (log)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)


def section(run: dict, chart_link: str | None) -> list[str]:
    """Markdown for one benchmark run.

    Parameters
    ----------
    run : dict
        ``name``, ``script``, ``args``, ``seconds`` (wall time), ``ok``,
        ``error`` (when not ok) and ``data`` (its JSON, when written).
    chart_link : str or None
        Relative link to the chart PNG.

    Returns
    -------
    list of str
        Lines of Markdown.
    """
    data = run.get("data") or {}
    cmd = " ".join(["python", f"benchmarks/{run['script']}", *run["args"]])
    out = [f"## {run['name']}", ""]
    if data.get("title"):
        out += [data["title"], ""]
    out += [f"`{cmd}` ({run['seconds']:.0f} s wall time)", ""]
    if not run["ok"]:
        out += [f"**FAILED**: {run['error']}", ""]
        if run.get("tail"):
            out += ["```text", *run["tail"], "```", ""]
    if data.get("rows"):
        out += [*table(data["rows"]), ""]
    if data.get("targets"):
        out += ["Targets:", "", *targets(data["targets"]), ""]
    for note in data.get("notes", []):
        out += [f"- {note}"]
    if data.get("notes"):
        out.append("")
    if chart_link:
        out += [f"![{run['name']}: time against input size]({chart_link})", ""]
    return out


def page(meta: dict, runs: list[dict], folder: str, charts: dict) -> str:
    """Return the whole Markdown report (docs/benchmarks.md).

    Parameters
    ----------
    meta : dict
        The run's label (see :func:`header`).
    runs : list of dict
        One entry per benchmark (see :func:`section`); a run whose JSON
        cannot be rendered is marked failed (``ok`` set to False).
    folder : str
        The folder of ``results.json`` and the charts, relative to the page.
    charts : dict of str to str
        Benchmark name -> relative link of its chart PNG.

    Returns
    -------
    str
        The page, ending with a newline.
    """
    lines = [*header(meta, folder), *summary(runs), ""]
    for run in runs:
        try:
            lines += section(run, charts.get(run["name"]))
        except Exception as exc:  # a malformed JSON must not lose the others
            run["ok"] = False
            lines += [f"## {run['name']}", "", f"**FAILED** to report: {exc!r}", ""]
    return "\n".join(lines).rstrip() + "\n"


def header(meta: dict, folder: str) -> list[str]:
    """Markdown title and the run's label: kind, date, commit, machine."""
    quick = meta.get("quick")
    kind = "Quick run (small sizes; targets are set at the full sizes)"
    return [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run_all.py`"
        f"{' --quick' if quick else ''} (`make bench{'-quick' if quick else ''}`); "
        "do not edit by hand. Every number, as JSON: "
        f"[{folder}/results.json]({folder}/results.json).",
        "",
        f"- {kind if quick else 'Full run'}, {meta['date']}, commit "
        f"{meta['commit']}, {meta['seconds'] / 60:.1f} min of benchmarks in all.",
        f"- Machine: {meta['machine']}.",
        *[
            f"- Re-run separately and merged (`run_all.py --only {r['name']} "
            f"--merge`): {r['name']}, {r['date']}, commit {r['commit']}."
            for r in meta.get("reruns", [])
        ],
        "- Absolute times hold for the machine above only and vary between "
        "runs; each ratio is measured side by side in one run. "
        "`xlspm faster by` = baseline time / xlspm time.",
        "- `other processes`: CPU cores that processes outside the benchmark "
        "used on average while it ran (Linux /proc/stat); well above zero, "
        "they competed for the cores and the absolute times are inflated.",
        "",
    ]


def summary(runs: list[dict]) -> list[str]:
    """Markdown overview: status, targets and competing load per benchmark."""
    out = [
        "| benchmark | status | wall time | targets met | other processes |",
        "|---|---|---:|---|---:|",
    ]
    for run in runs:
        items = (run.get("data") or {}).get("targets", [])
        met = sum(bool(t.get("met")) for t in items)
        status = "ok" if run["ok"] else "**FAILED**"
        verdicts = f"{met} of {len(items)}" if items else "-"
        load = "-"
        if run.get("other_cores") is not None:
            load = f"{run['other_cores']:.2f} cores"
            if run.get("steal_cores", 0) >= 0.05:
                load += f" (+{run['steal_cores']:.2f} stolen)"
        out.append(
            f"| {run['name']} | {status} | {run['seconds']:.0f} s | {verdicts} "
            f"| {load} |"
        )
    return out
