"""Property-based tests: whatever goes into ChaoticRNNRegressor, the outcome is a finite
result, a reported divergence, or a clear ValueError/TypeError."""

import functools
import warnings

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63
from skchaos.exceptions import TrainingDivergedError

ALLOWED_ERRORS = (ValueError, TypeError, TrainingDivergedError)


@st.composite
def series(draw, max_rows=300):
    """Arrays of awkward shapes, dtypes and values: constants, repeats, huge, tiny, NaN."""
    n_rows = draw(st.integers(0, max_rows))
    n_cols = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["random walk", "constant", "repeated rows", "elements"]))
    if kind == "elements":
        dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
        if dtype is np.int64:
            elements = st.integers(-10**6, 10**6)
        else:
            elements = st.floats(allow_nan=True, allow_infinity=True,
                                 width=32 if dtype is np.float32 else 64)
        return draw(arrays(dtype, (n_rows, n_cols), elements=elements))
    scale = draw(st.sampled_from([1e-300, 1e-8, 1.0, 1e8, 1e200]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if kind == "constant":
        return np.full((n_rows, n_cols), scale)
    if kind == "repeated rows":
        return np.repeat(rng.normal(size=(max(n_rows // 10, 1), n_cols)), 10, axis=0) * scale
    return np.cumsum(rng.normal(size=(n_rows, n_cols)), axis=0) * scale


PARAMETERS = st.fixed_dictionaries({
    "model": st.sampled_from(["plrnn", "alrnn", "clipped_shplrnn"]),
    "n_latent": st.integers(1, 6),
    "n_piecewise": st.integers(1, 3),
    "gtf_alpha": st.sampled_from([0.0, 0.5, "auto"]),
    "tau": st.sampled_from([1, 3, 10, None]),
    "sequence_length": st.sampled_from(["auto", 1, 5, 20]),
    "forcing": st.sampled_from(["pinv", "identity"]),
    "standardize": st.booleans(),
    "learning_rate": st.sampled_from([1e-3, 1e-1, 1e3]),
    "validation_fraction": st.sampled_from([0.0, 0.1, 0.5]),
})


def _check_run(run, n_rows, n_features, caught):
    assert run.shape == (n_rows, n_features)
    # A free run may leave the finite range only with the RuntimeWarning that says so.
    if not np.isfinite(run).all():
        assert any(issubclass(w.category, RuntimeWarning) and "finite range" in
                   str(w.message) for w in caught)


@given(X=series(), params=PARAMETERS, X_test=series(max_rows=60))
def test_fit_predict_score_give_results_or_clear_errors(X, params, X_test):
    est = ChaoticRNNRegressor(n_epochs=2, batch_size=4, batches_per_epoch=2, random_state=0,
                              **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X)
        except ALLOWED_ERRORS as exc:
            event(f"fit raised {type(exc).__name__}")
            assert not hasattr(est, "latent_state_")  # a failed fit leaves nothing behind
            return
        event("fitted")
        assert np.isfinite(est.dynamics_.parameters).all()
        assert np.isfinite(est.latent_state_).all()
        _check_run(est.predict(7), 7, X.shape[1], caught)
        for call in (est.predict, est.score):
            try:
                result = call(X_test)
            except ALLOWED_ERRORS:
                continue
            if call == est.score:
                assert np.isfinite(result)
            else:
                _check_run(result, len(X_test), X.shape[1], caught)


@given(n_steps=st.one_of(st.integers(-3, 50), st.floats(), st.booleans(), st.text(max_size=3),
                         st.just(10**13)))
def test_predict_takes_a_positive_int_or_says_why(n_steps):
    est = _fitted()
    try:
        run = est.predict(n_steps)
    except (ValueError, TypeError) as exc:
        assert "n_steps" in str(exc) or "GiB" in str(exc) or "features" in str(exc)
        return
    assert run.shape == (n_steps, 3) and np.isfinite(run).all()


@functools.cache
def _fitted():
    """One small fitted model for every example (hypothesis forbids function fixtures)."""
    return ChaoticRNNRegressor(n_latent=6, tau=5, sequence_length=20, n_epochs=2,
                               random_state=0).fit(make_lorenz63(2000, random_state=0))
