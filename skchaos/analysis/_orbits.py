"""Fixed points and cycles as records: where they are, how stable, what kind."""

from dataclasses import dataclass, field

import numpy as np

from ._search import canonical_rotation
from ._table import RecordTable

# |lambda| within this of 1 is neither stable nor unstable (a non-hyperbolic orbit).
UNIT_CIRCLE_TOL = 1e-9
# An eigenvalue with a smaller imaginary part (relative to its modulus) is real.
REAL_TOL = 1e-9


def orbit_kind(eigenvalues):
    """The type of a fixed point or cycle of a map from its (product) Jacobian's eigenvalues.

    ``"stable node"`` / ``"stable focus"``: every |lambda| < 1, all real / some complex;
    ``"unstable node"`` / ``"unstable focus"``: every |lambda| > 1; ``"saddle"`` /
    ``"saddle-focus"``: some of each, the unstable ones all real / some complex;
    ``"non-hyperbolic"``: some |lambda| = 1 (within 1e-9), where linearisation decides
    nothing.
    """
    modulus = np.abs(eigenvalues)
    complex_ = np.abs(np.imag(eigenvalues)) > REAL_TOL * np.maximum(modulus, 1e-300)
    if np.any(np.abs(modulus - 1.0) <= UNIT_CIRCLE_TOL):
        return "non-hyperbolic"
    unstable = modulus > 1.0
    if not unstable.any():
        return "stable focus" if complex_.any() else "stable node"
    if unstable.all():
        return "unstable focus" if complex_.any() else "unstable node"
    return "saddle-focus" if complex_[unstable].any() else "saddle"


@dataclass(frozen=True, eq=False)
class Orbit:
    """A fixed point (``period == 1``) or a cycle of a fitted model.

    Attributes
    ----------
    period : int
        Steps before the orbit returns (its minimal period).
    points : ndarray of shape (period, n_features)
        The orbit's states in the data's units (through the readout and the estimator's
        standardisation), in the order the model visits them.
    latent : ndarray of shape (period, n_latent)
        The same states in the model's latent units.
    eigenvalues : ndarray of shape (n_latent,), complex
        Eigenvalues of the product of the Jacobians along the orbit (the fixed point's
        Jacobian; a cycle's Floquet multipliers), by decreasing modulus.
    regions : ndarray of shape (period, n_codes)
        The codes of the linear regions the states lie in.
    in_data_range : bool or None
        Whether every state lies in the training data's range widened by 10% of its extent
        on every side; None for a bare latent model. Outside it, the orbit is an
        extrapolation of the model, not a statement about the data's system.
    """

    period: int
    points: np.ndarray
    latent: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray
    regions: np.ndarray = field(repr=False)
    in_data_range: bool | None

    @property
    def position(self):
        """The first state in the data's units, (n_features,): a fixed point's position."""
        return self.points[0]

    @property
    def n_unstable(self):
        """Directions in which the orbit repels: eigenvalues with modulus above 1."""
        return int(np.sum(np.abs(self.eigenvalues) > 1.0 + UNIT_CIRCLE_TOL))

    @property
    def kind(self):
        """``"stable node"``, ``"stable focus"``, ``"saddle"``, ``"saddle-focus"``,
        ``"unstable node"``, ``"unstable focus"`` or ``"non-hyperbolic"``."""
        return orbit_kind(self.eigenvalues)

    @property
    def stable(self):
        """Whether the orbit attracts its neighbourhood (every eigenvalue of modulus
        below 1)."""
        return bool(np.all(np.abs(self.eigenvalues) < 1.0 - UNIT_CIRCLE_TOL))

    @property
    def spectral_radius(self):
        """The largest modulus of the eigenvalues: the growth per period of the most
        unstable perturbation."""
        return float(np.abs(self.eigenvalues[0]))

    def as_record(self):
        """The orbit as a flat dict of plain values (one row of a table)."""
        record = {"period": self.period, "kind": self.kind, "n_unstable": self.n_unstable,
                  "spectral_radius": self.spectral_radius,
                  "in_data_range": self.in_data_range}
        for i, value in enumerate(self.position):
            record[f"x{i}"] = float(value)
        return record


class OrbitTable(RecordTable):
    """A list of :class:`Orbit` records, stable ones first, that prints as a table.

    :meth:`to_frame` gives a pandas DataFrame (one row per orbit, its first state as
    columns ``x0 ..``) when pandas is installed.
    """

    _noun = "orbits"


def make_orbit(solution, context):
    """The :class:`Orbit` of a search :class:`~._search.Solution` in ``context``'s units."""
    eigenvalues = np.linalg.eigvals(solution.monodromy)  # the same from any start state
    order = np.argsort(-np.abs(eigenvalues), kind="stable")
    # Start at the state whose rotation names the cycle, whichever state the search hit.
    first, _ = canonical_rotation(solution.regions)
    latent = np.roll(solution.latent, -first, axis=0)
    points = context.observe(latent)
    return Orbit(period=len(latent), points=points, latent=latent,
                 eigenvalues=eigenvalues[order].astype(np.complex128),
                 regions=np.roll(solution.regions, -first, axis=0),
                 in_data_range=context.in_data_range(points))


def sort_orbits(orbits, centre):
    """Stable orbits first, then by the number of unstable directions, then nearest to
    ``centre`` (data units) first."""
    return sorted(orbits, key=lambda o: (o.n_unstable, float(
        np.linalg.norm(o.points.mean(axis=0) - centre))))
