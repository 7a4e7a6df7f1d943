"""The sampling interval dt: exponents and predictability times in the data's time units,
steps everywhere else."""

import numpy as np
import pytest

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.analysis import attractors
from skchaos.datasets import make_lorenz63


@pytest.fixture(scope="module")
def fits():
    X = make_lorenz63(4000, random_state=0)
    params = dict(n_hidden=20, n_epochs=3, batches_per_epoch=4, random_state=0,
                  tau="auto", sequence_length=100)
    return X, ChaoticRNNRegressor(**params).fit(X), ChaoticRNNRegressor(
        dt=0.01, **params).fit(X)


def test_dt_changes_units_not_the_fit(fits):
    X, steps, timed = fits
    assert timed.tau_ == steps.tau_  # tau stays in steps
    np.testing.assert_array_equal(timed.predict(100), steps.predict(100))
    np.testing.assert_allclose(timed.lyapunov_.exponents_, steps.lyapunov_.exponents_ / 0.01)
    np.testing.assert_array_equal(timed.lyapunov_.exponents_per_step_,
                                  steps.lyapunov_.exponents_per_step_)
    assert timed.lyapunov_.predictability_time_ == steps.lyapunov_.predictability_time_


@pytest.mark.filterwarnings("ignore:The largest Lyapunov exponent")
def test_spectra_and_attractors_of_a_model_follow_its_dt(fits):
    X, steps, timed = fits
    per_step = LyapunovSpectrum(steps, n_exponents=1).fit(X)
    per_time = LyapunovSpectrum(timed, n_exponents=1).fit(X)
    assert (per_step.dt_, per_time.dt_) == (1.0, 0.01)
    np.testing.assert_allclose(per_time.exponents_, per_step.exponents_ / 0.01)
    explicit = LyapunovSpectrum(timed, n_exponents=1, dt=1.0).fit(X)
    np.testing.assert_allclose(explicit.exponents_, per_step.exponents_)
    assert LyapunovSpectrum().fit(X).dt_ == 1.0  # from data: per step unless told
    run = dict(n_initial=2, n_transient=100, n_steps=500, random_state=0)
    (a,), (b,) = attractors(steps, **run), attractors(timed, **run)
    assert b.max_lyapunov == pytest.approx(a.max_lyapunov / 0.01)


def test_verbose_output_names_the_units(capsys):
    X = make_lorenz63(3000, random_state=0)
    ChaoticRNNRegressor(n_hidden=10, n_epochs=1, batches_per_epoch=1, tau="auto", dt=0.01,
                        sequence_length=100, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "per time unit" in out and "per step of dt=0.01" in out
    assert "time units)" in out


@pytest.mark.parametrize("dt", [0.0, -1.0])
def test_dt_must_be_positive(dt):
    with pytest.raises(ValueError, match="dt"):
        ChaoticRNNRegressor(dt=dt, n_epochs=1).fit(make_lorenz63(300, random_state=0))
