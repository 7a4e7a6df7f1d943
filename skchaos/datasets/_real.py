"""Real series shipped with the package (provenance: ``data/README.md``)."""

from importlib import resources

import numpy as np


def _load_series(filename):
    """One value a line, ``#`` comment lines skipped, as a float64 vector."""
    path = resources.files("skchaos.datasets") / "data" / filename
    with resources.as_file(path) as file:
        return np.loadtxt(file, dtype=np.float64)


def load_santafe_laser():
    """Load the Santa Fe laser series (data set A), a measured chaotic signal.

    Intensity of a far-infrared NH3 laser in a chaotic, Lorenz-like regime, recorded by
    Hübner and colleagues and published as data set A of the Santa Fe Time Series
    Prediction Competition: A. S. Weigend and N. A. Gershenfeld (eds.), *Time Series
    Prediction: Forecasting the Future and Understanding the Past*, Addison-Wesley, 1993.
    The first 1,000 samples are the competition's training set; the rest is its
    continuation. Values are 8-bit A/D readings (0-255). The file ships inside the
    package, so loading works offline. The competition's organisers distribute the data
    for research, with no formal licence that we know of; cite the book when you publish
    on it (``skchaos/datasets/data/README.md``).

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
    return _load_series("santafe_laser_a.txt")


def load_nino12_sst():
    """Load the Niño 1+2 sea surface temperature, a monthly climate index.

    Monthly mean sea surface temperature of the Niño 1+2 region of the eastern tropical
    Pacific (0-10°S, 90-80°W, off the coast of Ecuador and Peru), where El Niño events
    show first and strongest, from NOAA's Climate Prediction Center (index computed from
    the ERSST.v3b reconstruction). The shipped copy is the one distributed with statsmodels
    (``statsmodels.datasets.elnino``); NOAA's current indices use later ERSST versions and
    differ from it by small amounts. A work of the US government, the data are in the
    public domain. The file ships inside the package, so loading works offline.

    The series is short for learning dynamics: 732 samples hold about 60 seasonal cycles
    and a dozen El Niño events. Remove the seasonal cycle (subtract each calendar
    month's mean) to study the anomalies.

    Returns
    -------
    x : ndarray of shape (732,)
        Temperatures in degrees Celsius as float64, one a month from January 1950 to
        December 2010 in time order (``x.reshape(61, 12)`` has a row per year and a
        column per calendar month).

    See Also
    --------
    load_santafe_laser : A long measured chaotic series.

    Examples
    --------
    >>> from skchaos.datasets import load_nino12_sst
    >>> x = load_nino12_sst()
    >>> x.shape, x[:3]
    ((732,), array([23.11, 24.2 , 25.37]))
    >>> by_year = x.reshape(61, 12)                         # a row per year
    >>> anomaly = (by_year - by_year.mean(axis=0)).ravel()  # minus the monthly climatology
    >>> print(f"std {x.std():.2f} degC, of the anomaly {anomaly.std():.2f} degC")
    std 2.24 degC, of the anomaly 1.08 degC
    """
    return _load_series("nino12_sst.txt")
