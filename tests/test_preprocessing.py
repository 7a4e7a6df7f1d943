"""DelayEmbedding and the data-driven choices of delay and dimension."""

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_henon, make_lorenz63
from skchaos.lyapunov import delay_embedding
from skchaos.preprocessing import DelayEmbedding, false_nearest_neighbours, first_minimum_delay


def test_embedding_matches_the_plain_delay_embedding():
    x = np.random.default_rng(0).standard_normal(200)
    E = DelayEmbedding(dimension=3, delay=4).fit_transform(x[:, None])
    # Rows with a full history equal the textbook embedding; earlier rows repeat x_0.
    np.testing.assert_array_equal(E[8:], delay_embedding(x, 3, 4))
    np.testing.assert_array_equal(E[:8, 2], x[0])
    assert E.shape == (200, 3)


def test_several_columns_are_embedded_in_blocks():
    X = np.arange(20.0).reshape(10, 2)
    E = DelayEmbedding(dimension=2, delay=1).fit_transform(X)
    np.testing.assert_array_equal(E[3], [6.0, 7.0, 4.0, 5.0])
    np.testing.assert_array_equal(DelayEmbedding(dimension=2, delay=1).fit(X)
                                  .inverse_transform(E), X)


def test_automatic_delay_and_dimension():
    lorenz_x = make_lorenz63(20_000, random_state=0)[:, :1]
    emb = DelayEmbedding().fit(lorenz_x)
    # Known for Lorenz-63 at dt = 0.01: first MI minimum near 0.16 time units; 3 dimensions.
    assert 10 <= emb.delay_ <= 20 and emb.dimension_ == 3
    henon_x = make_henon(20_000, random_state=0)[:, :1]
    assert DelayEmbedding(delay=1).fit(henon_x).dimension_ == 2
    fnn = false_nearest_neighbours(lorenz_x[:, 0], emb.delay_, 4)
    assert fnn[0] > 0.9 and fnn[1] > 0.1 and fnn[2] < 0.05
    assert np.all(np.diff(fnn) <= 0.01)


def test_delay_rules():
    t = np.arange(10_000)
    assert first_minimum_delay(np.sin(2 * np.pi * t / 40), method="autocorrelation") == 8
    with pytest.raises(ValueError, match="method"):
        first_minimum_delay(t, method="fnn")


def test_pipeline_fits_scores_and_returns_to_original_coordinates():
    x = make_lorenz63(4000, random_state=0)[:, :1]
    pipe = Pipeline([("embed", DelayEmbedding(dimension=3, delay=10)),
                     ("rnn", ChaoticRNNRegressor(n_latent=10, tau=20, n_epochs=3,
                                                 random_state=0))])
    pipe.fit(x[:3000])
    assert np.isfinite(pipe.score(x[3000:]))
    # Free-run the model in embedded coordinates, then map back.
    X_gen = pipe["embed"].inverse_transform(pipe["rnn"].predict(50))
    assert X_gen.shape == (50, 1)
    np.testing.assert_array_equal(X_gen[:, 0], pipe["rnn"].predict(50)[:, 0])


def test_inverse_transform_checks_its_input():
    emb = DelayEmbedding(dimension=2, delay=1).fit(np.zeros((10, 1)) + np.arange(10)[:, None])
    with pytest.raises(ValueError, match="2 columns"):
        emb.inverse_transform(np.zeros((3, 3)))
