"""What a fitted model says about the system: fixed points, cycles, attractors.

Every model of :mod:`skchaos.dynamics` is piecewise linear: inside each linear region its
step is affine, so fixed points and cycles are exact solutions of linear systems and their
stability is read from the eigenvalues of the region's (product) Jacobian.
"""

from ._attractors import Attractor, AttractorReport, attractors
from ._fixed_points import cycles, fixed_points
from ._orbits import Orbit, OrbitTable
from ._plot import plot_orbits

__all__ = ["Attractor", "AttractorReport", "Orbit", "OrbitTable", "attractors", "cycles",
           "fixed_points", "plot_orbits"]
