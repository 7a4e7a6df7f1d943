"""
Lyapunov spectra: of the equations, of the data, of a model
===========================================================

The Lyapunov spectrum says how fast nearby orbits separate along each direction; its
largest exponent ``lambda_max`` sets the predictability time ``ln 2 / lambda_max``, the
forcing interval sparse teacher forcing needs. skchaos computes spectra three ways, all by
the same tangent-space QR recursion:

* of a known system, from its Jacobians (:func:`skchaos.lyapunov.lyapunov_spectrum`);
* from data, with local linear Jacobians fitted on nearest neighbours
  (:class:`~skchaos.LyapunovSpectrum` with ``estimator=None``);
* of a fitted model, from its exact Jacobians ``A + W diag(z > 0)`` along its own free run
  (``LyapunovSpectrum(estimator)``).

Each keeps its running estimate (``convergence_``, or ``return_convergence=True``), which
shows whether the average has settled. A chaotic flow sampled every ``dt`` has one
exponent near zero (the direction along the orbit), and a dissipative one has a negative
sum.
"""

# %%
# The three spectra of Lorenz-63
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import Lorenz63, make_lorenz63
from skchaos.lyapunov import lyapunov_spectrum

DT = 0.01
system = Lorenz63()
X = make_lorenz63(20_000, dt=DT, random_state=0)

# From the equations: 20,000 sampling intervals of the variational equations.
exact, exact_running = lyapunov_spectrum(system, n_steps=20_000, dt=DT,
                                         return_convergence=True)
# From the data: 20,000 samples of the full state.
from_data = LyapunovSpectrum(dt=DT).fit(X)
# Of a small model fitted to the same data (as in the quick start), along 20,000 steps
# of its free run; only its three largest exponents.
# The paper's model (PLRNN) with sparse teacher forcing every 30 steps.
est = ChaoticRNNRegressor(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=30, tau=30,
                          n_epochs=500, random_state=0).fit(X)
of_model = LyapunovSpectrum(est, n_exponents=3, n_steps=20_000, dt=DT).fit(X)

print(f"{'per time unit':28s}{'lambda_1':>10s}{'lambda_2':>10s}{'lambda_3':>10s}")
rows = [("literature", system.literature_spectrum),
        ("equations (20,000 steps)", exact),
        ("data (20,000 samples)", from_data.exponents_),
        ("model (20,000 steps)", of_model.exponents_)]
for name, exponents in rows:
    print(f"{name:28s}" + "".join(f"{v:10.3f}" for v in exponents[:3]))
print(f"Kaplan-Yorke dimension: data {from_data.kaplan_yorke_dimension_:.3f}, "
      f"model (top 3 exponents) {of_model.kaplan_yorke_dimension_:.3f}")
print(f"predictability time ln 2 / lambda_max: data {from_data.suggested_tau_} steps, "
      f"model {of_model.suggested_tau_} steps")

# %%
# Convergence of the running estimates
# ------------------------------------
# ``convergence_`` holds the running average at up to 200 evenly spaced QR steps. For the
# data the recursion moves ``evolution_steps_`` samples per step (half the lag at which the
# autocorrelation falls below 1/e), so the horizontal axis counts samples.


def record_steps(n_records, n_qr, step_size=1):
    """Steps (or samples) at which the running estimates were recorded."""
    every = max(1, n_qr // n_records)
    return np.arange(1, n_records + 1) * every * step_size


m = from_data.evolution_steps_
n_qr_data = len(from_data.jacobians_[::m])
curves = [
    ("equations", record_steps(len(exact_running), 20_000), exact_running),
    ("data", record_steps(len(from_data.convergence_), n_qr_data, m),
     from_data.convergence_),
    ("model", record_steps(len(of_model.convergence_), 20_000), of_model.convergence_),
]

fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (name, steps, running) in zip(axes, curves, strict=True):
    for j in range(running.shape[1]):
        ax.plot(steps, running[:, j], color=f"C{j}", label=f"lambda_{j + 1}")
    for j, value in enumerate(system.literature_spectrum):
        ax.axhline(value, color=f"C{j}", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_title(name)
    ax.set_xlabel("steps (samples for the data)")
axes[0].set_ylabel("running estimate (per time unit)")
axes[0].legend(fontsize=8)
fig.suptitle("Lorenz-63, dt = 0.01: dotted lines are the literature values")
fig.tight_layout()

# %%
# The largest exponent alone, where the scale of the negative exponent hides it:
fig, ax = plt.subplots(figsize=(6, 3.5))
for (name, steps, running), color in zip(curves, ("C0", "C1", "C2"), strict=True):
    ax.plot(steps, running[:, 0], color=color, label=name)
ax.axhline(system.literature_max_exponent, color="k", ls=":", lw=1, label="literature")
ax.set_xscale("log")
ax.set_ylim(0, 2 * system.literature_max_exponent)
ax.set_xlabel("steps (samples for the data)")
ax.set_ylabel("lambda_max (per time unit)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
