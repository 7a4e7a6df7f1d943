"""
Why chaotic data break backpropagation through time
===================================================

The gradient of a loss over T steps of a recurrent network contains products of T
Jacobians of the network's map. If the network is chaotic, as it must be to reproduce a
chaotic attractor, those products grow like ``exp(lambda_max * T)``, so the gradient of a
long window explodes. Sparse teacher forcing resets the latent state from the data every
``tau`` steps, which cuts the product into pieces no longer than ``tau``.

:func:`skchaos.diagnostics.gradient_norms` measures this on a fitted model: the norm of
the loss gradient (geometric mean over random windows) as the window length T grows,
with or without forcing during the measurement.
"""

# %%
# A small chaotic model
# ---------------------
# The quick-start model, fitted to Lorenz-63; its largest Lyapunov exponent per step
# (from its exact Jacobians along its free run) is the growth rate the theory predicts.
import matplotlib.pyplot as plt
import numpy as np

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import make_lorenz63
from skchaos.diagnostics import gradient_norms

X = make_lorenz63(20_000, dt=0.01, random_state=0)
X_test = make_lorenz63(20_000, dt=0.01, random_state=1)
# The paper's model (PLRNN) with sparse teacher forcing every 30 steps.
est = ChaoticRNNRegressor(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=30, tau=30,
                          n_epochs=500, random_state=0).fit(X)
lam = LyapunovSpectrum(est, n_exponents=1).fit(X_test).exponents_per_step_[0]
print(f"lambda_max of the model: {lam:.4f} per step "
      f"(predictability time ln 2 / lambda_max = {np.log(2) / lam:.0f} steps)")

# %%
# Gradient norms against the window length
# ----------------------------------------
lengths = [10, 20, 50, 100, 200, 400, 800, 1600]
curves = {
    "no forcing (plain BPTT)": gradient_norms(est, X_test, lengths, n_windows=30),
    "forcing every 100 steps": gradient_norms(est, X_test, lengths, tau=100, n_windows=30),
    "forcing every 30 steps": gradient_norms(est, X_test, lengths, tau=30, n_windows=30),
}
print(f"{'T':>26s}" + "".join(f"{T:>10d}" for T in lengths))
for label, norms in curves.items():
    print(f"{label:>26s}" + "".join(f"{n:10.3g}" for n in norms))

# Growth rate of the unforced norm over the long windows, against lambda_max.
long = np.asarray(lengths) >= 200
slope = np.polyfit(np.asarray(lengths)[long], np.log(curves["no forcing (plain BPTT)"][long]),
                   1)[0]
print(f"unforced: log-norm slope over T >= 200 is {slope:.4f} per step; "
      f"lambda_max {lam:.4f} per step")

fig, ax = plt.subplots(figsize=(7, 4.2))
for label, norms in curves.items():
    ax.semilogy(lengths, norms, marker="o", label=label)
start = lengths.index(200)
reference = curves["no forcing (plain BPTT)"][start] * np.exp(
    lam * (np.asarray(lengths[start:]) - 200))
ax.semilogy(lengths[start:], reference, "k--", lw=1,
            label=f"exp(lambda_max T), lambda_max = {lam:.4f} per step")
ax.set_xlabel("window length T (steps)")
ax.set_ylabel("gradient norm (geometric mean)")
ax.set_title("A chaotic PLRNN fitted to Lorenz-63")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Without forcing the norm grows by orders of magnitude over a few hundred steps; with
# forcing it stays bounded over every window length measured here. How large ``tau`` may
# be, and which value trains the best model, is the subject of
# :ref:`sphx_glr_auto_examples_plot_2_tau_sweep.py`.
