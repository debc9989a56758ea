"""nn.init: formulas, empirical distributions, in-place semantics, seeding."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init


def big(shape=(400, 600), dtype=mg.float64):
    return nn.Parameter(mg.zeros(*shape, dtype=dtype))


def test_fill_initialisers():
    w = big((3, 4))
    assert init.ones_(w) is w
    assert (w.array == 1).all()
    init.zeros_(w)
    assert (w.array == 0).all()
    init.constant_(w, 2.5)
    assert (w.array == 2.5).all()


def test_in_place_same_array_no_graph():
    w = big((5, 5))
    arr = w.array
    init.normal_(w)
    assert w.array is arr
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    init.xavier_uniform_(w)
    assert w.array is arr and w.grad_fn is None


def test_init_keeps_dtype():
    w = nn.Parameter(mg.zeros(10, 10, dtype=mg.float32))
    init.kaiming_normal_(w)
    assert w.dtype == np.float32


def test_uniform_distribution():
    w = init.uniform_(big(), -2.0, 3.0).array.ravel()
    assert w.min() >= -2 and w.max() < 3
    assert w.mean() == pytest.approx(0.5, abs=0.02)
    assert w.var() == pytest.approx(25 / 12, rel=0.02)


def test_normal_distribution():
    w = init.normal_(big(), 1.5, 0.5).array.ravel()
    assert w.mean() == pytest.approx(1.5, abs=0.005)
    assert w.std() == pytest.approx(0.5, rel=0.01)


def _check_uniform(w, bound):
    w = w.array.ravel()
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.02)


def _check_normal(w, std):
    w = w.array.ravel()
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.01)
    # a uniform of the same std would have no tails beyond 1.74 std
    assert (np.abs(w) > 2.5 * std).mean() == pytest.approx(0.0124, abs=0.002)


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier_uniform(gain):
    w = big((400, 600))  # fan_in 600, fan_out 400
    init.xavier_uniform_(w, gain=gain)
    _check_uniform(w, gain * math.sqrt(6 / 1000))


def test_xavier_normal():
    w = init.xavier_normal_(big((400, 600)), gain=3.0)
    _check_normal(w, 3.0 * math.sqrt(2 / 1000))


def test_kaiming_uniform_fan_in_and_fan_out():
    w = init.kaiming_uniform_(big((400, 600)), nonlinearity="relu")
    _check_uniform(w, math.sqrt(2) * math.sqrt(3 / 600))
    w = init.kaiming_uniform_(big((400, 600)), mode="fan_out", nonlinearity="relu")
    _check_uniform(w, math.sqrt(2) * math.sqrt(3 / 400))


def test_kaiming_uniform_a_sqrt5_is_linear_default_bound():
    w = init.kaiming_uniform_(big((300, 900)), a=math.sqrt(5))
    _check_uniform(w, 1 / math.sqrt(900))


def test_kaiming_normal():
    w = init.kaiming_normal_(big((400, 600)), a=0.1)
    gain = math.sqrt(2 / (1 + 0.01))
    _check_normal(w, gain / math.sqrt(600))
    w = init.kaiming_normal_(big((400, 600)), mode="fan_out", nonlinearity="tanh")
    _check_normal(w, (5 / 3) / math.sqrt(400))


def test_fans_with_receptive_field():
    # (out, in, k, k): fan_in = in*k*k, fan_out = out*k*k, as torch
    w = nn.Parameter(mg.zeros(64, 32, 3, 3, dtype=mg.float64))
    init.xavier_uniform_(w)
    _check_uniform(w, math.sqrt(6 / (32 * 9 + 64 * 9)))


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="2 dims"):
        init.xavier_uniform_(nn.Parameter(mg.zeros(5)))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(big((2, 2)), mode="fan_sideways")


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="softsign"):
        init.calculate_gain("softsign")


@pytest.mark.parametrize("fn", [
    lambda w: init.uniform_(w, -1, 1), lambda w: init.normal_(w),
    init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_])
def test_same_seed_same_weights(fn):
    mg.manual_seed(42)
    a = fn(big((6, 7))).array.copy()
    mg.manual_seed(42)
    b = fn(big((6, 7))).array.copy()
    np.testing.assert_array_equal(a, b)
    c = fn(big((6, 7))).array
    assert not np.array_equal(b, c)  # the generator advanced
    mg.manual_seed(43)
    assert not np.array_equal(a, fn(big((6, 7))).array)


def test_whole_model_reproducible():
    def make():
        mg.manual_seed(5)
        return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))

    a, b = make(), make()
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.array, pb.array)
