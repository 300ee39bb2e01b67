"""The ratio peer / sparsedense of every asv benchmark, from asv's saved results.

asv's tables show absolute times; what a user reads is the ratio of each
contender to sparsedense measured in the same run. This script reads one
results file of asv 0.6 (``results/<machine>/<commit>-<env>.json``, with the
suite's ``results/benchmarks.json`` for the parameter names) and prints, for
every benchmark with an ``impl`` parameter (or a parameter one of whose values
is ``sparsedense``), one line per peer and combination of the other
parameters: sparsedense's value, the peer's, and the ratio peer / sparsedense.
For ``time_`` and ``peakmem_`` benchmarks a ratio > 1 means sparsedense is
faster / smaller; for ``track_`` benchmarks it is the plain quotient of the
tracked values. When asv saved quartiles, the range in brackets is the ratio
of the peer's quartiles to sparsedense's opposite ones (a spread, not a
confidence interval). A row asv could not measure (a peer not installed, a
combination that does not apply: its setup raised NotImplementedError, or a
failure) is ``n/a``. The header gives the machine asv recorded.

    asv run --python=same --set-commit-hash=main     # from benchmarks/: saves results
    python benchmarks/ratios.py                      # the newest results file
    python benchmarks/ratios.py --commit 211f5ac4 --machine vm --markdown
    python benchmarks/ratios.py path/to/results.json
"""

from __future__ import annotations

import argparse
import ast
import datetime
import glob
import itertools
import json
import math
import os
import sys

#: the contender every ratio is taken against
REFERENCE = "sparsedense"
#: names of the parameter that lists the contenders, in order of preference
IMPL_NAMES = ("impl", "implementation", "library")

HERE = os.path.dirname(os.path.abspath(__file__))


def _value(text: str):
    """A parameter value as asv stores it (its repr) turned back into Python where possible."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def load(path: str) -> dict:
    """One asv 0.6 results file, each benchmark's row turned into a dict of its columns."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if "result_columns" not in data or "results" not in data:
        raise ValueError(f"{path}: not an asv 0.6 results file (no 'result_columns'/'results')")
    columns = data["result_columns"]
    data["results"] = {name: dict(zip(columns, row)) for name, row in data["results"].items()}
    return data


def find_results(folder: str, machine: str | None = None, commit: str | None = None) -> str:
    """The newest results file under ``folder`` (asv's results/), of ``machine`` and ``commit``."""
    found = []
    for path in glob.glob(os.path.join(folder, "*", "*.json")):
        name = os.path.basename(path)
        if name == "machine.json" or (machine and os.path.basename(os.path.dirname(path))
                                      != machine):
            continue
        if commit and not name.startswith(commit[:8]):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                date = json.load(fh).get("date") or 0
        except (OSError, ValueError):
            continue
        found.append((date, path))
    if not found:
        raise FileNotFoundError(
            f"no asv results under {folder!r}" + (f" for machine {machine!r}" if machine else "")
            + (f" at commit {commit!r}" if commit else "")
            + " (run asv without --quick and with --set-commit-hash, see benchmarks/README.md)")
    return max(found)[1]


def _impl_axis(names: list[str], values: list[list]) -> int | None:
    for wanted in IMPL_NAMES:
        if wanted in names:
            return names.index(wanted)
    for axis, vals in enumerate(values):
        if REFERENCE in vals:
            return axis
    return None


def _number(x) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def ratios(results: dict, benchmarks: dict) -> list[dict]:
    """One row per (benchmark, combination of the other parameters, peer).

    ``results`` is :func:`load`'s output, ``benchmarks`` asv's benchmarks.json
    (name -> {"param_names", "type", "unit", ...}); a benchmark missing from
    it takes parameter names ``param0, param1, ...``.
    """
    rows = []
    for name in sorted(results["results"]):
        entry = results["results"][name]
        params = entry.get("params") or []
        if not params:
            continue
        values = [[_value(v) for v in axis] for axis in params]
        meta = benchmarks.get(name, {})
        names = list(meta.get("param_names") or [f"param{i}" for i in range(len(params))])
        axis = _impl_axis(names, values)
        if axis is None or REFERENCE not in values[axis]:
            continue
        result = entry.get("result") or [None] * math.prod(len(v) for v in values)
        q25 = entry.get("stats_q_25") or [None] * len(result)
        q75 = entry.get("stats_q_75") or [None] * len(result)
        cells = {}
        for k, combo in enumerate(itertools.product(*values)):
            cells[combo] = (_number(result[k]), _number(q25[k]), _number(q75[k]))
        kind = meta.get("type") or name.rsplit(".", 1)[-1].split("_", 1)[0]
        for combo in itertools.product(*values):
            impl = combo[axis]
            if impl == REFERENCE:
                continue
            ref_combo = combo[:axis] + (REFERENCE,) + combo[axis + 1:]
            ours, ours25, ours75 = cells[ref_combo]
            theirs, their25, their75 = cells[combo]
            ratio = theirs / ours if ours and theirs is not None else None
            low = high = None
            if None not in (ours25, ours75, their25, their75) and ours25 and ours75:
                low, high = their25 / ours75, their75 / ours25
            rows.append({
                "benchmark": name, "type": kind, "unit": meta.get("unit", ""),
                "params": ", ".join(f"{n}={v}" for i, (n, v) in enumerate(zip(names, combo))
                                    if i != axis),
                "peer": str(impl), "sparsedense": ours, "value": theirs, "ratio": ratio,
                "low": low, "high": high})
    return rows


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return "n/a"
    if unit == "seconds":
        for scale, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "us")):
            if x >= scale:
                return f"{x / scale:.3g} {suffix}"
        return f"{x * 1e9:.3g} ns"
    if unit == "bytes":
        return f"{x / 2**20:.0f} MiB"
    return f"{x:.4g}"


