"""Chaotic benchmark systems and real chaotic series."""

from ._real import load_santafe_laser
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
    "load_santafe_laser",
    "make_henon",
    "make_logistic",
    "make_lorenz63",
    "make_lorenz96",
    "make_rossler",
]
