"""Exceptions raised by skchaos."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """A fit stopped because its loss, gradient or parameters became non-finite.

    The message says which settings to change. The estimator keeps no parameters from
    the failed fit.

    Examples
    --------
    >>> from skchaos.exceptions import TrainingDivergedError
    >>> issubclass(TrainingDivergedError, FloatingPointError)
    True
    """
