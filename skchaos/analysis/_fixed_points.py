"""fixed_points and cycles: the public search for a fitted model's periodic orbits."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._context import forced_states, latent_orbit, model_context
from ._orbits import OrbitTable, make_orbit, sort_orbits
from ._search import DEFAULT_PATIENCE, exhaustive_search, heuristic_search

# Steps of the free run whose states seed the search (the model's own attractor), per step
# of the period, within bounds: long enough that a chaotic run comes back close to itself
# after k steps (Lorenz-63 models, k = 155: closest return 0.02 data scales in 18,000
# steps), short for fixed points (a step of the run costs a few microseconds).
SEED_RUN_STEPS_PER_PERIOD = 130
SEED_RUN_STEPS = (2000, 20000)
# The closest returns after k steps that seed half the windows.
N_CLOSE_RETURNS = 100
# Rows of the user's data whose forced states seed the search.
SEED_DATA_ROWS = 5000
# Starts per batch of the heuristic search, so that a batch's matrices (n, M, M) per step
# of the cycle hold about this many numbers.
START_BATCH_ELEMENTS = 2**18
MAX_BATCH_PART = 48
METHODS = ("heuristic", "exhaustive")


def fixed_points(estimator, *, X=None, method="heuristic", max_starts=20000,
                 patience=DEFAULT_PATIENCE, max_iter=50, max_sequences=2**20,
                 random_state=None):
    """The fixed points of a fitted piecewise-linear model, with their stability.

    Inside each linear region the model's step is affine, ``z -> J z + c``, so a fixed
    point in that region solves ``(I - J) z = c`` exactly. The heuristic search (SCYFI,
    Eisenmann et al., NeurIPS 2023) starts from a region, solves, moves to the region the
    solution lies in and repeats until they agree; it starts from the regions of a free
    run of the model (its attractor), of random states around it, and of random codes, and
    stops after ``patience`` starts in a row without a new fixed point; with data ``X``
    it also starts from the regions the data put the model in. The exhaustive search
    solves every region (small models only).

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor, FrozenEstimator or skchaos.dynamics model
        A fitted estimator (positions are reported in the units of the data it was fitted
        on) or a piecewise-linear latent model (positions in its own units).
    X : array-like of shape (n_samples, n_features), default=None
        Data in the units the estimator was fitted on: the heuristic search also starts
        from the regions of the states forced along its first 5000 rows.
    method : {"heuristic", "exhaustive"}, default="heuristic"
        The search. ``"exhaustive"`` is exact but solves one system per region (2^P for a
        PLRNN with P ReLU units, 3^L for a clipped shallow PLRNN with L hidden units).
    max_starts : int, default=20000
        Most starts of the heuristic search.
    patience : int, default=1000
        The heuristic search stops after this many starts in a row found nothing new.
    max_iter : int, default=50
        Most "solve, move" iterations per start.
    max_sequences : int, default=2**20
        The exhaustive search refuses models with more regions than this.
    random_state : int, RandomState instance or None, default=None
        Seeds the random starts.

    Returns
    -------
    orbits : OrbitTable
        A list of :class:`Orbit` records (stable first): position in the data's units,
        eigenvalues of the Jacobian, ``kind`` (stable node/focus, saddle, saddle-focus,
        unstable node/focus), ``n_unstable`` and ``in_data_range``. ``to_frame()`` gives a
        DataFrame when pandas is installed.

    See Also
    --------
    cycles : the same search for k-cycles.
    attractors : which attractors free runs from many initial states reach.

    Notes
    -----
    The heuristic search cannot prove that it found every fixed point; on models small
    enough for the exhaustive search it found all of them in the tests. A fixed point
    outside the data's range (``in_data_range`` False) is an extrapolation: the data
    never constrained the model there.

    Examples
    --------
    A one-unit clipped shallow PLRNN, ``z -> z/2 - 1 + 2 (relu(z + 1) - relu(z))``, has two
    stable fixed points (at -2 and 2, slope 1/2) and an unstable one between them (slope
    5/2):

    >>> from skchaos.dynamics import ShallowPLRNN
    >>> from skchaos.analysis import fixed_points
    >>> model = ShallowPLRNN(1, 1, n_hidden=1)
    >>> model.a[:], model.W1[:], model.W2[:], model.h2[:], model.h1[:] = 0.5, 2, 1, 1, -1
    >>> orbits = fixed_points(model, random_state=0)
    >>> [(round(float(o.position[0]), 3), o.kind) for o in orbits]
    [(2.0, 'stable node'), (-2.0, 'stable node'), (-0.667, 'unstable node')]
    """
    return cycles(estimator, 1, X=X, method=method, max_starts=max_starts,
                  patience=patience, max_iter=max_iter, max_sequences=max_sequences,
                  random_state=random_state)


def cycles(estimator, period, *, X=None, method="heuristic", max_starts=20000,
           patience=DEFAULT_PATIENCE, max_iter=50, max_sequences=2**20, random_state=None):
    """The cycles of exactly ``period`` steps of a fitted piecewise-linear model.

    A k-cycle visits k linear regions; along them the k-fold map is affine, so the cycle
    solves one linear system. The search is :func:`fixed_points`' over sequences of k
    regions, started from k consecutive states of a free run (at random offsets), from
    random states and from random codes. Each cycle is reported once (from the state whose
    region sequence sorts first) and only at its minimal period: fixed points and cycles of
    periods dividing ``period`` are left out.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor, FrozenEstimator or skchaos.dynamics model
        As in :func:`fixed_points`.
    period : int
        The cycle's period in steps, at least 1 (1: fixed points).
    X, method, max_starts, patience, max_iter, max_sequences, random_state
        As in :func:`fixed_points`; the exhaustive search solves (regions)^period systems.

    Returns
    -------
    orbits : OrbitTable
        :class:`Orbit` records: ``points`` (period, n_features) in the data's units in the
        order visited, Floquet multipliers (eigenvalues of the product of the Jacobians
        along the cycle) as ``eigenvalues``, ``kind``, ``n_unstable``, ``in_data_range``.

    See Also
    --------
    fixed_points : the same search for period 1.

    Examples
    --------
    ``z -> -z/2 + 1 - 2 (relu(z + 1) - relu(z))`` flips its state about an unstable fixed
    point and has the stable 2-cycle -2, 2:

    >>> from skchaos.dynamics import ShallowPLRNN
    >>> from skchaos.analysis import cycles
    >>> model = ShallowPLRNN(1, 1, n_hidden=1)
    >>> model.a[:], model.W1[:], model.W2[:], model.h2[:], model.h1[:] = -0.5, -2, 1, 1, 1
    >>> (cycle,) = cycles(model, 2, random_state=0)
    >>> cycle.points.ravel(), cycle.kind, cycle.eigenvalues.real
    (array([-2.,  2.]), 'stable node', array([0.25]))
    """
    context = model_context(estimator)
    _check_search(period, method, max_starts, patience, max_iter, max_sequences)
    model = context.model
    if method == "exhaustive":
        found = exhaustive_search(model, period, max_sequences)
    else:
        rng = check_random_state(random_state)
        n_run = int(np.clip(SEED_RUN_STEPS_PER_PERIOD * period, *SEED_RUN_STEPS))
        seeds = [latent_orbit(model, context.start, n_run + period)]
        seeds[0] = seeds[0][len(seeds[0]) // 4:]  # past the transient from the start state
        if X is not None:
            seeds.append(forced_states(context, X, SEED_DATA_ROWS))
        starts = _starts(model, seeds, period, rng)
        found, _ = heuristic_search(model, starts, max_iter=max_iter,
                                    patience=patience, max_starts=max_starts)
    orbits = [make_orbit(solution, context) for solution in found.values()]
    centre = context.observe(context.start)[0]
    return OrbitTable(sort_orbits(orbits, centre))


def _check_search(period, method, max_starts, patience, max_iter, max_sequences):
    if not isinstance(period, Integral) or isinstance(period, bool):
        raise TypeError(f"period must be an int, got {type(period).__name__}.")
    if period < 1:
        raise ValueError(f"period must be >= 1 (1: fixed points), got {period}.")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    for name, value in (("max_starts", max_starts), ("patience", patience),
                        ("max_iter", max_iter), ("max_sequences", max_sequences)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}.")


def _starts(model, trajectories, period, rng):
    """Batches of region sequences (n, k, P) to start from, a quarter each:

    - k consecutive states of one of the latent ``trajectories`` (the model's free run,
      the data's forced states) at an offset whose state returns closest after k steps;
    - the same at a random offset;
    - k random states around the first trajectory (1, 3 or 10 times its spread);
    - k random codes.
    """
    kept = []
    for Z in trajectories:
        Z = Z[np.isfinite(Z).all(axis=1) & (np.abs(Z).max(axis=1) < 1e100)]
        if len(Z) >= period:
            kept.append(Z)
    if not kept:
        kept = [np.zeros((period, model.n_latent))]
    run = kept[0]
    # At least 1 per unit (the data's scale in an estimator's standardised units).
    centre, spread = run.mean(axis=0), np.maximum(run.std(axis=0), 1.0)
    codes = [model.region(Z) for Z in kept]
    # Close returns (states the trajectory comes back near after k steps) start half the
    # windows: a cycle embedded in a chaotic attractor shadows them. From random offsets
    # none of the Lorenz-63 model's 155-cycles was found; from the 40 closest returns,
    # 32 of 40 starts found one (docs/decisions.md).
    close = [np.argsort(np.linalg.norm(Z[period:] - Z[:-period], axis=1)
                        if period < len(Z) else np.zeros(1))[:N_CLOSE_RETURNS]
             for Z in kept]
    quarter = int(np.clip(START_BATCH_ELEMENTS // (model.n_latent ** 2 * period) // 4, 1,
                          MAX_BATCH_PART))
    scales = np.array([1.0, 3.0, 10.0])
    while True:
        which = rng.randint(len(codes))
        offsets = np.concatenate([rng.choice(close[which], size=quarter),
                                  rng.randint(len(codes[which]) - period + 1, size=quarter)])
        windows = codes[which][offsets[:, None] + np.arange(period)]
        scale = scales[rng.randint(len(scales), size=(quarter, 1, 1))]
        states = centre + scale * spread * rng.standard_normal((quarter, period, len(centre)))
        random = model.random_codes(quarter * period, rng).reshape(quarter, period, -1)
        # Interleaved, so that a batch cut short by max_starts still mixes the four.
        yield np.stack([windows[:quarter], windows[quarter:], model.region(states), random],
                       axis=1).reshape(4 * quarter, period, -1)
