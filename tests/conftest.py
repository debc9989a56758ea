"""Test setup: hypothesis profiles (``HYPOTHESIS_PROFILE=ci`` for the thorough one), the
``needs_torch`` marker, and doctests for ``minigrad/`` only."""

import importlib.util
import os

import numpy as np
import pytest
from _pytest.doctest import DoctestModule
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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_torch: uses PyTorch as the reference; skipped when it is not "
        "installed (README's test command installs no torch, CI does)")


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="needs PyTorch as the reference: pip install torch==2.13.0")
    for item in items:
        if item.get_closest_marker("needs_torch"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    """``--doctest-modules`` is for the package's docstrings; under tests/ it would collect
    every test module a second time (and report each import error and skip twice)."""
    collectors = yield
    return [c for c in collectors if not isinstance(c, DoctestModule)]
