"""JAX-style transforms: ``mg.func.grad`` and ``value_and_grad``, composable."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.func import grad, value_and_grad


def test_grad_simple():
    g = grad(lambda x: (x ** 2).sum())(mg.tensor([1.0, -3.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, -6.0])
    assert isinstance(g, mg.Tensor) and not g.requires_grad


def test_value_and_grad():
    v, g = value_and_grad(lambda x: (x.exp()).sum())(mg.tensor(np.array([0.0, 1.0])))
    np.testing.assert_allclose(v.item(), 1 + np.e)
    np.testing.assert_allclose(g.numpy(), [1.0, np.e])
    assert not v.requires_grad


def test_grad_of_grad_and_third_derivative():
    f = lambda x: x.sin() * x ** 2  # noqa: E731
    x0 = 0.7
    x = mg.tensor(x0, dtype=mg.float64)
    d1, d2, d3 = grad(f), grad(grad(f)), grad(grad(grad(f)))
    s, c = np.sin(x0), np.cos(x0)
    np.testing.assert_allclose(d1(x).item(), 2 * x0 * s + x0 ** 2 * c, rtol=1e-12)
    np.testing.assert_allclose(d2(x).item(), 2 * s + 4 * x0 * c - x0 ** 2 * s, rtol=1e-12)
    np.testing.assert_allclose(d3(x).item(), 6 * c - 6 * x0 * s - x0 ** 2 * c, rtol=1e-12)


def test_argnums_int_and_tuple():
    f = lambda a, b: (a * b ** 2).sum()  # noqa: E731
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])
    np.testing.assert_allclose(grad(f)(a, b).numpy(), [9.0, 16.0])
    np.testing.assert_allclose(grad(f, argnums=1)(a, b).numpy(), [6.0, 16.0])
    ga, gb = grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.numpy(), [9.0, 16.0])
    np.testing.assert_allclose(gb.numpy(), [6.0, 16.0])
    (gb_only,) = grad(f, argnums=(1,))(a, b)
    np.testing.assert_allclose(gb_only.numpy(), [6.0, 16.0])
    np.testing.assert_allclose(grad(f, argnums=-1)(a, b).numpy(), [6.0, 16.0])


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda a: a.sum(), argnums=2)(mg.tensor([1.0]))


def test_mixed_partial_derivative():
    f = lambda x, y: x ** 2 * y ** 3  # noqa: E731
    dxdy = grad(grad(f, argnums=0), argnums=1)
    x, y = mg.tensor(2.0, dtype=mg.float64), mg.tensor(3.0, dtype=mg.float64)
    np.testing.assert_allclose(dxdy(x, y).item(), 2 * 2.0 * 3 * 3.0 ** 2)


def test_grad_does_not_touch_inputs_or_their_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=False)
    grad(lambda t: (t * t).sum())(x)
    assert x.grad is None and not x.requires_grad
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    g = grad(lambda t: (t * t).sum())(w.detach())
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_python_and_numpy_arguments():
    g = grad(lambda t: (t ** 3).sum())([1.0, 2.0])
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    g64 = grad(lambda t: (t ** 3).sum())(np.array([2.0]))
    assert g64.dtype == np.float64
    np.testing.assert_allclose(g64.numpy(), [12.0])


def test_unused_argument_gives_zeros():
    g = grad(lambda a, b: a.sum(), argnums=(0, 1))(mg.tensor([1.0]), mg.tensor([5.0, 6.0]))
    np.testing.assert_array_equal(g[1].numpy(), [0.0, 0.0])


def test_non_scalar_output_is_rejected():
    with pytest.raises(TypeError, match="one-element"):
        grad(lambda t: t * 2)(mg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="one-element"):
        grad(lambda t: 3.0)(mg.tensor([1.0]))


def test_grad_of_matmul_loss_matches_closed_form():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    w0 = rng.normal(size=3)
    loss = lambda w: ((mg.tensor(X) @ w - mg.tensor(y)) ** 2).mean()  # noqa: E731
    g = grad(loss)(mg.tensor(w0))
    np.testing.assert_allclose(g.numpy(), 2 * X.T @ (X @ w0 - y) / 10, rtol=1e-12)
    hess_diag = [grad(lambda w, i=i: grad(loss)(w)[i])(mg.tensor(w0)).numpy()[i]
                 for i in range(3)]
    np.testing.assert_allclose(hess_diag, np.diag(2 * X.T @ X / 10), rtol=1e-12)


def test_grad_inside_no_grad_still_differentiates():
    with mg.no_grad():
        g = grad(lambda t: (t * t).sum())(mg.tensor([3.0]))
    np.testing.assert_allclose(g.numpy(), [6.0])
    assert mg.is_grad_enabled()


def test_inner_transform_closing_over_outer_variable():
    def outer(y):
        return grad(lambda x: (x * y) ** 2)(mg.tensor(3.0, dtype=mg.float64))  # 2 x y^2

    g = grad(outer)(mg.tensor(2.0, dtype=mg.float64))  # d/dy 2 x y^2 = 4 x y at x = 3
    np.testing.assert_allclose(g.item(), 4 * 3.0 * 2.0)


def test_hessian_mixed_block():
    f = lambda a, b: (a[0] * b[1] + a[1] ** 2 * b[0]).sum()  # noqa: E731
    a, b = mg.tensor(np.array([1.0, 2.0])), mg.tensor(np.array([3.0, 4.0]))
    rows = [grad(lambda a, b, i=i: grad(f, argnums=1)(a, b)[i])(a, b).numpy() for i in range(2)]
    # d/da of df/db = [[0, 2 a1], [1, 0]] (row i: d(df/db_i)/da)
    np.testing.assert_allclose(np.stack(rows), [[0.0, 4.0], [1.0, 0.0]])
