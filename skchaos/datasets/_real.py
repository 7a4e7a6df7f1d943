"""Real chaotic series shipped with the package."""

from importlib import resources

import numpy as np


def load_santafe_laser():
    """Load the Santa Fe laser series (data set A), a measured chaotic signal.

    Intensity of a far-infrared NH3 laser in a chaotic, Lorenz-like regime, recorded by
    Hübner and colleagues and published as data set A of the Santa Fe Time Series
    Prediction Competition: A. S. Weigend and N. A. Gershenfeld (eds.), *Time Series
    Prediction: Forecasting the Future and Understanding the Past*, Addison-Wesley, 1993.
    The first 1,000 samples are the competition's training set; the rest is its
    continuation. Values are 8-bit A/D readings (0-255). The file ships inside the
    package, so loading works offline.

    Returns
    -------
    x : ndarray of shape (10093,)
        The scalar series as float64. Reshape to ``(-1, 1)``, or delay-embed it, before
        fitting a model.

    Examples
    --------
    >>> from skchaos.datasets import load_santafe_laser
    >>> x = load_santafe_laser()
    >>> x.shape, x[:3]
    ((10093,), array([ 86., 141.,  95.]))
    """
    path = resources.files("skchaos.datasets") / "data" / "santafe_laser_a.txt"
    with resources.as_file(path) as file:
        return np.loadtxt(file, dtype=np.float64)
