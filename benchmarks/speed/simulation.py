"""Free runs of a fitted model: ``predict(n_steps)``, the loop behind every long-term score."""

import warnings

from skchaos.metrics import make_free_run_scorer

from ._models import FittedModels, lorenz

N_STEPS = 100_000


class FreeRun(FittedModels):
    """``predict(100_000)`` of a small fitted model (Lorenz-63, 5 epochs)."""

    params = [30, 100]

    def setup_cache(self):
        return self.fitted_models()

    def time_predict(self, models, n_latent):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a barely trained model may leave the range
            self.estimator.predict(N_STEPS)


class FreeRunScore(FittedModels):
    """The scoring rule: ``make_free_run_scorer()`` on a 3,000-row test block.

    Free runs of 50,000 steps in all from 4 forced starts, binned against the block: what
    ``score``, the validation during a fit (50 times per default fit) and a search's
    scoring cost per call.
    """

    params = [30, 80]

    def setup_cache(self):
        return self.fitted_models()

    def setup(self, models, n_latent):
        super().setup(models, n_latent)
        self.X_test = lorenz(5000)[2000:]
        self.scorer = make_free_run_scorer()

    def time_score(self, models, n_latent):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.scorer(self.estimator, self.X_test)
