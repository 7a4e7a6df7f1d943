"""Short series: a would-be best checkpoint is confirmed on a long run before it is kept."""

import numpy as np

from skchaos import ChaoticRNNRegressor, _training
from skchaos.dynamics import PLRNN
from skchaos.regressor import RANGE_CHECK_STEPS, _Validation


class Scripted:
    """Validation scores from a list; ``confirm`` rejects the checkpoints of some epochs."""

    def __init__(self, scores, rejected):
        self.scores, self.rejected, self.calls, self.confirmed = list(scores), rejected, 0, []

    def __call__(self, model):
        self.calls += 1
        return self.scores[self.calls - 1]

    def confirm(self, model):
        self.confirmed.append(self.calls - 1)
        return self.calls - 1 not in self.rejected


def test_a_rejected_would_be_best_checkpoint_is_not_kept():
    config = _training.TrainingConfig(seq_len=5, tau=2, batch_size=2, batches_per_epoch=1,
                                      n_epochs=5, learning_rate=1e-3)
    X = np.random.default_rng(0).normal(size=(50, 2))
    starts = _training.window_starts([50], 5)
    validate = Scripted([-3.0, -2.0, -1.0, -1.5, -0.5], rejected={2, 4})
    model = PLRNN(4, 2).initialise(np.random.RandomState(0))
    result = _training.train(model, X, starts, config, np.random.RandomState(0), validate)
    # Only checkpoints that would become the best are confirmed; epoch 3 (-1.5) then
    # becomes the best, since epoch 2's -1.0 was rejected.
    assert validate.confirmed == [0, 1, 2, 3, 4]
    assert result.validation_scores == [-3.0, -2.0, -np.inf, -1.5, -np.inf]
    assert result.best_epoch == 3


def test_the_range_check_runs_long_only_where_validation_runs_are_short(lorenz_train):
    est = ChaoticRNNRegressor(n_latent=3, n_hidden=8, n_epochs=2, random_state=0)
    est.fit(lorenz_train)
    series = est._transform_input(lorenz_train)
    validation = est._split_validation(series, [len(series)], 400, 40)[2]
    assert isinstance(validation, _Validation)
    assert validation.plan[0][2] < RANGE_CHECK_STEPS
    assert validation.confirm(est.dynamics_)  # the centre's own model stays in range
    validation.centre = validation.centre + 100 * validation.limit  # a range elsewhere
    assert not validation.confirm(est.dynamics_)
