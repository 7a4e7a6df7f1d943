"""recording_floor: the measures' floor from one recording."""

import numpy as np
import pytest

from skchaos.datasets import make_henon, make_lorenz63
from skchaos.metrics import recording_floor, state_space_divergence


@pytest.mark.parametrize("make, n_samples", [(make_lorenz63, 20_000), (make_henon, 3000)])
def test_the_floor_is_near_what_the_true_system_scores(make, n_samples):
    recording = make(n_samples, random_state=0)
    floor = recording_floor(recording)
    low, high = floor.divergence_bounds
    assert low <= floor.state_space_divergence <= high
    # The true system's own score on test blocks of the same length, against a long run.
    long_run = make(50_000, random_state=1)
    truth = np.median([state_space_divergence(make(n_samples // 4, random_state=seed),
                                              long_run) for seed in range(2, 8)])
    assert truth / 2 <= floor.state_space_divergence <= 2 * truth
    # The bounds bracket it, as they should.
    assert low <= truth <= high


def test_blocks_shapes_and_ratio():
    X = make_henon(1000, random_state=0)
    floor = recording_floor(X, test_length=300)
    assert floor.divergences.shape == floor.distances.shape == (3,)
    assert floor.test_length == 300
    assert floor.power_spectrum_distance == np.median(floor.distances)
    assert floor.ratio(2 * floor.state_space_divergence) == pytest.approx(2.0)


def test_bad_input_gets_clear_errors():
    X = make_henon(100, random_state=0)
    with pytest.raises(ValueError, match="test_length must be an int from 2 to half"):
        recording_floor(X, test_length=51)
    with pytest.raises(ValueError, match="test_length must be an int"):
        recording_floor(X, test_length=10.0)
    with pytest.raises(ValueError, match="NaN"):
        recording_floor(np.full((100, 2), np.nan))
    with pytest.raises(ValueError, match="minimum of 4"):
        recording_floor(X[:3])
