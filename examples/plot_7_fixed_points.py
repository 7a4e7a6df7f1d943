"""
What the model says: fixed points and attractors of a Lorenz-63 model
=====================================================================

A fitted model is a dynamical system of its own, and a piecewise-linear one: inside each
linear region its step is affine, so its fixed points solve linear systems exactly and
their stability is read from the eigenvalues of the region's Jacobian
(:func:`skchaos.analysis.fixed_points`, the SCYFI search of Eisenmann et al., NeurIPS
2023). Lorenz-63 has three fixed points: the origin, a saddle with one unstable direction,
and the centres of the two wings, ``(+-sqrt(beta (rho - 1)), +-sqrt(beta (rho - 1)),
rho - 1)``, each with an unstable complex pair (a saddle-focus). Does a model trained only
on the chaotic trajectory know them? And does it have attractors that the data never
showed (:func:`skchaos.analysis.attractors`)?
"""

# %%
# Fit the default model
# ---------------------
# 30,000 samples at dt = 0.01 and the default settings (about a minute on two cores).
import matplotlib.pyplot as plt
import numpy as np

from skchaos import ChaoticRNNRegressor
from skchaos.analysis import attractors, fixed_points, plot_orbits
from skchaos.datasets import make_lorenz63

X = make_lorenz63(30_000, random_state=0)
est = ChaoticRNNRegressor(random_state=1).fit(X)

# %%
# Its fixed points
# ----------------
# Positions are in the data's units (through the readout and the standardisation).
# ``kind`` and ``n_unstable`` come from the eigenvalues of the map's Jacobian: a map's
# fixed point is unstable in a direction whose eigenvalue has modulus above 1
# (``exp(lambda dt)`` for an eigenvalue ``lambda`` of the flow).
orbits = fixed_points(est, random_state=0)
print(orbits)

# %%
# Against the true fixed points, in units of the attractor's standard deviation:
sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0
wing = np.sqrt(beta * (rho - 1.0))
truth = {"origin": [0.0, 0.0, 0.0], "wing +": [wing, wing, rho - 1.0],
         "wing -": [-wing, -wing, rho - 1.0]}
attractor_std = np.sqrt(X.var(axis=0).sum())
for name, point in truth.items():
    nearest = min(orbits, key=lambda o: np.linalg.norm(o.position - point))
    distance = np.linalg.norm(nearest.position - point) / attractor_std
    print(f"{name:7s} found at {np.round(nearest.position, 2)}: {distance:.1%} of the "
          f"attractor's std, {nearest.kind}, |eigenvalue| up to {nearest.spectral_radius:.4f}")

# %%
# The positions are close. The types are harder: the true wing points are unstable by
# ``exp(0.094 * 0.01) = 1.0009`` per step, a margin the data barely constrain (a
# trajectory only spirals out from near them), so a model's wing points can come out
# weakly stable instead. The eigenvalues say how close to the line each one is.
#
# The picture
# -----------
# Filled markers are stable, hollow ones unstable; the shape gives the number of unstable
# directions.
ax = plot_orbits(est, orbits)
ax.set_title("Fixed points of the learned Lorenz-63 model")
plt.show()

# %%
# Attractors the data never showed
# --------------------------------
# Free runs from 32 initial states, grouped by where they end up. ``from_data`` marks the
# attractor reached from the state the training data leave the model in; ``divergence``
# compares each attractor with the data. A stable fixed point or a cycle among them is a
# behaviour the modelled system does not have: where it attracts free runs, the model is
# wrong there, however well it forecasts from the data.
report = attractors(est, X=X, random_state=0)
print(report)
print("more than one attractor:", report.multistable)
