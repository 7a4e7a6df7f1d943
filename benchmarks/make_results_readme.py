"""Write results/README.md from the JSON files in results/: one section per file.

Each section says what produced the file (the command the file records; for files written
before commands were recorded, the command rebuilt from the file's name and settings), on
what machine and when, and shows its tables. Nothing in it is written by hand: rerun after
adding or replacing a result.

    python benchmarks/make_results_readme.py [--results DIR] [--output FILE]
"""

import argparse
import json
import re
import shlex
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results"

# bench_peers.py's defaults: flags equal to them are left out of a rebuilt command.
PEERS_DEFAULTS = {"systems": ["lorenz63", "rossler", "laser"], "noise": [0.0, 0.05],
                  "models": ["esn", "sindy", "bptt", "tf", "skchaos"], "seeds": [0, 1, 2],
                  "esn_input_noise": [0.0, 0.01, 0.05]}
# Top-level keys that are not results: the machine, the command, run settings shown in the
# command, and tooling details.
NOT_RESULTS = {"machine", "command", "settings", "threadpools", "processor", "quick",
               "rnn_params", "rnn_grid", "matched_noise", "esn_input_noise", "sweeps"}
MAX_LIST = 8  # longer lists of numbers in a cell are summarised by their length


# ------------------------------------------------------------------------ commands
def _unique(values):
    return list(dict.fromkeys(values))


