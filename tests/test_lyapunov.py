"""Lyapunov spectra: exact model spectra, known systems, estimates from data, tau='auto'."""

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree
from sklearn.exceptions import NotFittedError
from test_preprocessing import OUTPUT_API_CHECKS, run_output_api_check

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos._kernels.lyapunov import QRSchedule
from skchaos.datasets import (
    HenonMap,
    LogisticMap,
    Lorenz63,
    make_henon,
    make_lorenz63,
)
from skchaos.dynamics import PLRNN
from skchaos.lyapunov import (
    _decorrelation_time,
    delay_embedding,
    kaplan_yorke_dimension,
    lyapunov_spectrum,
    predictability_time,
)


def _random_plrnn(rng, M=8):
    a = rng.uniform(0.3, 0.9, M)
    W = 0.6 * rng.standard_normal((M, M)) / np.sqrt(M)
    np.fill_diagonal(W, 0.0)
    h = 0.5 * rng.standard_normal(M)
    return a, W, h


def plrnn_spectrum(a, W, h, z0, n_transient, n_steps, qr_interval, F, running):
    """The spectrum of a PLRNN with these parameters, through the latent-model protocol."""
    model = PLRNN(len(a), 1)
    model.a[:], model.W[:], model.h[:] = a, W, h
    return model.tangent_spectrum(z0, QRSchedule(n_transient, n_steps, qr_interval),
                                  np.ascontiguousarray(F, dtype=float), running)


def test_model_spectrum_matches_numpy_and_the_sum_rule(rng):
    a, W, h = _random_plrnn(rng)
    M, n_transient, n_steps = len(a), 100, 3000
    z0 = rng.standard_normal(M)
    exponents, _ = plrnn_spectrum(a, W, h, z0, n_transient, n_steps, 1, np.eye(M),
                                  np.zeros((10, M)))
    # The same recursion with numpy's Householder QR, and log|det J| along the orbit.
    z = z0.copy()
    for _ in range(n_transient):
        z = a * z + W @ np.maximum(z, 0) + h
    Q, log_sums, log_det = np.eye(M), np.zeros(M), 0.0
    for _ in range(n_steps):
        J = np.diag(a) + W * (z > 0)[None, :]
        log_det += np.linalg.slogdet(J)[1]
        Q, R = np.linalg.qr(J @ Q)
        log_sums += np.log(np.abs(np.diag(R)))
        z = a * z + W @ np.maximum(z, 0) + h
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(exponents, log_sums / n_steps, rtol=1e-10, atol=1e-12)
    assert exponents.sum() == pytest.approx(log_det / n_steps, rel=1e-10)
    assert np.all(np.diff(exponents) <= 1e-9)  # ordered, largest first


def test_k_step_qr_gives_the_same_spectrum(rng):
    a, W, h = _random_plrnn(rng)
    z0 = rng.standard_normal(len(a))
    every_step, _ = plrnn_spectrum(a, W, h, z0, 100, 4000, 1, np.eye(len(a))[:3].copy(),
                                   np.zeros((0, 3)))
    every_fourth, _ = plrnn_spectrum(a, W, h, z0, 100, 4000, 4, np.eye(len(a))[:3].copy(),
                                     np.zeros((0, 3)))
    np.testing.assert_allclose(every_fourth, every_step, rtol=1e-8)


def test_lorenz_spectrum():
    exponents = lyapunov_spectrum(Lorenz63(), n_steps=50_000, dt=0.01)
    np.testing.assert_allclose(exponents[[0, 2]], [0.9056, -14.5723], rtol=0.02)
    assert abs(exponents[1]) < 0.01
    # Sum rule of a flow: the trace of the Jacobian, -(sigma + 1 + beta), everywhere (up to
    # the RK4 discretisation of the variational equations).
    assert exponents.sum() == pytest.approx(-(10 + 1 + 8 / 3), rel=1e-4)


def test_henon_and_logistic_spectra():
    np.testing.assert_allclose(lyapunov_spectrum(HenonMap(), n_steps=100_000),
                               [0.41922, -1.62319], rtol=0.01)
    assert lyapunov_spectrum(LogisticMap(), n_steps=100_000)[0] == pytest.approx(
        math.log(2), rel=0.01)


def test_generic_path_agrees_with_the_compiled_one():
    system = HenonMap()
    x0 = np.array([0.1, 0.1])
    compiled = lyapunov_spectrum(system, initial_state=x0, n_steps=3000, random_state=1)
    generic = lyapunov_spectrum(system.step, jacobian=system.jacobian, initial_state=x0,
                                n_steps=3000, random_state=1)
    np.testing.assert_allclose(generic, compiled, rtol=1e-9)
    # Fewer exponents than dimensions: a rectangular frame of tangent vectors.
    largest = lyapunov_spectrum(system.step, jacobian=system.jacobian, initial_state=x0,
                                n_steps=3000, n_exponents=1, random_state=1)
    assert largest.shape == (1,)
    np.testing.assert_allclose(largest, compiled[:1], rtol=1e-2)


