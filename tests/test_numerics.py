"""Numerics and dtype rules where minigrad once differed from PyTorch (issue 14, part 3):
std/var of identical values, numpy scalars in type promotion, nn.Linear fed another dtype,
``pow`` at bases <= 0, and softmax/log_softmax of infinite logits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import finite_floats

needs_torch = pytest.mark.needs_torch
inf, nan = np.inf, np.nan


def grads(fn, *arrays, upstream=None):
    """fn's value and the gradients of its float64 inputs, for an upstream gradient of
    ones (or ``upstream``)."""
    xs = [mg.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(mg.ones_like(y) if upstream is None else mg.tensor(upstream))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


def torch_grads(fn, *arrays, upstream=None):
    import torch

    xs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(torch.ones_like(y) if upstream is None else torch.tensor(upstream))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


# ---------------------------------------------------------------- std / var of constants
CONSTANT_CASES = [  # (input, kwargs): every case holds a slice of identical values
    (np.full(4, 2.5), {}),
    (np.full((2, 3), -1.0), {}),
    (np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]), {"dim": 1}),
    (np.array([[1.0, 5.0], [1.0, 6.0], [1.0, 8.0]]), {"dim": 0, "correction": 0}),
    (np.array([[3.0, 3.0], [0.0, 2.0]]), {"dim": 1, "keepdim": True}),
    (np.array([7.0]), {"correction": 0}),
]


@pytest.mark.parametrize("x, kwargs", CONSTANT_CASES)
def test_std_of_identical_values_has_zero_gradient(x, kwargs):
    value, (g,) = grads(lambda t: t.std(**kwargs), x)
    assert np.isfinite(g).all()
    flat = np.moveaxis(x, kwargs.get("dim", 0), -1) if "dim" in kwargs else x.reshape(1, -1)
    gflat = np.moveaxis(g, kwargs.get("dim", 0), -1) if "dim" in kwargs else g.reshape(1, -1)
    for row, grow in zip(flat.reshape(-1, flat.shape[-1]), gflat.reshape(-1, flat.shape[-1])):
        if np.all(row == row[0]):
            assert np.all(grow == 0)  # torch: 0 where the std is 0 (it was nan)


@pytest.mark.parametrize("x, kwargs", CONSTANT_CASES)
def test_var_of_identical_values_has_zero_gradient(x, kwargs):
    _, (g,) = grads(lambda t: t.var(**kwargs), x)
    assert np.isfinite(g).all()


@needs_torch
@pytest.mark.parametrize("op", ["std", "var"])
@pytest.mark.parametrize("x, kwargs", CONSTANT_CASES)
def test_std_var_of_identical_values_match_torch(op, x, kwargs):
    up = np.random.default_rng(0).standard_normal(np.shape(getattr(x, op)(
        axis=kwargs.get("dim"), keepdims=kwargs.get("keepdim", False))))
    ours = grads(lambda t: getattr(t, op)(**kwargs), x, upstream=up)
    theirs = torch_grads(lambda t: getattr(t, op)(**kwargs), x, upstream=up)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-12, atol=1e-15)


def test_std_second_derivative_at_identical_values_is_zero_as_torch():
    x = mg.tensor(np.full(3, 2.0), requires_grad=True)
    (g,) = mg.autograd.grad(x.std(), x, create_graph=True)
    (gg,) = mg.autograd.grad(g.sum(), x)
    assert np.array_equal(g.detach().numpy(), np.zeros(3))
    assert np.array_equal(gg.numpy(), np.zeros(3))


def test_std_with_no_degrees_of_freedom_is_still_nan():
    # N - correction <= 0: torch's value and gradient are nan; only std == 0 is special
    value, (g,) = grads(lambda t: t.std(), [3.0])
    assert np.isnan(value) and np.isnan(g).all()


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "correction": 0},
                                    {"dim": -1, "keepdim": True}])
def test_std_gradients_elsewhere_match_central_differences(kwargs):
    # (tests/test_ops.py's op_test of std checks the same over hypothesis' draws)
    t = mg.tensor(np.array([[0.5, -1.25, 2.0], [3.0, 1.0, -0.75]]), requires_grad=True)
    assert gradcheck(lambda t: t.std(**kwargs), t)
    assert gradgradcheck(lambda t: t.std(**kwargs), t)


def test_training_step_through_a_constant_std_keeps_parameters_finite():
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    x = mg.ones(4, 3)  # identical rows: every output column is constant over the batch
    out = model(x)
    loss = out.std(dim=0).sum() + out.mean()
    loss.backward()
    opt.step()
    for p in model.parameters():
        assert np.isfinite(p.detach().numpy()).all()
        assert np.isfinite(p.grad.numpy()).all()


# ---------------------------------------------------------------- numpy scalars
NUMPY_SCALARS = [np.float64(2.0), np.sqrt(2.0), np.float32(1.5), np.float16(0.5),
                 np.int64(3), np.int32(2), np.bool_(True)]
BINARY = {
    "mul": lambda x, s: x * s, "rmul": lambda x, s: s * x, "add": lambda x, s: x + s,
    "radd": lambda x, s: s + x, "sub": lambda x, s: x - s, "rsub": lambda x, s: s - x,
    "div": lambda x, s: x / s, "pow": lambda x, s: x ** s, "rpow": lambda x, s: s ** x,
}


@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=repr)
@pytest.mark.parametrize("op", BINARY)
def test_numpy_scalar_never_widens_a_float32_tensor(op, scalar):
    x = mg.tensor([1.0, 2.0, 4.0])
    out = BINARY[op](x, scalar)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), BINARY[op](x.numpy().astype(np.float64),
                                                       float(scalar)), rtol=1e-6)


def test_numpy_scalar_keeps_float32_through_training_code():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * np.sqrt(2.0)).sum()  # the example
    y.backward()
    assert y.dtype == np.float32 and w.grad.dtype == np.float32


ARRAYS = [np.array(2.0), np.array(2.0, np.float32), np.array([2.0])]
PROMOTION_CASES = [  # np.bool_ is left out: torch reads it as a float (int64 * np.True_ is
    # float32); arrays only meet float tensors: torch hands int_tensor * array to numpy
    (dtype, scalar) for dtype in ["float32", "float16", "float64", "int64"]
    for scalar in NUMPY_SCALARS[:-1] + (ARRAYS if dtype != "int64" else [])]


@needs_torch
@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")  # torch's, with arrays
@pytest.mark.parametrize("dtype, scalar", PROMOTION_CASES, ids=repr)
@pytest.mark.parametrize("op", ["mul", "add", "sub", "div", "pow"])
def test_numpy_operands_promote_as_torch(op, dtype, scalar):
    import torch

    ours = BINARY[op](mg.ones(3, dtype=getattr(mg, dtype)), scalar)
    theirs = BINARY[op](torch.ones(3, dtype=getattr(torch, dtype)), scalar)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_zero_d_numpy_array_counts_as_a_tensor_of_its_dtype():
    # as torch: 0-d arrays are not scalars for type promotion
    x = mg.ones(2)
    assert (x * np.array(2.0)).dtype == np.float64
    assert (x * np.array(2.0, dtype=np.float32)).dtype == np.float32


def test_numpy_scalars_of_other_kinds_are_refused():
    with pytest.raises(TypeError, match="mul: numpy values of dtype"):
        mg.ones(2) * np.complex128(1j)
    with pytest.raises(TypeError, match="add: numpy values of dtype"):
        mg.ones(2) + np.str_("a")


# ---------------------------------------------------------------- nn.Linear dtypes
@pytest.mark.parametrize("dtype", [mg.int64, mg.int32, mg.float64, mg.float16, mg.bool])
def test_linear_refuses_an_input_of_another_dtype(dtype):
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=f"linear: input and weight must have the same dtype, "
                                        f"got {np.dtype(dtype)} and float32"):
        layer(mg.ones(4, 3, dtype=dtype))


def test_linear_refuses_a_bias_of_another_dtype():
    with pytest.raises(TypeError, match="bias and weight .* got float64 and float32"):
        nn.functional.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(4, dtype=mg.float64))


def test_linear_of_its_own_dtype_still_works():
    layer = nn.Linear(3, 2, dtype=mg.float64)
    assert layer(mg.ones(4, 3, dtype=mg.float64)).dtype == np.float64
    assert nn.Linear(3, 2)(mg.ones(4, 3, dtype=mg.int64).float()).dtype == np.float32


@needs_torch
def test_linear_dtype_error_matches_torch():
    import torch

    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        torch.nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="int64 and float32"):
        nn.Linear(3, 2)(mg.ones(4, 3, dtype=mg.int64))


# ---------------------------------------------------------------- pow at bases <= 0
POW_BASES = [-2.0, -2.0, -1.5, -1.0, 0.0, 0.0, 0.0, 0.0, -0.0, 2.0, -inf, inf, 0.0]
POW_EXPS = [2.0, 0.5, 3.0, -1.0, 2.0, 0.0, -1.0, 0.5, 0.5, 1.5, 2.0, -1.0, -2.0]


def test_pow_gradients_at_bases_le_0_are_torchs():
    y, (ga, gb) = grads(lambda a, b: a ** b, POW_BASES, POW_EXPS)
    # d/db = a**b log(a): nan without a real log, 0 at 0**b for b >= 0, -inf at 0**b, b < 0
    np.testing.assert_array_equal(gb[:4], [nan] * 4)
    np.testing.assert_array_equal(gb[4:9], [0.0, 0.0, -inf, 0.0, 0.0])
    np.testing.assert_array_equal(gb[12], -inf)
    np.testing.assert_array_equal(ga[:2], [-4.0, nan])


@needs_torch
def test_pow_with_tensor_exponent_matches_torch():
    ours = grads(lambda a, b: a ** b, POW_BASES, POW_EXPS)
    theirs = torch_grads(lambda a, b: a ** b, POW_BASES, POW_EXPS)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, equal_nan=True)
    for g_ours, g_theirs in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-12, equal_nan=True)


@needs_torch
@pytest.mark.parametrize("base", [0.0, -2.0, -0.5, 2.0])
def test_number_to_tensor_power_matches_torch(base):
    exps = [2.0, 0.5, 0.0, -1.0, 3.0]
    ours = grads(lambda b: base ** b, exps)
    theirs = torch_grads(lambda b: base ** b, exps)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-12, equal_nan=True)


@given(b=hnp.arrays(np.float64, st.integers(1, 4), elements=finite_floats(0.1, 3)))
def test_pow_exponent_gradient_at_base_0_matches_central_differences(b):
    # 0 ** b is 0 for every b > 0: the exponent's gradient is 0 there (it was also 0, by
    # the "0 where a <= 0" rule); now from torch's rule, checked numerically
    a = mg.zeros(b.shape, dtype=mg.float64)
    assert gradcheck(lambda b: a ** b, mg.tensor(b, requires_grad=True))
    assert gradcheck(lambda b: 0.0 ** b, mg.tensor(b, requires_grad=True))


@given(b=hnp.arrays(np.float64, st.integers(1, 4), elements=finite_floats(-2, 2)),
       base=finite_floats(0.2, 3))
def test_pow_gradients_for_positive_bases_match_central_differences(b, base):
    t = mg.tensor(b, requires_grad=True)
    assert gradcheck(lambda t: base ** t, t)
    assert gradgradcheck(lambda t: base ** t, t)


# ---------------------------------------------------------------- softmax of inf logits
INF_LOGITS = [[inf, 1.0, 2.0], [inf, inf, 1.0], [-inf, -inf, -inf], [inf, -inf, 0.0],
              [-inf, 0.0, 1.0], [nan, 1.0, 2.0], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_plus_inf_is_nan_over_the_slice(op):
    value, (g,) = grads(lambda t: getattr(t, op)(-1), [[inf, 1.0, 2.0], [0.0, 1.0, 2.0]])
    assert np.isnan(value[0]).all() and np.isnan(g[0]).all()  # was [nan, 0, 0]
    assert np.isfinite(value[1]).all() and np.isfinite(g[1]).all()


@needs_torch
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("logits", INF_LOGITS)
def test_softmax_of_infinite_logits_matches_torch(op, logits):
    import torch

    up = [1.0, 2.0, 3.0]
    ours = grads(lambda t: getattr(t, op)(0), logits, upstream=up)
    theirs = torch_grads(lambda t: getattr(torch, op)(t, 0), logits, upstream=up)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-12, atol=1e-15,
                               equal_nan=True)
