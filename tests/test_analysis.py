"""Fixed points, cycles and attractors of the piecewise-linear models (skchaos.analysis)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skchaos import ChaoticRNNRegressor
from skchaos.analysis import attractors, cycles, fixed_points, plot_orbits
from skchaos.analysis._attractors import _return_period
from skchaos.analysis._orbits import orbit_kind
from skchaos.analysis._search import canonical_key
from skchaos.dynamics import ALRNN, PLRNN, LatentModel, ShallowPLRNN


def random_model(kind, seed, size=6):
    """A small model of ``kind`` with random parameters, biases included, so that it has
    several fixed points in reach; ``size`` latent (PLRNN, ALRNN) or hidden units."""
    rng = np.random.RandomState(seed)
    model = {"plrnn": lambda: PLRNN(size, 2), "alrnn": lambda: ALRNN(size, 2, n_piecewise=4),
             "shplrnn": lambda: ShallowPLRNN(2, 2, n_hidden=size + 2, clipped=False),
             "clipped": lambda: ShallowPLRNN(3, 2, n_hidden=size)}[kind]()
    model.initialise(rng)
    # Strong weights make many regions carry fixed points (the initialisation is tame).
    for name in ("W", "W1", "W2"):
        if hasattr(model, name):
            getattr(model, name)[:] = 2.0 * rng.standard_normal(getattr(model, name).shape)
    model.a[:] = rng.uniform(-0.9, 0.9, size=model.n_latent)
    bias = model.h if hasattr(model, "h") else model.h1
    bias[:] = rng.standard_normal(model.n_latent)
    return model


def bistable_map():
    """z -> z/2 - 1 + 2 (relu(z + 1) - relu(z)): stable fixed points -2 and 2, unstable
    -2/3."""
    model = ShallowPLRNN(1, 1, n_hidden=1)
    model.a[:], model.W1[:], model.W2[:], model.h2[:], model.h1[:] = 0.5, 2.0, 1.0, 1.0, -1.0
    return model


def tent_map(slope=1.9):
    """z -> slope z - 2 slope relu(z - 1/2): chaotic on [0, slope/2] with lambda = ln slope,
    orbits from outside [0, 1] run off to minus infinity."""
    model = ShallowPLRNN(1, 1, n_hidden=1, clipped=False)
    model.a[:], model.W1[:], model.W2[:], model.h2[:] = slope, -2.0 * slope, 1.0, -0.5
    return model


def orbit_of(model, z0, n_steps):
    Z = [np.asarray(z0, dtype=np.float64)]
    for _ in range(n_steps):
        Z.append(model.step(Z[-1]))
    return np.array(Z)


# ------------------------------------------------------------------ the protocol
@pytest.mark.parametrize("kind", ["plrnn", "alrnn", "shplrnn", "clipped"])
def test_each_region_map_is_the_models_step_and_jacobian(kind):
    model = random_model(kind, 0)
    Z = 3.0 * np.random.RandomState(1).standard_normal((200, model.n_latent))
    J, c = model.affine_maps(model.region(Z))
    after = model.steps(Z)
    for z, J_z, c_z, z_next in zip(Z, J, c, after, strict=True):
        np.testing.assert_allclose(J_z @ z + c_z, model.step(z), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(z_next, model.step(z), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(J_z, model.jacobian(z), rtol=1e-12, atol=1e-12)
    # Every code a state has is one the enumeration lists.
    listed = {code.tobytes() for code in model.all_regions()}
    assert len(listed) == model.region_count()
    assert {code.tobytes() for code in model.region(Z)} <= listed
    assert {code.tobytes() for code in model.random_codes(50, np.random.RandomState(2))} \
        <= listed


# ----------------------------------------------------------------- known answers
def test_the_bistable_map_has_its_three_fixed_points_with_their_types():
    orbits = fixed_points(bistable_map(), random_state=0)
    found = {round(float(o.position[0]), 9): (o.kind, o.n_unstable) for o in orbits}
    assert found == {2.0: ("stable node", 0), -2.0: ("stable node", 0),
                     round(-2 / 3, 9): ("unstable node", 1)}


def test_a_cycle_is_found_once_at_its_minimal_period():
    model = ShallowPLRNN(1, 1, n_hidden=1)
    model.a[:], model.W1[:], model.W2[:], model.h2[:], model.h1[:] = -0.5, -2.0, 1.0, 1.0, 1.0
    (two_cycle,) = cycles(model, 2, random_state=0)
    np.testing.assert_allclose(two_cycle.points.ravel(), [-2.0, 2.0])
    np.testing.assert_allclose(two_cycle.eigenvalues, [0.25])
    # Period 4 holds the 2-cycle twice and the fixed point four times: neither is a 4-cycle.
    assert len(cycles(model, 4, method="exhaustive")) == 0
    assert len(cycles(model, 4, random_state=0)) == 0


@pytest.mark.parametrize("eigenvalues, kind, n_unstable", [
    ([0.5, -0.3], "stable node", 0),
    ([0.5 + 0.5j, 0.5 - 0.5j, 0.2], "stable focus", 0),
    ([1.2, 0.5 + 0.5j, 0.5 - 0.5j], "saddle", 1),
    ([1.0 + 0.5j, 1.0 - 0.5j, 0.3], "saddle-focus", 2),
    ([2.0, -1.5], "unstable node", 2),
    ([1.1 + 1j, 1.1 - 1j], "unstable focus", 2),
    ([1.0, 0.5], "non-hyperbolic", 0),
])
def test_types_follow_the_eigenvalues(eigenvalues, kind, n_unstable):
    assert orbit_kind(np.array(eigenvalues, dtype=complex)) == kind
    assert int(np.sum(np.abs(eigenvalues) > 1 + 1e-9)) == n_unstable


# ------------------------------------------------ heuristic against exhaustive
# Seed 0 in the fast suite, more seeds in the slow one (a benchmark study runs hundreds).
SEEDS = [0] + [pytest.param(seed, marks=pytest.mark.slow) for seed in range(1, 6)]


@pytest.mark.parametrize("kind", ["plrnn", "alrnn", "shplrnn", "clipped"])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_heuristic_finds_every_fixed_point_the_exhaustive_search_finds(kind, seed):
    model = random_model(kind, seed)
    exhaustive = fixed_points(model, method="exhaustive")
    heuristic = fixed_points(model, random_state=seed)
    assert {canonical_key(o.regions) for o in heuristic} == \
        {canonical_key(o.regions) for o in exhaustive}
    for orbit in heuristic:  # each a true fixed point, with the Jacobian's eigenvalues
        z = orbit.latent[0]
        np.testing.assert_allclose(model.step(z), z, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(model.jacobian(z))),
                                   np.sort_complex(orbit.eigenvalues), atol=1e-9)


@pytest.mark.parametrize("kind, period", [("plrnn", 2), ("alrnn", 3), ("clipped", 2),
                                          ("shplrnn", 2)])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_heuristic_finds_every_cycle_the_exhaustive_search_finds(kind, period, seed):
    model = random_model(kind, seed, size=4)
    exhaustive = cycles(model, period, method="exhaustive")
    heuristic = cycles(model, period, random_state=seed)
    assert {canonical_key(o.regions) for o in heuristic} == \
        {canonical_key(o.regions) for o in exhaustive}
    for orbit in heuristic:  # a true cycle of minimal period, with its Floquet multipliers
        run = orbit_of(model, orbit.latent[0], period)
        np.testing.assert_allclose(run[:period], orbit.latent, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(run[period], run[0], rtol=1e-8, atol=1e-8)
        assert all(np.abs(run[j] - run[0]).max() > 1e-9 for j in range(1, period))
        product = np.eye(model.n_latent)
        for z in run[:period]:
            product = model.jacobian(z) @ product
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(product)),
                                   np.sort_complex(orbit.eigenvalues), rtol=1e-7, atol=1e-9)


def test_an_m12_plrnn_exhaustive_and_heuristic_agree():
    rng = np.random.RandomState(0)
    model = PLRNN(12, 3).initialise(rng)
    model.W[:] = 2.0 * rng.standard_normal((12, 12)) / np.sqrt(12) * (1 - np.eye(12))
    model.a[:] = rng.uniform(-0.9, 0.9, 12)
    model.h[:] = rng.standard_normal(12)
    exhaustive = fixed_points(model, method="exhaustive")
    heuristic = fixed_points(model, random_state=0)
    assert len(exhaustive) >= 2
    assert {canonical_key(o.regions) for o in heuristic} == \
        {canonical_key(o.regions) for o in exhaustive}


@given(seed=st.integers(0, 2**31 - 1), kind=st.sampled_from(["plrnn", "clipped"]))
def test_every_reported_fixed_point_is_one(seed, kind):
    model = random_model(kind, seed)
    for orbit in fixed_points(model, random_state=seed, patience=20, max_starts=200):
        z = orbit.latent[0]
        np.testing.assert_allclose(model.step(z), z, rtol=1e-8, atol=1e-8)
        assert np.array_equal(model.region(z), orbit.regions[0])
        assert orbit.n_unstable == int(np.sum(np.abs(orbit.eigenvalues) > 1 + 1e-9))


def test_the_search_is_reproducible_under_random_state():
    model = random_model("clipped", 5)
    first, second = (cycles(model, 2, random_state=7) for _ in range(2))
    assert [canonical_key(o.regions) for o in first] == \
        [canonical_key(o.regions) for o in second]


# ------------------------------------------------------------------ data units
@pytest.fixture(scope="module")
def fitted(lorenz_train):
    return ChaoticRNNRegressor(n_hidden=20, n_epochs=3, batches_per_epoch=4,
                               random_state=0).fit(lorenz_train)


def test_positions_are_in_the_data_units(fitted, lorenz_train):
    orbits = fixed_points(fitted, random_state=0)
    bare = fixed_points(fitted.dynamics_, random_state=0)
    assert len(orbits) == len(bare) >= 1
    by_key = {canonical_key(o.regions): o for o in bare}
    for orbit in orbits:
        latent = by_key[canonical_key(orbit.regions)]
        np.testing.assert_allclose(
            orbit.position, latent.position * fitted.data_scale_ + fitted.data_mean_)
        low, high = lorenz_train.min(axis=0), lorenz_train.max(axis=0)
        margin = 0.1 * (high - low)
        inside = bool(np.all((orbit.position >= low - margin)
                             & (orbit.position <= high + margin)))
        assert orbit.in_data_range == inside
    np.testing.assert_array_equal(fitted.data_range_, [low, high])
    frozen = fixed_points(FrozenEstimator(fitted), random_state=0)
    np.testing.assert_array_equal([o.position for o in frozen],
                                  [o.position for o in orbits])


def test_the_data_seed_the_search(fitted, lorenz_train):
    with_data = fixed_points(fitted, X=lorenz_train, random_state=0)
    without = fixed_points(fitted, random_state=0)
    assert {canonical_key(o.regions) for o in without} <= \
        {canonical_key(o.regions) for o in with_data}
    with pytest.raises(ValueError, match="X has 2 features, the model observes 3"):
        fixed_points(fitted, X=lorenz_train[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        fixed_points(fitted, X=np.full((10, 3), np.nan))


def test_tables_print_and_convert(fitted):
    orbits = fixed_points(fitted, random_state=0)
    text = str(orbits)
    assert text.splitlines()[0].split()[:3] == ["period", "kind", "n_unstable"]
    assert len(text.splitlines()) == len(orbits) + 1
    pd = pytest.importorskip("pandas")
    frame = orbits.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(orbits)
    assert list(frame.columns[-3:]) == ["x0", "x1", "x2"]


# ------------------------------------------------------------------ attractors
def test_attractors_tell_chaos_from_a_fixed_point_and_blow_ups():
    report = attractors(tent_map(), n_initial=32, n_transient=1000, n_steps=10000,
                        random_state=0)
    kinds = {a.kind: a for a in report}
    assert set(kinds) == {"fixed point", "chaotic", "unbounded"}
    # The bare model starts at 0, the tent map's unstable fixed point, and stays there.
    assert kinds["fixed point"].from_data
    assert kinds["chaotic"].max_lyapunov == pytest.approx(math.log(1.9), abs=0.02)
    assert np.isnan(kinds["unbounded"].max_lyapunov)
    assert sum(a.n_runs for a in report) == 32
    assert sum(a.basin_fraction for a in report) == pytest.approx(1.0)
    assert report.multistable


def test_attractors_find_both_stable_points_and_a_cycle():
    report = attractors(bistable_map(), n_initial=20, n_transient=100, n_steps=100,
                        random_state=0)
    assert sorted(float(a.trajectory[-1, 0]) for a in report) == [-2.0, 2.0]
    flip = ShallowPLRNN(1, 1, n_hidden=1)
    flip.a[:], flip.W1[:], flip.W2[:], flip.h2[:], flip.h1[:] = -0.5, -2.0, 1.0, 1.0, 1.0
    (cycle,) = attractors(flip, n_initial=8, n_transient=200, n_steps=100, random_state=0)
    assert (cycle.kind, cycle.period, cycle.return_period, cycle.n_runs) == ("cycle", 2, 2, 8)
    assert not attractors(flip, n_initial=8, n_transient=200, n_steps=100,
                          random_state=0).multistable


def test_attractors_compare_with_data(fitted, lorenz_train):
    report = attractors(fitted, n_initial=4, n_transient=200, n_steps=2000, X=lorenz_train,
                        random_state=0)
    assert sum(a.from_data for a in report) == 1
    assert all(a.divergence is None or a.divergence >= 0 for a in report)
    assert any(a.divergence is not None for a in report)
    with pytest.raises(ValueError, match="X must have shape"):
        attractors(fitted, n_initial=2, n_steps=20, X=lorenz_train[:, :2])


@pytest.mark.parametrize("period, doubled, expected", [(115.3, False, 115),
                                                       (40.7, True, 81)])
def test_the_return_period_of_a_quasi_periodic_signal(period, doubled, expected):
    # Rössler-like: a loop of non-integer period in steps (no exact recurrence), its
    # period-doubled form returning only every second turn.
    t = np.arange(20000)
    phase = 2 * np.pi * t / period
    radius = 1.0 + (0.4 * np.cos(phase / 2) if doubled else 0.0)
    X = np.column_stack([radius * np.cos(phase), radius * np.sin(phase)])
    assert _return_period(X, np.ones(2)) == expected
    assert _return_period(np.random.RandomState(0).standard_normal((4000, 2)),
                          np.ones(2)) is None


# ----------------------------------------------------------------- bad input
# A latent model without linear regions: every abstract method a stub.
_Smooth = type("_Smooth", (LatentModel,), {
    **{name: (lambda self, *args, **kwargs: None) for name in LatentModel.__abstractmethods__},
    "n_latent": 1, "n_features": 1})


def test_bad_input_gets_clear_errors(lorenz_train):
    with pytest.raises(NotFittedError):
        fixed_points(ChaoticRNNRegressor())
    with pytest.raises(ValueError, match="period must be >= 1"):
        cycles(bistable_map(), 0)
    with pytest.raises(TypeError, match="period must be an int"):
        cycles(bistable_map(), 2.0)
    with pytest.raises(TypeError, match="no piecewise-linear structure"):
        fixed_points(_Smooth())
    with pytest.raises(TypeError, match=r"pipe\[-1\]"):
        fixed_points(make_pipeline(StandardScaler(), ChaoticRNNRegressor()))
    with pytest.raises(TypeError, match="Expected a fitted skchaos estimator"):
        fixed_points(np.eye(3))
    with pytest.raises(ValueError, match="method must be one of"):
        fixed_points(bistable_map(), method="newton")
    with pytest.raises(ValueError, match="exhaustive search"):
        fixed_points(PLRNN(40, 1), method="exhaustive")
    with pytest.raises(ValueError, match="too many to list"):
        ShallowPLRNN(3, 3, n_hidden=100).all_regions()
    with pytest.raises(ValueError, match="patience must be a positive int"):
        fixed_points(bistable_map(), patience=0)
    with pytest.raises(ValueError, match="n_initial must be an int"):
        attractors(bistable_map(), n_initial=0)


def test_plot_orbits_draws_the_orbits_over_the_run(fitted):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    orbits = fixed_points(fitted, random_state=0)
    ax = plot_orbits(fitted, orbits, n_steps=500)
    assert ax.name == "3d"
    assert len(ax.lines) == 1 + len(orbits)
    ax2 = plot_orbits(fitted, orbits, n_steps=500, dims=(0, 2))
    np.testing.assert_allclose(ax2.lines[1].get_xydata()[0],
                               orbits[0].position[[0, 2]])
    with pytest.raises(ValueError, match="dims must be"):
        plot_orbits(fitted, orbits, dims=(0, 5))
    matplotlib.pyplot.close("all")
