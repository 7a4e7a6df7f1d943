"""
Quick start: learn the Lorenz-63 attractor
==========================================

Fit a small :class:`~skchaos.ChaoticRNNRegressor` to a Lorenz-63 series, let the fitted
model run freely, and judge the free run by what matters for a chaotic system: the shape of
its attractor (state-space divergence, :math:`D_{stsp}`) and its power spectrum (Hellinger
distance, :math:`D_H`).

The model is the default (a clipped shallow PLRNN trained with adaptive generalised
teacher forcing), trained for 500 epochs instead of 1000 so that this page builds quickly;
the benchmarks in :doc:`/benchmarks` use the defaults.
"""

# %%
# Data
# ----
# 20,000 samples of Lorenz-63 at ``dt = 0.01`` to train on, and an independent trajectory
# of 100,000 samples to judge the free run against.
import time

import matplotlib.pyplot as plt

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63
from skchaos.metrics import power_spectrum_distance, state_space_divergence

X_train = make_lorenz63(20_000, dt=0.01, random_state=0)
X_test = make_lorenz63(100_000, dt=0.01, random_state=1)

# %%
# Fit
# ---
# At every step the observed units are pulled part of the way towards the data, by a
# strength ``gtf_alpha_curve_`` chosen from the model's Jacobians, so that gradients stay
# bounded however long the window. ``verbose=1`` reports ten times per fit: the training
# loss, the latest validation score (minus the state-space divergence of a free run on
# held-out data; the best-scoring parameters are kept) and the time so far.
est = ChaoticRNNRegressor(n_epochs=500, random_state=0, verbose=1)
start = time.perf_counter()
est.fit(X_train)
print(f"fit: {time.perf_counter() - start:.1f} s; kept the parameters of epoch "
      f"{est.best_epoch_ + 1} of {est.n_iter_}; last gtf_alpha {est.gtf_alpha_curve_[-1]:.3f}")

# %%
# Free run and measures
# ---------------------
# ``predict(n_steps)`` free-runs the learned system from the end of the training data. A
# second trajectory of the true system, scored the same way, shows how close to zero
# the measures can get at this length.
X_gen = est.predict(100_000)
X_reference = make_lorenz63(100_000, dt=0.01, random_state=2)

print(f"{'':24s}{'model':>8s}{'true system':>13s}")
print(f"{'D_stsp (lower: better)':24s}{state_space_divergence(X_test, X_gen):8.3f}"
      f"{state_space_divergence(X_test, X_reference):13.3f}")
print(f"{'D_H (lower: better)':24s}{power_spectrum_distance(X_test, X_gen):8.3f}"
      f"{power_spectrum_distance(X_test, X_reference):13.3f}")

# %%
# The two attractors side by side
# -------------------------------
# The free run does not follow the test trajectory step by step (no model of a chaotic
# system can for long); it should trace out the same butterfly.
n_show = 10_000
fig = plt.figure(figsize=(10, 4.5))
for k, (X, title) in enumerate([(X_test, "Lorenz-63 (data)"),
                                (X_gen, "ChaoticRNNRegressor (free run)")]):
    ax = fig.add_subplot(1, 2, k + 1, projection="3d")
    ax.plot(*X[:n_show].T, lw=0.3, color=f"C{k}")
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("z")
fig.tight_layout()

# %%
# The first coordinate over time: the free run oscillates around the two wings and
# switches between them irregularly, as the data do.
fig, ax = plt.subplots(figsize=(10, 3))
ax.plot(X_test[:3000, 0], lw=0.8, label="data")
ax.plot(X_gen[:3000, 0], lw=0.8, label="free run")
ax.set_xlabel("step")
ax.set_ylabel("x")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()
