"""Test setup: hypothesis profiles (``HYPOTHESIS_PROFILE=ci`` for the thorough one)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "ci", max_examples=80, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same minigrad seed, so failures reproduce."""
    import minigrad as mg

    mg.manual_seed(0)
    np.seterr(all="ignore")
    yield
