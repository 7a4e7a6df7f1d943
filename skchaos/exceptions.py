"""Exceptions raised by skchaos."""

__all__ = ["TrainingDivergedError", "UnreliableEstimateWarning"]


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


class UnreliableEstimateWarning(UserWarning):
    """A result was computed, but the data cannot support it; the message says why.

    Raised, for example, for a Lyapunov exponent estimated from data that look like noise,
    from too few samples, or from neighbourhoods too degenerate for a local linear fit.

    Examples
    --------
    >>> from skchaos.exceptions import UnreliableEstimateWarning
    >>> issubclass(UnreliableEstimateWarning, UserWarning)
    True
    """
