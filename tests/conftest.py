"""Shared fixtures: the numba kernels compile once per session, before any test is timed."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from skchaos.datasets import make_lorenz63
from skchaos.warm_up import compile_kernels


@pytest.fixture(scope="session", autouse=True)
def warm_kernels():
    """Compile (or load from cache) every kernel so compile time is not charged to one test."""
    compile_kernels()


@pytest.fixture(scope="session")
def lorenz_train():
    """A short Lorenz-63 series (dt = 0.01) for fits that must be quick."""
    return make_lorenz63(4000, random_state=0)


@pytest.fixture
def small_params():
    """The paper's model and forcing, at settings that fit in well under a second."""
    return dict(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=8, tau=10,
                sequence_length=30, batch_size=8, batches_per_epoch=2, n_epochs=3,
                random_state=0)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# Property-based tests: a few dozen examples per test in the fast suite; the "slow" profile
# (HYPOTHESIS_PROFILE=slow, as in CI's slow run) explores ten times as many.
settings.register_profile("default", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("slow", max_examples=250, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
