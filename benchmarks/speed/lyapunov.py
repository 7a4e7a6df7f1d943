"""Lyapunov spectrum of a fitted model: the QR recursion along the model's orbit."""

import warnings

from skchaos import LyapunovSpectrum

from ._models import FittedModels, lorenz

N_STEPS = 2000  # divide by 2000 for the time of one QR step


class ModelSpectrum(FittedModels):
    """``LyapunovSpectrum(model, n_steps=2000, n_transient=0).fit(X)``, all exponents.

    One step propagates M tangent vectors through the model's Jacobian and
    re-orthonormalises them (QR): O(M^3) per step.
    """

    params = [20, 80]

    def setup_cache(self):
        return self.fitted_models()

    def setup(self, models, n_latent):
        super().setup(models, n_latent)
        self.X = lorenz(200)

    def time_qr_steps(self, models, n_latent):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "non-chaotic" for a barely trained model
            LyapunovSpectrum(self.estimator, n_steps=N_STEPS, n_transient=0).fit(self.X)
