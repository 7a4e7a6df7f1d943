"""ChaoticRNNRegressor: inputs, outputs, errors, reproducibility and persistence."""

import pickle
import re
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from skchaos import ChaoticRNNRegressor
from skchaos._training import window_starts
from skchaos.datasets import make_lorenz63
from skchaos.exceptions import TrainingDivergedError


@pytest.mark.parametrize("forcing", ["pinv", "identity"])
def test_fit_predict_shapes_and_attributes(forcing, lorenz_train, small_params):
    est = ChaoticRNNRegressor(**{**small_params, "forcing": forcing}).fit(lorenz_train)
    M, N = small_params["n_latent"], 3
    assert est.predict(50).shape == (50, N)
    assert est.predict(lorenz_train[:7]).shape == (7, N)
    assert est.simulate(20, X_context=lorenz_train[:40]).shape == (20, N)
    assert est.A_.shape == (M, M) and np.all(est.A_ == np.diag(np.diag(est.A_)))
    assert est.W_.shape == (M, M) and np.all(np.diag(est.W_) == 0)
    assert est.h_.shape == (M,) and est.B_.shape == (N, M)
    assert est.n_features_in_ == N and est.tau_ == small_params["tau"]
    assert est.n_iter_ == len(est.loss_curve_) == small_params["n_epochs"]
    assert np.isfinite(est.score(lorenz_train[:500]))
    if forcing == "identity":
        np.testing.assert_array_equal(est.B_, np.hstack([np.eye(N), np.zeros((N, M - N))]))


def test_training_lowers_the_loss(lorenz_train, small_params):
    params = dict(small_params, n_epochs=150, learning_rate_decay=1.0, validation_fraction=0.0)
    est = ChaoticRNNRegressor(**params).fit(lorenz_train)
    assert np.mean(est.loss_curve_[-5:]) < 0.5 * np.mean(est.loss_curve_[:5])


def test_outputs_are_in_data_units(lorenz_train, small_params):
    """Shifting and scaling the data shifts and scales every output alike."""
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    shifted = ChaoticRNNRegressor(**small_params).fit(5.0 * lorenz_train + 100.0)
    np.testing.assert_allclose(shifted.predict(30), 5.0 * est.predict(30) + 100.0,
                               rtol=1e-9, atol=1e-7)
    X = lorenz_train[:10]
    np.testing.assert_allclose(shifted.predict(5.0 * X + 100.0), 5.0 * est.predict(X) + 100.0,
                               rtol=1e-9, atol=1e-7)


