"""Multistability: which attractors free runs from many initial states reach."""

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, check_random_state

from .._kernels.lyapunov import QRSchedule
from ..metrics import state_space_divergence
from ._context import latent_orbit, model_context
from ._table import RecordTable

SEED_RUN_STEPS = 2000
# A run that leaves the data's box widened by this many times its extent is unbounded.
UNBOUNDED_EXTENT = 1000.0
# Two states closer than this (relative to the data's scale) are the same state: a run
# that returns to within it is periodic.
RECURRENCE_TOL = 1e-7
# lambda_max above this many nats per run length marks chaos, below minus this many a run
# still converging to a fixed point or cycle: a quasi-periodic orbit's QR estimate is of
# order 1 / n_steps (|lambda n_steps| below 1 on the invariant circles of the Rössler
# models in benchmarks/results/analysis.json; chaotic Lorenz-63 runs give about 90).
CHAOS_MARGIN = 2.0
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# A run returns near its start after p steps when, on average, every feature comes back
# within this fraction of the data's scale, having first gone at least RETURN_AWAY away
# (Rössler models at c = 2.5 and 3.5 give the same return periods at 0.05, 0.1, 0.15).
RETURN_TOL = 0.1
RETURN_AWAY = 0.5
# States of a run whose returns are measured (evenly spaced over its first half).
RETURN_SAMPLES = 200


@dataclass(frozen=True, eq=False)
class Attractor:
    """An attractor that free runs of a model reached.

    Attributes
    ----------
    kind : str
        ``"fixed point"``, ``"cycle"``, ``"quasi-periodic"`` (bounded, aperiodic,
        lambda_max about 0), ``"chaotic"`` (lambda_max > 0), ``"converging"`` (still
        approaching a fixed point or cycle after ``n_transient`` steps: lambda_max < 0
        but no exact recurrence yet) or ``"unbounded"`` (the runs left every bound: not
        an attractor but a blow-up).
    period : int or None
        The exact period in steps of a cycle (1 for a fixed point), else None.
    return_period : int or None
        Steps after which the run comes back near where it was (every feature within 10%
        of the data's scale, on average over the run): the period of a cycle, the mean
        return time of a quasi-periodic orbit (which has no exact period), None for a
        fixed point or a chaotic run that never comes back that close.
    n_runs : int
        How many of the runs reached it.
    basin_fraction : float
        ``n_runs`` over all runs: a rough size of its basin among the initial states tried.
    max_lyapunov : float
        Largest Lyapunov exponent along it, per time unit of the estimator's ``dt`` (per
        step at the default ``dt=1`` and for a bare latent model; nan for unbounded runs).
    from_data : bool
        Whether the run from the state the training data leave the model in (the
        estimator's ``latent_state_``; the zero state for a bare latent model) reached
        it: the attractor the data showed.
    in_data_range : bool or None
        Whether its run stays in the training data's range widened by 10% (None for a
        bare latent model).
    divergence : float or None
        State-space divergence of its run from the ``X`` given to :func:`attractors`.
    trajectory : ndarray of shape (n_steps, n_features)
        One run on it, in the data's units.
    """

    kind: str
    period: int | None
    return_period: int | None
    n_runs: int
    basin_fraction: float
    max_lyapunov: float
    from_data: bool
    in_data_range: bool | None
    divergence: float | None
    trajectory: np.ndarray = field(repr=False)

    def as_record(self):
        """The attractor as a flat dict of plain values (one row of a table)."""
        record = {"kind": self.kind, "period": self.period,
                  "return_period": self.return_period, "n_runs": self.n_runs,
                  "basin_fraction": self.basin_fraction, "max_lyapunov": self.max_lyapunov,
                  "from_data": self.from_data, "in_data_range": self.in_data_range}
        if self.divergence is not None:
            record["divergence"] = self.divergence
        with np.errstate(invalid="ignore"):
            for i, value in enumerate(np.mean(self.trajectory, axis=0)):
                record[f"mean_x{i}"] = float(value)
        return record


class AttractorReport(RecordTable):
    """A list of :class:`Attractor` records, the most visited first, that prints as a
    table; :meth:`to_frame` gives a DataFrame when pandas is installed."""

    _noun = "attractors"

    @property
    def multistable(self):
        """Whether runs reached more than one bounded attractor."""
        return sum(a.kind != "unbounded" for a in self) > 1


