"""
Choosing tau: the U-curve of the forcing interval
=================================================

How good a reconstruction is depends on the forcing interval ``tau``. Force every step
(``tau = 1``, classical teacher forcing) and the model only ever learns one-step
predictions; its free run can drift off the attractor. Never force (``tau = None``, plain
backpropagation through time) and the gradients of a chaotic model grow exponentially
with the window length. In between lies a range of good values, and the predictability
time ``ln 2 / lambda_max`` is the method's guide to where. Plotted against ``tau``, the
error of the free runs traces a U.

A sweep of default fits takes far longer than a documentation build (the stored run's wall
time is printed below), so this example does not train anything: it
plots the results that ``benchmarks/studies/bench_tau_sweep.py`` stores in
``benchmarks/results/tau_sweep_lorenz.json`` (Lorenz-63, ``dt = 0.01``, 30,000 training
samples; for every ``tau`` and seed a default fit, then a free run of 100,000 steps compared
with an independent trajectory). Rerun it with::

    cd benchmarks
    python bench_tau_sweep.py --system lorenz --json results/tau_sweep_lorenz.json

To search ``tau`` on your own data, use cross-validation on blocks in time order
(``GridSearchCV`` ranks by :meth:`~skchaos.ChaoticRNNRegressor.score`, a long-term
measure):

.. code-block:: python

    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from skchaos import ChaoticRNNRegressor

    paper = ChaoticRNNRegressor(model="plrnn", n_latent=80, forcing="pinv", gtf_alpha=0.0)
    search = GridSearchCV(paper, {"tau": [1, 5, 10, 25, 50, 100, None]},
                          cv=TimeSeriesSplit(3), n_jobs=-1).fit(X)
    search.best_params_

:ref:`sphx_glr_auto_examples_plot_6_dask_grid_search.py` runs such a search on a small
scale, on a dask cluster.
"""

# %%
# Read the benchmark's results
# ----------------------------
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

try:
    examples_dir = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs each example in its folder, without __file__
    examples_dir = Path.cwd()
path = examples_dir.parent / "benchmarks" / "results" / "tau_sweep_lorenz.json"
if not path.exists():
    raise FileNotFoundError(f"{path} is missing: run benchmarks/studies/bench_tau_sweep.py "
                            "--system lorenz --json results/tau_sweep_lorenz.json first.")
sweep = json.loads(path.read_text())
summary = sweep["summary"]

print(f"predictability time ln 2 / lambda_max: {sweep['tau_data']} steps (lambda_max "
      f"estimated from the training data), {sweep['tau_literature']} steps (literature)")
if "wall_s" in sweep:
    print(f"wall time of the sweep: {sweep['wall_s'] / 60:.0f} min")
print(f"{'tau':>6s}{'D_stsp mean':>13s}{'std':>8s}{'median':>9s}{'D_H mean':>10s}"
      f"{'std':>7s}{'fit (s)':>9s}")
for s in summary:
    print(f"{s['tau']!s:>6s}{s['D_stsp_mean']:13.3f}{s['D_stsp_std']:8.3f}"
          f"{s['D_stsp_median']:9.3f}{s['D_H_mean']:10.3f}{s['D_H_std']:7.3f}"
          f"{s['fit_s']:9.0f}")

# %%
# The U-curve
# -----------
# The median over seeds (the line) and every seed (the dots). A single failed seed can
# pull a mean far up, so the median is drawn; the table above has the means. ``tau =
# None`` (no forcing) is drawn to the right of the grid. The state-space divergence is on
# a log scale: failed reconstructions score more than 10, good ones well under 1.
finite = [s for s in summary if s["tau"] != "None"]
unforced = [s for s in summary if s["tau"] == "None"]
taus = np.array([s["tau"] for s in finite], dtype=float)
x_none = 2 * taus.max()
rows = sweep.get("rows", [])


def x_of(tau):
    return x_none if tau == "None" else float(tau)


def median_of(measure, tau):
    return float(np.median([r[measure] for r in rows if r["tau"] == tau]))


fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
for ax, measure, label in zip(axes, ("D_stsp", "D_H"),
                              ("state-space divergence $D_{stsp}$",
                               "power-spectrum distance $D_H$"), strict=True):
    ax.scatter([x_of(r["tau"]) for r in rows], [r[measure] for r in rows], s=14,
               color="0.6", zorder=1, label="single seeds")
    ax.plot(taus, [median_of(measure, s["tau"]) for s in finite], marker="o", color="C0",
            zorder=2, label="median over seeds")
    if unforced:
        ax.plot([x_none], [median_of(measure, "None")], marker="s", color="C3", ls="none",
                zorder=2, label="no forcing (tau = None), median")
    ax.axvline(sweep["tau_data"], color="k", ls="--", lw=1,
               label=f"ln 2 / lambda_max, data: {sweep['tau_data']}")
    if sweep.get("tau_literature") is not None:
        ax.axvline(sweep["tau_literature"], color="0.4", ls=":", lw=1,
                   label=f"ln 2 / lambda_max, literature: {sweep['tau_literature']}")
    ax.set_xscale("log")
    ticks = [*taus, x_none] if unforced else list(taus)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in taus] + (["None"] if unforced else []))
    ax.minorticks_off()
    if measure == "D_stsp":
        ax.set_yscale("log")
    ax.set_xlabel("tau (steps)")
    ax.set_ylabel(label)
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=5, fontsize=8)
fig.suptitle("Lorenz-63: quality of 10^5-step free runs against the forcing interval")
fig.tight_layout(rect=(0, 0.07, 1, 1))
plt.show()

# %%
# Reading the curve: the ``tau`` with the lowest median divergence, against the
# predictability time estimated from the data. The predictability time is where a search
# starts; where the minimum lies, on a given system and model, is for the sweep (or a
# ``GridSearchCV``) to tell.
best = min(finite, key=lambda s: s["D_stsp_median"])
print(f"lowest median D_stsp: tau = {best['tau']} ({best['D_stsp_median']:.3f}); "
      f"ln 2 / lambda_max from the data: {sweep['tau_data']}")
