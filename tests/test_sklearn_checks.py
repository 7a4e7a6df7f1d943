"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skchaos import ChaoticRNNRegressor

# The checks fit on tiny data sets (down to 10 samples), so the instance uses windows that
# fit into them; everything else is at its default.
CHECKED = [ChaoticRNNRegressor(n_latent=12, tau=2, sequence_length=4, batches_per_epoch=2,
                               n_epochs=3, random_state=0)]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible(estimator, check):
    check(estimator)
