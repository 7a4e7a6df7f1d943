"""scikit-learn's estimator checks on every public estimator and transformer."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum

# The checks fit on tiny data sets (down to 10 samples), so the instances use windows and
# runs that fit into them; everything else is at its default.
SMALL_RNN = dict(n_latent=12, tau=2, sequence_length=4, batches_per_epoch=2, n_epochs=3,
                 random_state=0)
CHECKED = [
    ChaoticRNNRegressor(**SMALL_RNN),
    LyapunovSpectrum(),
    LyapunovSpectrum(ChaoticRNNRegressor(**SMALL_RNN), n_steps=200, n_transient=10),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible(estimator, check):
    check(estimator)