def test_convergence_record_ends_at_the_estimate():
    exponents, running = lyapunov_spectrum(HenonMap(), n_steps=20_000,
                                           return_convergence=True)
    assert running.shape == (200, 2)
    np.testing.assert_allclose(running[-1], exponents, rtol=1e-12)


@pytest.fixture(scope="module")
def lorenz_20k():
    return make_lorenz63(20_000, random_state=0)


def test_from_data_full_state(lorenz_20k):
    ls = LyapunovSpectrum(dt=0.01).fit(lorenz_20k)
    assert ls.max_exponent_ == pytest.approx(0.9056, rel=0.10)
    assert abs(ls.exponents_[1]) < 0.1
    henon = LyapunovSpectrum().fit(make_henon(20_000, random_state=0))
    assert henon.max_exponent_ == pytest.approx(0.41922, rel=0.10)


def test_from_data_delay_embedding(lorenz_20k):
    ls = LyapunovSpectrum(dt=0.01, embedding_dimension=3, delay=10).fit(lorenz_20k)
    assert ls.max_exponent_ == pytest.approx(0.9056, rel=0.15)
    henon_x = make_henon(20_000, random_state=0)[:, :1]
    ls = LyapunovSpectrum(embedding_dimension=2, delay=1).fit(henon_x)
    assert ls.max_exponent_ == pytest.approx(0.41922, rel=0.15)


def test_from_noisy_data():
    X = make_lorenz63(20_000, noise=0.01, random_state=0)
    assert LyapunovSpectrum(dt=0.01).fit(X).max_exponent_ == pytest.approx(0.9056, rel=0.30)


def test_units_and_derived_quantities(lorenz_20k):
    ls = LyapunovSpectrum(dt=0.01).fit(lorenz_20k)
    np.testing.assert_allclose(ls.exponents_per_step_, 0.01 * ls.exponents_)
    assert ls.predictability_time_ == pytest.approx(math.log(2) / ls.exponents_per_step_[0])
    assert ls.suggested_tau_ == round(ls.predictability_time_)
    assert ls.kaplan_yorke_dimension_ == pytest.approx(
        kaplan_yorke_dimension(ls.exponents_))
    assert 2.0 < ls.kaplan_yorke_dimension_ < 2.2


def test_helpers():
    assert kaplan_yorke_dimension([0.9056, 0.0, -14.5723]) == pytest.approx(2.0621, abs=1e-4)
    assert kaplan_yorke_dimension([-0.1, -1.0]) == 0.0
    assert predictability_time(0.009056) == pytest.approx(76.54, abs=0.01)
    assert predictability_time(-0.1) == math.inf
    np.testing.assert_array_equal(delay_embedding(np.arange(5.0), 2, 3), [[3, 0], [4, 1]])


def test_non_chaotic_data_warn_and_cap_tau():
    t = np.arange(3000)
    spiral = 0.999 ** t[:, None] * np.column_stack([np.cos(0.1 * t), np.sin(0.1 * t)])
    with pytest.warns(UserWarning, match="non-chaotic"):
        ls = LyapunovSpectrum(max_tau=250).fit(spiral)
    assert ls.max_exponent_ <= 0 and ls.suggested_tau_ == 250


def test_too_few_samples_is_a_clear_error():
    with pytest.raises(ValueError, match="Too few samples for the neighbourhoods"):
        LyapunovSpectrum(theiler_window=11).fit(make_henon(25, random_state=0))


def test_model_mode_and_transform(lorenz_20k):
    est = ChaoticRNNRegressor(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=10,
                              tau=20, n_epochs=20, random_state=0)
    est.fit(lorenz_20k)
    ls = LyapunovSpectrum(est, n_steps=2000, dt=0.01).fit(lorenz_20k)
    assert ls.estimator_ is est and ls.exponents_.shape == (10,)
    # horizon = 1: the log singular values of the one-step Jacobian at each row's state.
    rows = lorenz_20k[:4]
    out = ls.transform(rows)
    model = est.dynamics_
    a, W, P = model.a, model.W, np.linalg.pinv(model.B)
    for row, x in zip(out, est._transform_input(rows), strict=True):
        z = P @ x
        J = np.diag(a) + W * (z > 0)[None, :]
        expected = np.log(np.linalg.svd(J, compute_uv=False)) / 0.01
        np.testing.assert_allclose(row, expected, rtol=1e-10)
    # An unfitted estimator is cloned and fitted on X.
    unfitted = ChaoticRNNRegressor(n_latent=6, tau=20, n_epochs=2, random_state=0)
    ls = LyapunovSpectrum(unfitted, n_steps=500).fit(lorenz_20k[:3000])
    assert ls.estimator_ is not unfitted and not hasattr(unfitted, "W_")