def _ratio(row: dict) -> str:
    if row["ratio"] is None:
        return "n/a"
    text = f"{row['ratio']:.3g}"
    if row["low"] is not None:
        text += f" ({row['low']:.3g}-{row['high']:.3g})"
    return text


def header(results: dict, machine: dict | None = None) -> list[str]:
    """The machine, commit, date and environment the results were measured with."""
    params = dict(machine or {})
    params.update({k: v for k, v in results.get("params", {}).items() if v})
    ram = params.get("ram")
    ram_text = f", {int(ram) / 2**30:.1f} GiB RAM" if str(ram or "").isdigit() else ""
    date = results.get("date")
    when = (datetime.datetime.fromtimestamp(date / 1000, datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC") if date else "date unknown")
    env = results.get("env_vars") or {}
    lines = [
        f"asv results: machine {params.get('machine', '?')} ({params.get('cpu', '?')}, "
        f"{params.get('arch', '?')}, {params.get('num_cpu', '?')} CPUs{ram_text}, "
        f"{params.get('os', '?')}), commit {str(results.get('commit_hash', '?'))[:8]}, {when}, "
        f"Python {results.get('python', '?')}"
        + (", " + ", ".join(f"{k}={v}" for k, v in env.items()) if env else ""),
        "ratio = peer / sparsedense (time_, peakmem_: > 1 means sparsedense is faster / "
        "smaller); in brackets the peer's quartiles over sparsedense's opposite ones; "
        "n/a: not measured (a peer not installed, a combination that does not apply, a failure)",
    ]
    return lines


def text(rows: list[dict], head: list[str]) -> str:
    out = [f"# {line}" for line in head]
    last = None
    for row in rows:
        key = (row["benchmark"], row["params"])
        if key != last:
            params = f" [{row['params']}]" if row["params"] else ""
            out.append(f"\n{row['benchmark']}{params}  sparsedense "
                       f"{_fmt(row['sparsedense'], row['unit'])}")
            last = key
        out.append(f"  {row['peer']:<28} {_fmt(row['value'], row['unit']):>12}   "
                   f"ratio {_ratio(row)}")
    return "\n".join(out) + "\n"


def markdown(rows: list[dict], head: list[str]) -> str:
    out = ["\n\n".join(head), "",
           "| benchmark | parameters | peer | sparsedense | peer's | ratio |",
           "|---|---|---|---|---|---|"]
    for row in rows:
        out.append(f"| `{row['benchmark']}` | {row['params']} | {row['peer']} | "
                   f"{_fmt(row['sparsedense'], row['unit'])} | {_fmt(row['value'], row['unit'])} "
                   f"| {_ratio(row)} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="a results file (default: the newest one)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"),
                        help="asv's results folder (default: benchmarks/results)")
    parser.add_argument("--machine", help="the machine name asv recorded")
    parser.add_argument("--commit", help="a commit hash (or its first 8 characters)")
    parser.add_argument("--markdown", action="store_true", help="a markdown table")
    args = parser.parse_args(argv)
    try:
        path = args.path or find_results(args.results, args.machine, args.commit)
        results = load(path)
    except (OSError, ValueError) as exc:
        print(f"ratios.py: {exc}", file=sys.stderr)
        return 1
    folder = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    benchmarks, machine = {}, {}
    for name, target in (("benchmarks.json", folder), ("machine.json", os.path.dirname(path))):
        try:
            with open(os.path.join(target, name), encoding="utf-8") as fh:
                loaded = json.load(fh)
        except (OSError, ValueError):
            continue
        if name == "benchmarks.json":
            benchmarks = loaded
        else:
            machine = loaded
    rows = ratios(results, benchmarks)
    head = header(results, machine)
    sys.stdout.write(markdown(rows, head) if args.markdown else text(rows, head))
    return 0


if __name__ == "__main__":
    sys.exit(main())