def attractors(estimator, *, n_initial=32, n_transient=5000, n_steps=10000, spread=3.0,
               tolerance=0.1, X=None, random_state=None):
    """Free runs from many initial states, grouped by the attractor they reach.

    A model can have attractors the data never showed: a stable fixed point beside the
    chaotic attractor, a cycle far from the data, orbits that blow up. The first run starts
    from the state the training data leave the model in; the others from random latent
    states around the model's attractor, ``spread`` times its standard deviation per unit
    (at least ``spread`` in the standardised units the estimator trains in). After
    ``n_transient`` steps each run's next ``n_steps`` observations are summarised by their
    quantiles per feature; runs whose summaries differ by less than ``tolerance`` (in
    units of the data's scale) plus twice their own variation between the run's two halves
    (the sampling noise of a chaotic run) reach the same attractor. Each attractor is
    classified by exact recurrence (fixed point, cycle) or by its largest Lyapunov
    exponent (chaotic, quasi-periodic).

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor, FrozenEstimator or skchaos.dynamics model
        As in :func:`fixed_points`.
    n_initial : int, default=32
        Number of runs.
    n_transient : int, default=5000
        Steps discarded before a run is summarised.
    n_steps : int, default=10000
        Steps summarised per run.
    spread : float, default=3.0
        Width of the random initial states, in standard deviations of the model's own
        attractor per latent unit.
    tolerance : float, default=0.1
        Largest difference of quantiles (in units of the data's scale) between runs on one
        attractor, beyond their own sampling noise.
    X : array-like of shape (n_samples, n_features), default=None
        Data to compare each attractor with (its ``divergence``), in the data's units.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial states.

    Returns
    -------
    report : AttractorReport
        :class:`Attractor` records, most runs first; ``report.multistable`` says whether
        more than one bounded attractor was reached.

    Examples
    --------
    The bistable map of :func:`fixed_points`' example: runs end at -2 or at 2.

    >>> from skchaos.dynamics import ShallowPLRNN
    >>> from skchaos.analysis import attractors
    >>> model = ShallowPLRNN(1, 1, n_hidden=1)
    >>> model.a[:], model.W1[:], model.W2[:], model.h2[:], model.h1[:] = 0.5, 2, 1, 1, -1
    >>> report = attractors(model, n_initial=20, n_transient=100, n_steps=100,
    ...                     random_state=0)
    >>> report.multistable
    True
    >>> [(a.kind, float(a.trajectory[-1, 0])) for a in report]
    [('fixed point', 2.0), ('fixed point', -2.0)]
    """
    context = model_context(estimator)
    _check_params(n_initial, n_transient, n_steps, spread, tolerance)
    model, rng = context.model, check_random_state(random_state)
    if X is not None:
        X = check_array(X, dtype=np.float64, input_name="X")
        if X.shape[1] != model.n_features:
            raise ValueError(f"X must have shape (n_samples, {model.n_features}), got "
                             f"{X.shape}.")
    seed_run = latent_orbit(model, context.start, SEED_RUN_STEPS)
    seed_run = seed_run[np.isfinite(seed_run).all(axis=1)]
    # At least 1 per unit (the data's scale in an estimator's standardised units): a model
    # whose own attractor is a point still gets initial states that could leave its basin.
    centre, width = seed_run.mean(axis=0), np.maximum(seed_run.std(axis=0), 1.0)
    initial = centre + spread * width * rng.standard_normal((n_initial, model.n_latent))
    initial[0] = context.start
    box = _reference_box(context, seed_run)
    runs = [_run(model, context, z0, n_transient, n_steps) for z0 in initial]
    groups = _group(runs, box, context.data_scale, tolerance)
    records = [_attractor(model, context, runs, members, box, n_initial, X)
               for members in groups]
    return AttractorReport(sorted(records, key=lambda a: -a.n_runs))


def _check_params(n_initial, n_transient, n_steps, spread, tolerance):
    for name, value, low in (("n_initial", n_initial, 1), ("n_transient", n_transient, 0),
                             ("n_steps", n_steps, 10)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    for name, value in (("spread", spread), ("tolerance", tolerance)):
        if not isinstance(value, Real) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}.")


def _reference_box(context, seed_run):
    if context.data_range is not None:
        return context.data_range
    observed = context.observe(seed_run)
    return np.stack([observed.min(axis=0), observed.max(axis=0)])


@dataclass
class _Run:
    observations: np.ndarray  # (n_steps, N), data units
    final_state: np.ndarray
    bounded: bool
    period: int | None  # exact recurrence: 1 fixed point, k cycle, None neither


def _run(model, context, z0, n_transient, n_steps):
    with np.errstate(all="ignore"):
        _, z = model.free_run(z0, n_transient) if n_transient else (None, z0)
        observed, z_end = model.free_run(z, n_steps)
        observed = context.unscale(observed)
    return _Run(observed, z_end, True, None)