def test_tau_auto_uses_the_predictability_time(lorenz_20k):
    est = ChaoticRNNRegressor(tau="auto", n_latent=8, n_epochs=2, random_state=0)
    est.fit(lorenz_20k)
    # lambda_max = 0.9056 per time unit at dt = 0.01 gives 77 steps; the estimate is close.
    assert 65 <= est.tau_ <= 90
    assert est.tau_ == est.lyapunov_.suggested_tau_


# ------------------------------------------------------------------- output feature names
def test_transform_columns_are_named_one_per_exponent():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(make_henon(3000, random_state=0), columns=["x", "y"],
                     index=np.arange(3000) + 10)
    ls = LyapunovSpectrum().fit(X)
    assert list(ls.get_feature_names_out()) == ["lyapunovspectrum0", "lyapunovspectrum1"]
    assert list(ls.get_feature_names_out(["x", "y"])) == list(ls.get_feature_names_out())
    expected = ls.transform(X.iloc[:5])
    out = ls.set_output(transform="pandas").transform(X.iloc[:5])
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["lyapunovspectrum0", "lyapunovspectrum1"]
    np.testing.assert_array_equal(out.index, X.index[:5])
    np.testing.assert_array_equal(out.to_numpy(), expected)  # largest exponent first
    fewer = LyapunovSpectrum(n_exponents=1).set_output(transform="pandas")
    assert list(fewer.fit_transform(X).columns) == ["lyapunovspectrum0"]


def test_get_feature_names_out_checks_input_features():
    pd = pytest.importorskip("pandas")
    X = make_henon(2000, random_state=0)
    with pytest.raises(NotFittedError):
        LyapunovSpectrum().get_feature_names_out()
    ls = LyapunovSpectrum().fit(X)
    with pytest.raises(ValueError, match="input_features should have length equal to"):
        ls.get_feature_names_out(["a", "b", "c"])
    ls.fit(pd.DataFrame(X, columns=["x", "y"]))
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        ls.get_feature_names_out(["y", "x"])


@pytest.mark.parametrize("check", OUTPUT_API_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("estimator", [LyapunovSpectrum(), LyapunovSpectrum(n_exponents=1)],
                         ids=repr)
def test_scikit_learn_output_api_checks(estimator, check):
    run_output_api_check(check, estimator)


# ------------------------------------------------ shared helpers: the same results as before
def _former_decorrelation_time(X):
    """lyapunov._decorrelation_time before the autocorrelation was shared (issue 20)."""
    Xc = X - X.mean(axis=0)
    std = Xc.std(axis=0)
    Xc = Xc[:, std > 0] / std[std > 0]
    if Xc.shape[1] == 0:
        return 1
    n = len(Xc)
    spectrum = np.abs(np.fft.rfft(Xc, n=2 * n, axis=0)) ** 2
    acf = np.fft.irfft(spectrum, axis=0)[:n].mean(axis=1)
    below = np.nonzero(acf < acf[0] / np.e)[0]
    return int(below[0]) if len(below) else n


def test_the_decorrelation_time_is_the_former_one():
    rng = np.random.default_rng(0)
    t = np.arange(4000)
    data = [make_henon(3000, random_state=0), make_lorenz63(4000, random_state=0),
            make_lorenz63(4000, random_state=1)[:, :1], rng.standard_normal((500, 3)),
            np.column_stack([np.sin(2 * np.pi * t / 40), np.ones(4000)]),
            np.column_stack([np.sin(2 * np.pi * t / 40), np.cos(2 * np.pi * t / 90)]),
            np.ones((100, 2)), np.cumsum(rng.standard_normal((300, 2)), axis=0)]
    for X in data:
        assert _decorrelation_time(X) == _former_decorrelation_time(X)
    assert _decorrelation_time(data[1]) > 5  # a flow sampled finely decorrelates slowly


def test_the_neighbour_tree_is_built_once_on_the_standardised_rows(monkeypatch):
    built = []

    class CountingTree(cKDTree):
        def __init__(self, data, *args, **kwargs):
            built.append(len(data))
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr("skchaos.lyapunov.cKDTree", CountingTree)
    X = make_henon(3000, random_state=0)
    ls = LyapunovSpectrum().fit(X)
    assert built == [len(ls.jacobians_)]
    # The rows of the tree are the standardised rows with a successor: its neighbours are
    # the ones the local maps were fitted on, and transform queries the same tree.
    magnitude = np.max(np.abs(X))
    scaled = X / magnitude
    Z = (scaled - scaled.mean(axis=0)) / np.sqrt(np.mean(scaled.var(axis=0)))
    np.testing.assert_array_equal(ls.tree_.data, Z[:len(ls.jacobians_)])
    ls.transform(X[:10])
    assert len(built) == 1
