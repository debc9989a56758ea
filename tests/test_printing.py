"""Tensors print as torch's do: 4 digits, scientific notation by torch's rule, one width;
``mg.set_printoptions`` as ``torch.set_printoptions``."""

import re

import pytest

import minigrad as mg

CASES = [
    ([0.392912, 1.24341234, -0.5336], "tensor([ 0.3929,  1.2434, -0.5336])"),
    ([1.0, 2.0], "tensor([1., 2.])"),
    ([0.5, 1.25], "tensor([0.5000, 1.2500])"),
    ([1e10, 1.0], "tensor([1.0000e+10, 1.0000e+00])"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
    ([100000.0, 2.0], "tensor([1.0000e+05, 2.0000e+00])"),
    ([float("nan"), 1.5, float("inf")], "tensor([   nan, 1.5000,    inf])"),
    ([[1.5, 2.25], [3.0, 4.0]], "tensor([[1.5000, 2.2500],\n        [3.0000, 4.0000]])"),
    (3.14159, "tensor(3.1416)"),
]


@pytest.fixture(autouse=True)
def _default_printoptions():
    yield
    mg.set_printoptions(profile="default")


@pytest.mark.parametrize("values, expected", CASES)
def test_repr_has_torchs_precision(values, expected):
    assert repr(mg.tensor(values)) == expected


@pytest.mark.needs_torch
@pytest.mark.parametrize("values, expected", CASES)
def test_repr_matches_torch(values, expected):
    torch = pytest.importorskip("torch")
    assert repr(torch.tensor(values)) == expected


def test_set_printoptions():
    x = mg.tensor([1.23456, 2.5])
    mg.set_printoptions(precision=2)
    assert repr(x) == "tensor([1.23, 2.50])"
    mg.set_printoptions(sci_mode=True)  # precision stays, sci_mode is set on every call
    assert repr(x) == "tensor([1.23e+00, 2.50e+00])"
    mg.set_printoptions(profile="default")
    assert repr(x) == "tensor([1.2346, 2.5000])"
    mg.set_printoptions(threshold=5, edgeitems=2)
    assert repr(mg.arange(10)) == "tensor([0, 1, ..., 8, 9])"
    mg.set_printoptions(profile="full")
    assert "..." not in repr(mg.arange(2000))
    with pytest.raises(ValueError, match="profile must be one of"):
        mg.set_printoptions(profile="long")


@pytest.mark.needs_torch
def test_summarised_tensors_match_torch():
    torch = pytest.importorskip("torch")
    import numpy as np

    values = np.linspace(-3, 5000, 3 * 700).reshape(3, 700).astype(np.float32)
    values[:, 1] = 0.5  # only the ends are shown, and only they set the width
    ours, theirs = repr(mg.tensor(values)), repr(torch.tensor(values))
    # the same numbers in the same notation and order (numpy wraps lines differently)
    assert re.findall(r"[-0-9.e+]+|\.\.\.", ours) == re.findall(r"[-0-9.e+]+|\.\.\.", theirs)