def _group(runs, box, scale, tolerance):
    """Indices of the runs per attractor; marks each run's boundedness and period."""
    low, high = box
    # At least the data's scale: a model whose own run sits on a point has a box of width 0.
    limit = UNBOUNDED_EXTENT * np.maximum(high - low, scale)
    groups, signatures = [], []
    unbounded = []
    for index, run in enumerate(runs):
        X = run.observations
        with np.errstate(invalid="ignore"):
            run.bounded = bool(np.isfinite(X).all() and np.all(np.abs(X - low) <= limit))
        if not run.bounded:
            unbounded.append(index)
            continue
        run.period = _recurrence_period(X, scale)
        signature = _signature(X, scale)
        for members, reference in zip(groups, signatures, strict=True):
            if runs[members[0]].period == run.period and _same(signature, reference,
                                                                tolerance):
                members.append(index)
                break
        else:
            groups.append([index])
            signatures.append(signature)
    return groups + ([unbounded] if unbounded else [])


def _signature(X, scale):
    """A run's quantiles per feature in units of ``scale``, and how much they move between
    its two halves (a chaotic run's own sampling noise)."""
    half = len(X) // 2
    whole, first, second = (np.quantile(part, QUANTILES, axis=0) / scale
                            for part in (X, X[:half], X[half:]))
    return whole, float(np.max(np.abs(first - second)))


def _same(signature, reference, tolerance):
    """Whether two runs' quantiles agree within ``tolerance`` plus twice the larger of
    their own half-to-half variation."""
    (a, noise_a), (b, noise_b) = signature, reference
    return np.max(np.abs(a - b)) < tolerance + 2.0 * max(noise_a, noise_b)


def _recurrence_period(X, scale):
    """The smallest p with the last quarter of X repeating after p steps (within
    RECURRENCE_TOL of the data's scale), or None."""
    tol = RECURRENCE_TOL * scale
    tail = len(X) // 4
    last = X[-1]
    close = np.flatnonzero(np.all(np.abs(X[:-1] - last) <= tol, axis=1))
    for lag in (len(X) - 1 - close)[::-1]:  # the smallest lags first
        if lag > len(X) - tail:
            break
        if np.all(np.abs(X[-tail:] - X[-tail - lag:len(X) - lag]) <= tol):
            return int(lag)
    return None


def _attractor(model, context, runs, members, box, n_runs, X):
    first = runs[members[0]]
    from_data = 0 in members
    if not first.bounded:
        return Attractor("unbounded", None, None, len(members), len(members) / n_runs, np.nan,
                         from_data, False if context.data_range is not None else None, None,
                         first.observations)
    n_steps = len(first.observations)
    per_step = _max_lyapunov(model, first.final_state, n_steps)
    if first.period is not None:
        kind = "fixed point" if first.period == 1 else "cycle"
    else:
        kind = ("chaotic" if per_step > CHAOS_MARGIN / n_steps
                else "converging" if per_step < -CHAOS_MARGIN / n_steps
                else "quasi-periodic")
    lyapunov = per_step / context.dt
    divergence = None if X is None else float(state_space_divergence(X, first.observations))
    return_period = (first.period if first.period not in (None, 1)
                     else _return_period(first.observations, context.data_scale))
    return Attractor(kind, first.period, return_period, len(members),
                     len(members) / n_runs, lyapunov, from_data,
                     context.in_data_range(first.observations), divergence,
                     first.observations)


def _return_period(X, scale):
    """The first lag after which the run, having gone away (mean distance above
    RETURN_AWAY), comes back within RETURN_TOL of where it was (mean over sampled states of
    the largest feature distance in units of ``scale``), at the bottom of that dip; None
    when it never does."""
    half = len(X) // 2
    starts = np.linspace(0, half - 1, min(RETURN_SAMPLES, half)).astype(int)
    lags = np.arange(1, half)
    distance = np.empty(len(lags))
    for first in range(0, len(lags), 256):  # 256 lags at a time bounds the memory
        block = lags[first:first + 256]
        moved = np.abs(X[starts[None, :] + block[:, None]] - X[starts][None]) / scale
        distance[first:first + 256] = moved.max(axis=2).mean(axis=1)
    away = np.maximum.accumulate(distance) > RETURN_AWAY
    back = np.flatnonzero(away & (distance < RETURN_TOL))
    if not len(back):
        return None
    dip_end = back[0] + np.argmax(distance[back[0]:] >= RETURN_TOL)
    if dip_end == back[0]:  # still inside the dip at the last lag
        dip_end = len(distance)
    return int(lags[back[0] + np.argmin(distance[back[0]:dip_end])])


def _max_lyapunov(model, z0, n_steps):
    # A random direction: a unit vector can be an eigenvector of every Jacobian (a PLRNN
    # unit whose ReLU is off only feeds itself) and miss the leading exponent.
    frame = np.random.RandomState(0).standard_normal((1, model.n_latent))
    frame /= np.linalg.norm(frame)
    running = np.zeros((1, 1))
    exponents, _ = model.tangent_spectrum(z0, QRSchedule(0, n_steps, 1), frame, running)
    return float(exponents[0])