def test_predict_continues_from_the_end_of_the_training_data(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    context = lorenz_train[-(small_params["sequence_length"] + 1):]
    np.testing.assert_array_equal(est.predict(25), est.simulate(25, X_context=context))
    np.testing.assert_array_equal(est.predict(25), est.simulate(25))


def test_same_random_state_same_parameters(lorenz_train, small_params):
    first = ChaoticRNNRegressor(teacher_noise=0.1, **small_params).fit(lorenz_train)
    second = ChaoticRNNRegressor(teacher_noise=0.1, **small_params).fit(lorenz_train)
    other = ChaoticRNNRegressor(teacher_noise=0.1, **dict(small_params, random_state=1))
    other.fit(lorenz_train)
    for name in ("A_", "W_", "h_", "B_"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert not np.array_equal(first.W_, other.W_)


def test_pickle_and_joblib_round_trips(lorenz_train, small_params, tmp_path):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    from_pickle = pickle.loads(pickle.dumps(est))
    joblib.dump(est, tmp_path / "model.joblib")
    from_joblib = joblib.load(tmp_path / "model.joblib")
    for loaded in (from_pickle, from_joblib):
        np.testing.assert_array_equal(loaded.predict(100), est.predict(100))
        np.testing.assert_array_equal(loaded.predict(lorenz_train[:9]),
                                      est.predict(lorenz_train[:9]))


def test_dataframe_input_keeps_feature_names(lorenz_train, small_params):
    frame = pd.DataFrame(lorenz_train, columns=["x", "y", "z"])
    est = ChaoticRNNRegressor(**small_params).fit(frame)
    assert list(est.feature_names_in_) == ["x", "y", "z"]
    from_array = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    np.testing.assert_array_equal(est.predict(20), from_array.predict(20))
    np.testing.assert_array_equal(est.predict(frame.iloc[:4]),
                                  from_array.predict(lorenz_train[:4]))


def test_list_of_trials(lorenz_train, small_params):
    trials = [lorenz_train[:1500], lorenz_train[1500:]]
    est = ChaoticRNNRegressor(**small_params).fit(trials)
    context = trials[-1][-(small_params["sequence_length"] + 1):]
    np.testing.assert_array_equal(est.predict(10), est.simulate(10, X_context=context))


def test_windows_never_straddle_trials():
    starts = window_starts([5, 8], seq_len=3)
    # Trial 0 holds rows 0..4 (windows of 4 samples start at 0, 1); trial 1 rows 5..12.
    np.testing.assert_array_equal(starts, [0, 1, 5, 6, 7, 8, 9])
    assert np.all([(s + 3 <= 4) or (s >= 5 and s + 3 <= 12) for s in starts])


def test_divergence_is_reported_and_leaves_no_parameters(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**dict(small_params, learning_rate=1e6, tau=None,
                                     sequence_length=200, n_epochs=20))
    with pytest.raises(TrainingDivergedError, match="learning_rate"):
        est.fit(lorenz_train * 1e3)
    assert not hasattr(est, "W_")
    with pytest.raises(NotFittedError):
        est.predict(5)


@pytest.mark.parametrize("bad, message", [
    (np.array([[0.0, 1.0, np.nan]] * 50), "NaN"),
    (np.array([[0.0, 1.0, np.inf]] * 50), "infinity"),
    (np.zeros(50), "reshape"),
    (np.zeros((20, 3)), "sequence_length=30 needs at least 31"),
    ([np.zeros((100, 3)), np.zeros((10, 3))], "Trial 1 of X has 10 samples"),
])
def test_bad_training_input(bad, message, small_params):
    with pytest.raises(ValueError, match=re.escape(message)):
        ChaoticRNNRegressor(**small_params).fit(bad)


@pytest.mark.parametrize("params, message", [
    (dict(tau=0), "'tau' parameter"),
    (dict(n_latent=2), "n_latent=2 is smaller than the number of features"),
    (dict(forcing="full"), "'forcing' parameter"),
    (dict(forcing_strength=0.0), "'forcing_strength' parameter"),
    (dict(forcing_strength=1.5), "'forcing_strength' parameter"),
])
def test_bad_parameters(params, message, lorenz_train, small_params):
    with pytest.raises(ValueError, match=re.escape(message)):
        ChaoticRNNRegressor(**dict(small_params, **params)).fit(lorenz_train)


def test_tau_at_least_window_length_warns(lorenz_train, small_params):
    with pytest.warns(UserWarning, match="plain BPTT"):
        ChaoticRNNRegressor(**dict(small_params, tau=30)).fit(lorenz_train)


def test_bad_inference_input(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params)
    with pytest.raises(NotFittedError):
        est.predict(10)
    est.fit(lorenz_train)
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        est.predict(0)
    with pytest.raises(TypeError, match="n_steps must be an int"):
        est.simulate(2.5)
    expected = "X has 2 features, but ChaoticRNNRegressor is expecting 3"
    with pytest.raises(ValueError, match=expected):
        est.predict(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X has 2 features"):
        est.simulate(3, X_context=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        est.score(np.full((40, 3), np.nan))


@pytest.fixture(scope="module")
def untrained_and_trained(lorenz_train):
    params = dict(n_latent=20, tau=20, sequence_length=60, batch_size=16,
                  learning_rate=3e-3, random_state=0)
    return (ChaoticRNNRegressor(n_epochs=1, **params).fit(lorenz_train),
            ChaoticRNNRegressor(n_epochs=300, **params).fit(lorenz_train))


def test_score_prefers_a_trained_model(lorenz_train, untrained_and_trained):
    untrained, trained = untrained_and_trained
    test = lorenz_train[-2000:]
    assert trained.score(test) > untrained.score(test)


def test_score_is_steady_across_test_blocks_of_a_few_thousand_samples(untrained_and_trained):
    # Three disjoint blocks of an independent trajectory: one model's scores must agree
    # far better than the gap between the two models, so that a search ranks models
    # the same way whichever block it is given.
    untrained, trained = untrained_and_trained
    blocks = make_lorenz63(9000, random_state=7).reshape(3, 3000, 3)
    good = np.array([trained.score(block) for block in blocks])
    bad = np.array([untrained.score(block) for block in blocks])
    assert np.all(good > bad)
    assert np.ptp(good) < 0.25 * np.min(good - bad)


def test_validation_keeps_the_best_parameters(lorenz_train, small_params):
    params = dict(small_params, n_epochs=20, validation_fraction=0.2)
    est = ChaoticRNNRegressor(**params).fit(lorenz_train)
    assert len(est.validation_scores_) == 20  # every epoch when n_epochs < 50
    assert est.best_epoch_ == int(np.argmax(est.validation_scores_))
    # The kept model reproduces the best validation score, by the package's one rule.
    from skchaos.metrics import FreeRunDivergence
    from skchaos.regressor import validation_run_length

    series = est._transform_input(lorenz_train)
    n_generated = validation_run_length(len(series))
    n_warmup = min(params["sequence_length"], 800 // 2)
    rule = FreeRunDivergence(series, n_generated, n_starts=1)
    score = -rule(est.dynamics_.simulate, [(series[-800:], n_warmup, n_generated)])
    assert score == max(est.validation_scores_)


def test_observation_noise_matches_validation_and_score_but_not_training(small_params):
    X = make_lorenz63(4000, noise=0.05, random_state=0)
    params = dict(small_params, n_epochs=20, validation_fraction=0.2)
    plain = ChaoticRNNRegressor(**params).fit(X)
    matched = ChaoticRNNRegressor(**params, observation_noise=0.05).fit(X)
    # Training is the same; only how checkpoints are scored changes.
    assert matched.loss_curve_ == plain.loss_curve_
    # Where both runs stayed in the data's range (others are invalid checkpoints: -inf).
    matched_scores = np.array(matched.validation_scores_)
    plain_scores = np.array(plain.validation_scores_)
    valid = np.isfinite(matched_scores) & np.isfinite(plain_scores)
    assert valid.any()
    assert np.array_equal(np.isfinite(matched_scores), np.isfinite(plain_scores))
    assert np.all(matched_scores[valid] > plain_scores[valid])
    # The kept model reproduces the best validation score, noise included.
    from skchaos.metrics import FreeRunDivergence, make_free_run_scorer
    from skchaos.regressor import validation_run_length

    series = matched._transform_input(X)
    n_generated = validation_run_length(len(series))
    rule = FreeRunDivergence(series, n_generated, observation_noise=0.05, n_starts=1)
    plan = [(series[-800:], params["sequence_length"], n_generated)]
    assert -rule(matched.dynamics_.simulate, plan) == max(matched.validation_scores_)
    # score is the scorer: the same rule, in the data's units.
    scorer = make_free_run_scorer(observation_noise=0.05)
    assert matched.score(X[:1000]) == scorer(matched, X[:1000])
    assert matched.score(X[:1000]) > plain.score(X[:1000])


def test_without_validation_nothing_is_scored(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**dict(small_params, validation_fraction=0.0)).fit(lorenz_train)
    assert est.validation_scores_ == [] and est.best_epoch_ is None


def test_warm_start_continues_training(lorenz_train, small_params):
    params = dict(small_params, validation_fraction=0.0, learning_rate_decay=1.0,
                  learning_rate=1e-3)
    est = ChaoticRNNRegressor(warm_start=True, **params).fit(lorenz_train)
    first_W = est.W_.copy()
    est.fit(lorenz_train)
    assert est.n_iter_ == 2 * params["n_epochs"] == len(est.loss_curve_)
    # Continuing moves the parameters only a few Adam steps (each at most about the
    # learning rate per coordinate) away from the first fit.
    n_steps = params["n_epochs"] * params["batches_per_epoch"]
    assert 0 < np.abs(est.W_ - first_W).max() < 1.5 * n_steps * params["learning_rate"]
    cold = ChaoticRNNRegressor(**params).fit(lorenz_train)
    assert np.abs(cold.W_ - first_W).max() == 0  # a cold refit starts again
    with pytest.raises(ValueError, match="n_latent and forcing"):
        est.set_params(forcing="identity").fit(lorenz_train)
    with pytest.raises(ValueError, match="n_latent and forcing"):
        est.set_params(forcing="pinv", n_latent=9).fit(lorenz_train)


def test_diagonal_of_A_stays_inside_the_unit_interval(lorenz_train, small_params):
    params = dict(small_params, learning_rate=0.05, n_epochs=30, validation_fraction=0.0)
    est = ChaoticRNNRegressor(**params).fit(lorenz_train)
    # This step size pushes some entries against the bound, which holds them there.
    assert np.abs(np.diag(est.A_)).max() == pytest.approx(0.999)
    assert np.all(np.abs(np.diag(est.A_)) <= 0.999)


def test_unstable_free_run_warns(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    est.A_ = 0.999 * np.eye(est.n_latent)
    est.W_ = np.zeros_like(est.W_)
    est.h_ = np.full_like(est.h_, 1e308)  # overflows at the second step
    with pytest.warns(RuntimeWarning, match="left the finite range at step 2"):
        X_gen = est.predict(10)
    assert not np.isfinite(X_gen[-1]).all()


# Starts loky workers (seconds): in the slow suite, with the other pool tests.
@pytest.mark.slow
def test_restarts_keep_the_best_and_run_in_parallel_identically(lorenz_train, small_params):
    params = dict(small_params, n_init=3, n_epochs=4)
    serial = ChaoticRNNRegressor(**params).fit(lorenz_train)
    assert len(serial.restart_scores_) == 3 and len(set(serial.restart_scores_)) == 3
    assert max(serial.validation_scores_) == max(serial.restart_scores_)
    parallel = ChaoticRNNRegressor(n_jobs=2, **params).fit(lorenz_train)
    np.testing.assert_array_equal(parallel.W_, serial.W_)
    assert parallel.restart_scores_ == serial.restart_scores_


def test_verbose_reports_ten_times_with_loss_and_validation(lorenz_train, small_params,
                                                            capsys):
    params = dict(small_params, n_epochs=20)
    ChaoticRNNRegressor(verbose=1, **params).fit(lorenz_train)
    lines = [line for line in capsys.readouterr().out.splitlines() if "epoch" in line]
    assert [line.split()[2] for line in lines] == [f"{k}/20" for k in range(2, 21, 2)]
    assert all("loss" in line and "validation" in line for line in lines)


def test_progress_bar_counts_every_epoch(lorenz_train, small_params, capsys):
    pytest.importorskip("tqdm")
    est = ChaoticRNNRegressor(progress_bar=True, **dict(small_params, n_epochs=7))
    est.fit(lorenz_train)
    err = capsys.readouterr().err
    assert "ChaoticRNNRegressor" in err and "7/7" in err and "best_validation" in err
    # The bar changes nothing else: same parameters as without it.
    plain = ChaoticRNNRegressor(**dict(small_params, n_epochs=7)).fit(lorenz_train)
    np.testing.assert_array_equal(est.W_, plain.W_)


def test_progress_bar_without_tqdm_names_the_extra(lorenz_train, small_params, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    with pytest.raises(ImportError, match=r"skchaos\[progress\]"):
        ChaoticRNNRegressor(progress_bar=True, **small_params).fit(lorenz_train)
