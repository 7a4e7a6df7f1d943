"""Chaotic benchmark systems and measured series (a chaotic laser, a climate index)."""

from ._real import load_nino12_sst, load_santafe_laser
from ._systems import (
    DynamicalSystem,
    HenonMap,
    LogisticMap,
    Lorenz63,
    Lorenz96,
    Rossler,
    make_henon,
    make_logistic,
    make_lorenz63,
    make_lorenz96,
    make_rossler,
)

__all__ = [
    "DynamicalSystem",
    "HenonMap",
    "LogisticMap",
    "Lorenz63",
    "Lorenz96",
    "Rossler",
    "load_nino12_sst",
    "load_santafe_laser",
    "make_henon",
    "make_logistic",
    "make_lorenz63",
    "make_lorenz96",
    "make_rossler",
]
