"""Ops the tutorials and chapters call that minigrad lacked: ``norm`` (blitz autograd's
``y.data.norm()``), ``sinh`` / ``cosh`` / ``bmm`` / ``meshgrid`` (aliased at import time
by d2l's torch module) and ``swapaxes`` / ``swapdims``. Values and gradients checked
numerically and against torch."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import dims, tensors

P_VALUES = [2, "fro", 1, 3, 0.5, math.inf, -math.inf, 0]


@settings(deadline=None)
@given(st.data())
def test_norm_values_and_gradients(data):
    # distinct magnitudes (no ties for the inf-norms, which split a tie's gradient) and signs
    order = np.array(data.draw(st.permutations(range(6))), dtype=np.float64)
    sign = data.draw(tensors(shape=(6,), elements=st.sampled_from([-1.0, 1.0]))).numpy()
    x = mg.tensor(((0.3 + 0.45 * order) * sign).reshape(2, 3), requires_grad=True)
    p = data.draw(st.sampled_from(P_VALUES))
    dim = data.draw(dims((2, 3)))
    keepdim = data.draw(st.booleans())
    a = x.detach().numpy()
    axis = dim if not isinstance(dim, list) else tuple(dim)
    pn = 2 if p == "fro" else p
    if pn == 0:
        want = np.count_nonzero(a, axis=axis, keepdims=keepdim).astype(a.dtype)
    elif np.isinf(pn):
        want = (np.max if pn > 0 else np.min)(np.abs(a), axis=axis, keepdims=keepdim)
    else:
        want = np.sum(np.abs(a) ** pn, axis=axis, keepdims=keepdim) ** (1 / pn)
    out = x.norm(p, dim, keepdim)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12)
    if pn != 0:
        assert gradcheck(lambda t: mg.norm(t, p, dim, keepdim), [x])


def test_norm_of_a_zero_vector_has_gradient_zero_and_second_order():
    z = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.0, 0.0])
    x = mg.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=mg.float64, requires_grad=True)
    assert gradgradcheck(lambda t: t.norm(dim=1), [x])


def test_norm_errors():
    with pytest.raises(TypeError, match="norm: needs a floating tensor"):
        mg.tensor([1, 2]).norm()
    with pytest.raises(ValueError, match="norm: p='nuc' is not supported"):
        mg.ones(2, 2).norm("nuc")
    assert mg.tensor([1, 2]).norm(dtype=mg.float64).dtype == np.float64


@pytest.mark.needs_torch
@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_norm_matches_torch(p, dim):
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, -2.0, 0.0], [1.5, 3.0, -0.25]])
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    ours, theirs = x.norm(p, dim), t.norm(p, dim)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert float(mg.norm(mg.tensor(a))) == pytest.approx(float(torch.norm(torch.tensor(a))))
    if p == 0:  # a count: torch leaves the grad None, minigrad gives zeros
        return
    (ours * mg.tensor(np.arange(1.0, ours.numel() + 1).reshape(ours.shape))).sum().backward()
    (theirs * torch.arange(1.0, theirs.numel() + 1, dtype=torch.float64)
     .reshape(theirs.shape)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15)


@settings(deadline=None)
@given(tensors(elements={"min_value": -3, "max_value": 3}, requires_grad=True))
def test_sinh_cosh(x):
    np.testing.assert_allclose(mg.sinh(x).detach().numpy(), np.sinh(x.detach().numpy()))
    np.testing.assert_allclose(x.cosh().detach().numpy(), np.cosh(x.detach().numpy()))
    assert gradcheck(lambda t: t.sinh(), [x]) and gradcheck(mg.cosh, [x])
    assert gradgradcheck(lambda t: t.sinh() * t.cosh(), [x])


@settings(deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_bmm(b, n, k, m):
    rng = np.random.default_rng(b * 27 + n * 9 + k * 3 + m)
    x = mg.tensor(rng.normal(size=(b, n, k)), requires_grad=True)
    y = mg.tensor(rng.normal(size=(b, k, m)), requires_grad=True)
    np.testing.assert_allclose(mg.bmm(x, y).detach().numpy(),
                               x.detach().numpy() @ y.detach().numpy())
    assert gradcheck(lambda s, t: s.bmm(t), [x, y])


def test_bmm_refuses_what_torch_refuses():
    with pytest.raises(ValueError, match="bmm: needs two 3-D tensors"):
        mg.bmm(mg.ones(2, 3), mg.ones(3, 2))
    with pytest.raises(ValueError, match="bmm: batch sizes differ"):
        mg.bmm(mg.ones(2, 2, 3), mg.ones(1, 3, 2))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_as_numpy(indexing):
    x = mg.arange(3.0, dtype=mg.float64).requires_grad_()
    y = mg.tensor([10.0, 20.0], dtype=mg.float64, requires_grad=True)
    z = mg.tensor([-1.0, 0.0, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    grids = mg.meshgrid(x, y, z, indexing=indexing)
    want = np.meshgrid(x.detach().numpy(), y.detach().numpy(), z.detach().numpy(),
                       indexing=indexing)
    for g, w in zip(grids, want):
        np.testing.assert_array_equal(g.detach().numpy(), w)
    assert gradcheck(lambda a, b, c: tuple(mg.meshgrid([a, b, c], indexing=indexing)),
                     [x, y, z])


def test_meshgrid_checks_and_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing"):
        a, b = mg.meshgrid(mg.arange(2), mg.arange(3))
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(ValueError, match="meshgrid: expects one or more 0-d or 1-d"):
        mg.meshgrid(mg.ones(2, 2), indexing="ij")
    with pytest.raises(TypeError, match="meshgrid: expects all tensors to have the same dtype"):
        mg.meshgrid(mg.arange(2), mg.ones(2), indexing="ij")
    with pytest.raises(ValueError, match="indexing must be 'ij' or 'xy'"):
        mg.meshgrid(mg.arange(2), indexing="yx")


@pytest.mark.needs_torch
def test_meshgrid_sinh_cosh_bmm_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([0.5, -1.0, 2.0])
    for ours, theirs in ((mg.sinh(mg.tensor(a)), torch.sinh(torch.tensor(a))),
                         (mg.tensor(a).cosh(), torch.tensor(a).cosh())):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    for indexing in ("ij", "xy"):
        ours = mg.meshgrid(mg.tensor(a), mg.arange(2.0, dtype=mg.float64), indexing=indexing)
        theirs = torch.meshgrid(torch.tensor(a), torch.arange(2.0, dtype=torch.float64),
                                indexing=indexing)
        for g, t in zip(ours, theirs):
            np.testing.assert_array_equal(g.numpy(), t.numpy())
    m = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(mg.bmm(mg.tensor(m), mg.tensor(m).swapaxes(1, 2)).numpy(),
                                  torch.bmm(torch.tensor(m), torch.tensor(m).swapaxes(1, 2))
                                  .numpy())


def test_swapaxes_and_swapdims_are_transpose():
    x = mg.arange(6).reshape(1, 2, 3)
    assert x.swapaxes(0, 2).shape == (3, 2, 1) and x.swapdims(-1, 1).shape == (1, 3, 2)
