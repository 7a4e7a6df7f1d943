"""Side-by-side panel results: configurations as columns, systems as rows.

Reads the JSON files that ``bench_panel.py`` writes (or its partial files, for a run still
going) and prints, per system, the median over the seeds present of D_stsp / floor and
D_H / floor (first 10^5 free-run steps, and ``--late``: the last 10^5 of 10^6), the share
of fits whose lambda_max is within 20% of the data's, and the share of bounded runs; then
the target counts per configuration, on the (system, seed) cells that every
configuration has, so the columns compare like with like.

    python studies/compare_panels.py paper=results/panel_paper.json \\
        default=results/panel_default.json esn=results/panel_esn.json \\
        --name panel_comparison
"""

import argparse
import contextlib
import io
import json
import statistics
from pathlib import Path

from _common import RESULTS_DIR, print_table, write_json
from bench_panel import LAMBDA_TOLERANCE, RATIO_TARGET
from panel_systems import PANEL


def _rows(path):
    data = json.loads(Path(path).read_text())
    return data["rows"] if isinstance(data, dict) else data


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def compare(configs, parts=("stsp_early", "H_early")):
    """(per-system table, target table) over the cells every configuration has."""
    cells = set.intersection(*({(r["system"], r["seed"]) for r in rows}
                               for rows in configs.values()))
    shared = {name: [r for r in rows if (r["system"], r["seed"]) in cells]
              for name, rows in configs.items()}
    table = []
    for system in [s for s in PANEL if any(c[0] == s for c in cells)]:
        entry = {"system": system,
                 "seeds": len([c for c in cells if c[0] == system])}
        for name, rows in shared.items():
            mine = [r for r in rows if r["system"] == system]
            for part in parts:
                entry[f"{name}:{part.split('_')[0]}"] = _median(
                    r.get(f"{part}_ratio") for r in mine)
            entry[f"{name}:lam_ok"] = f"{sum(bool(r.get('lambda_ok')) for r in mine)}/" \
                                      f"{len(mine)}"
        table.append(entry)
    targets = []
    for name, rows in shared.items():
        entry = {"config": name, "fits": len(rows)}
        for part in ("stsp_early", "stsp_late", "H_early", "H_late"):
            entry[f"{part}<={RATIO_TARGET:g}x"] = sum(
                (r.get(f"{part}_ratio") or float("inf")) <= RATIO_TARGET for r in rows)
        entry[f"lambda within {LAMBDA_TOLERANCE:.0%}"] = sum(
            bool(r.get("lambda_ok")) for r in rows)
        entry["bounded"] = sum(bool(r.get("bounded")) for r in rows)
        entry["median fit_s"] = _median(r.get("fit_s") for r in rows)
        targets.append(entry)
    return table, targets


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", help="name=path.json")
    parser.add_argument("--late", action="store_true",
                        help="compare the last 10^5 steps of the 10^6-step runs")
    parser.add_argument("--name", default=None,
                        help="write results/NAME.json and the printed tables to NAME.txt")
    args = parser.parse_args()
    configs = dict(spec.split("=", 1) for spec in args.configs)
    loaded = {name: _rows(path) for name, path in configs.items()}
    parts = ("stsp_late", "H_late") if args.late else ("stsp_early", "H_early")
    table, targets = compare(loaded, parts)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print(f"Ratios to the floor ({', '.join(parts)}; medians over seeds); lam_ok: "
              f"lambda_max within {LAMBDA_TOLERANCE:.0%} of the data's")
        print_table(table, list(table[0]))
        print()
        print_table(targets, list(targets[0]))
    print(buffer.getvalue(), end="")
    if args.name:
        write_json(args.name, {"sources": configs, "parts": parts, "systems": table,
                               "targets": targets})
        (RESULTS_DIR / f"{args.name}.txt").write_text(buffer.getvalue())


if __name__ == "__main__":
    main()