def _arg(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def _peers_command(data):
    rows = data.get("rows", [])
    models = _unique(r["model"] for r in rows)
    args = []
    lists = {"systems": _unique(r["system"] for r in rows),
             "noise": _unique(r["noise"] for r in rows),
             "models": [m for m in PEERS_DEFAULTS["models"] if m in models],
             "seeds": _unique(r["seed"] for r in rows if r["model"] != "sindy")
             or _unique(r["seed"] for r in rows)}
    for name, values in lists.items():
        if values and values != PEERS_DEFAULTS[name]:
            args += [f"--{name}", *map(_arg, values)]
    if data.get("quick"):
        args.append("--quick")
    for key in ("rnn_params", "rnn_grid"):
        if data.get(key):
            args += [f"--{key.replace('_', '-')}", json.dumps(data[key])]
    if data.get("matched_noise"):
        args.append("--matched-noise")
    if "esn" in models:
        # Files older than the option ran the ESN grid without training-input noise.
        levels = data.get("esn_input_noise", [0.0])
        if levels != PEERS_DEFAULTS["esn_input_noise"]:
            args += ["--esn-input-noise", *map(_arg, levels)]
    return "studies/bench_peers.py", args


def _sweep_taus(data):
    taus = _unique(r["tau"] for r in data.get("summary", data.get("rows", [])))
    return ["None" if t is None else str(t) for t in taus]


def rebuilt_command(stem, data):
    """(script, args, note) for a file that does not record its command."""
    def match(pattern):
        return re.fullmatch(pattern, stem)

    note = None
    if stem.startswith("peers"):
        script, args = _peers_command(data)
    elif stem == "epoch_scaling":
        script, args = "studies/bench_epoch_time.py", ["--scaling", "--repeats", "5"]
        note = ("a mode since replaced by the asv benchmark `speed/training.py` "
                "(`Fit.time_fit`)")
    elif stem == "epoch_time":
        script, args = "studies/bench_epoch_time.py", ["--repeats", "11"]
    elif stem == "memory_and_free_run":
        script, args = "bench_memory_and_free_run.py", []
        note = ("a script since replaced by the asv benchmarks `speed/training.py` "
                "(`FitMemory`) and `speed/simulation.py` (`FreeRun`)")
    elif stem == "loss_explosion":
        script, args = "studies/study_loss_explosion.py", []
    elif m := match(r"lyapunov_(qr|data|nolds|model)"):
        script = "studies/bench_lyapunov.py"
        args = ["--part", m[1]] + (["--repeats", "5"] if m[1] == "qr" else [])
    elif m := match(r"reconstruction_(\w+)"):
        script = "studies/bench_reconstruction.py"
        args = ["--experiment", m[1], "--figure", f"results/{stem}.png"]
    elif m := match(r"tau_sweep_(\w+)"):
        script = "studies/bench_tau_sweep.py"
        args = ["--system", m[1], "--figure", f"results/{stem}.png"]
    elif m := match(r"restarts_(\w+?)(_[\d_]+)?"):
        script = "studies/bench_tau_sweep.py"
        args = ["--system", data.get("system", m[1]), "--taus", *_sweep_taus(data),
                "--n-init", str(data.get("n_init", 1))]
    elif m := match(r"tau_search_([a-z0-9]+)(_.*)?"):
        script = "studies/bench_tau_search.py"
        sweeps = data.get("sweeps") or [f"results/tau_sweep_{m[1]}.json"]
        args = ["--system", m[1], "--sweep", *sweeps]
        if data.get("n_init", 1) != 1:
            args += ["--n-init", str(data["n_init"])]
    elif stem == "gradients":
        script, args = "studies/bench_gradients.py", ["--figure", "results/gradients.png"]
    elif stem in ("floor", "parallel_search", "tau_auto_noise"):
        script, args = f"studies/bench_{stem}.py", []
    else:
        return None, [], "unknown: the file records no command"
    return script, args + ["--json", f"results/{stem}.json"], note


def command_text(stem, data):
    """The command line (from benchmarks/) and a remark on where it comes from."""
    if isinstance(data.get("command"), dict):
        command = data["command"]
        return ("python " + shlex.join([command["script"], *command["argv"]]),
                "recorded by the script")
    script, args, note = rebuilt_command(stem, data)
    if script is None:
        return None, note
    remark = ("rebuilt from the file's name and settings: the file predates recorded "
              "commands, and the code it ran may since have changed")
    if note:
        remark += "; " + note
    return "python " + shlex.join([script, *args]), remark


# -------------------------------------------------------------------------- machine
def machine_text(machine):
    if not isinstance(machine, dict):
        return str(machine) if machine else "not recorded"
    parts = [machine.get("date"), machine.get("cpu")]
    if machine.get("n_cpus"):
        parts[-1] = f"{parts[-1]} ({machine['n_cpus']} cpus)"
    for name in ("python", "numpy", "numba", "scikit-learn"):
        if machine.get(name):
            parts.append(f"{name} {machine[name]}")
    blas = machine.get("blas") or []
    if blas:
        parts.append("BLAS " + ", ".join(
            f"{b.get('internal_api')} {b.get('version')} x{b.get('num_threads')}"
            for b in blas))
    if "numba_threads" in machine:
        parts.append(f"numba threads {machine['numba_threads']}")
    return "; ".join(str(p) for p in parts if p)


# --------------------------------------------------------------------------- tables
def cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return ""
    if isinstance(value, list):
        if len(value) > MAX_LIST or any(isinstance(v, (list, dict)) for v in value):
            return f"({len(value)} values)"
        return " / ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows):
    """A markdown table of a list of dicts; columns in order of first appearance."""
    columns = _unique(k for r in rows for k, v in r.items()
                      if not (isinstance(v, list) and v and isinstance(v[0], dict)))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return lines


def _is_records(value):
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def result_blocks(data):
    """(title, markdown lines) for each table of a result file."""
    blocks, scalars = [], []
    for key, value in data.items():
        if key in NOT_RESULTS:
            continue
        if key == "rows" and "summary" in data:
            blocks.append((None, [f"Per-seed rows: {len(value)}, in the JSON file."]))
        elif _is_records(value) and all(isinstance(v.get("summary"), dict) for v in value):
            blocks.append((f"{key} (summaries)", table([v["summary"] for v in value])))
        elif _is_records(value):
            blocks.append((key, table(value)))
        elif isinstance(value, dict) and value and not any(
                isinstance(v, (dict, list)) for v in value.values()):
            blocks.append((key, table([{"": k, "value": v} for k, v in value.items()])))
        else:
            scalars.append({"quantity": key, "value": value})
    if scalars:
        blocks.insert(0, ("values", table(scalars)))
    return blocks


# --------------------------------------------------------------------------- README
def section(path):
    data = json.loads(path.read_text())
    stem = path.stem
    command, remark = command_text(stem, data)
    lines = [f"## {path.name}", ""]
    if command:
        lines += ["Produced by (from `benchmarks/`):", "", "```", command, "```", "",
                  f"Command {remark}."]
    else:
        lines.append(f"Produced by: {remark}.")
    lines += ["", f"Machine: {machine_text(data.get('machine'))}."]
    companions = [p.name for p in (path.with_suffix(".txt"), path.with_suffix(".png"))
                  if p.exists()]
    if companions:
        lines += ["", "Beside it: " + ", ".join(f"[{n}]({n})" for n in companions) + "."]
    for title, block in result_blocks(data):
        lines.append("")
        if title:
            lines += [f"**{title}**", ""]
        lines += block
    return lines, command


def build(results_dir):
    paths = sorted(results_dir.glob("*.json"))
    header = [
        "# Benchmark results",
        "",
        "Generated by `benchmarks/make_results_readme.py` from the JSON files in this folder:",
        "do not edit by hand; rerun it after adding or replacing a result. How to run the",
        "benchmarks, and what the studies found: `benchmarks/README.md`.",
        "",
        "| file | script | date |",
        "|---|---|---|",
    ]
    sections = []
    for path in paths:
        lines, command = section(path)
        sections += [""] + lines
        data = json.loads(path.read_text())
        machine = data.get("machine")
        date = machine.get("date", "") if isinstance(machine, dict) else ""
        script = shlex.split(command)[1] if command else ""
        anchor = re.sub(r"[^a-z0-9_-]", "", path.name.lower())
        header.append(f"| [{path.name}](#{anchor}) | `{script}` | {date} |")
    return "\n".join(header + sections) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--output", type=Path, default=None,
                        help="default: README.md in the results folder")
    args = parser.parse_args()
    output = args.output or args.results / "README.md"
    output.write_text(build(args.results))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
