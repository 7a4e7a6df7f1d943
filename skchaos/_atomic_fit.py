"""A fit either completes or leaves the estimator exactly as it was."""

import functools

__all__ = ["atomic_fit"]


def atomic_fit(fit):
    """Decorate ``fit`` so that an exception (or Ctrl-C) restores the estimator's attributes.

    ``validate_data(reset=True)`` records ``n_features_in_`` before anything that can
    fail; without this, a refit that raised would pair the new data's shape with the old
    fit's parameters, and a compiled kernel would read out of bounds. The snapshot is
    shallow, so ``fit`` must replace its fitted attributes rather than mutate them in place
    (every skchaos estimator does).

    Examples
    --------
    >>> from skchaos._atomic_fit import atomic_fit
    >>> class Model:
    ...     @atomic_fit
    ...     def fit(self, X):
    ...         self.n_features_in_ = len(X[0])
    ...         raise ValueError("too short")
    >>> model = Model()
    >>> try:
    ...     model.fit([[1.0, 2.0]])
    ... except ValueError:
    ...     pass
    >>> hasattr(model, "n_features_in_")
    False
    """
    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            raise

    return wrapper
