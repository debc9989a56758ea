"""Autograd semantics: broadcasting, accumulation, backward options, higher order,
``autograd.grad``, grad modes, custom Functions, anomaly mode and graph memory."""

import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.testing import gradgradcheck


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar numpy function ``f`` at float64 ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        hi = f(x)
        x[i] = old - eps
        lo = f(x)
        x[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


def t64(a, requires_grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------------ broadcasting


@pytest.mark.parametrize("sa, sb", [
    ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((1,), (5, 2)),
    ((), (2, 3)), ((2, 1, 3), (4, 1)), ((4, 1), ()),
])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_broadcast_gradients_have_input_shape(sa, sb, op):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.uniform(1, 2, sa), rng.uniform(1, 2, sb)
    a, b = t64(a_np), t64(b_np)
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
    y = getattr(mg, op)(a, b)
    assert y.shape == np.broadcast_shapes(sa, sb)
    w = rng.normal(size=y.shape)
    (y * mg.tensor(w)).sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    ga = numeric_grad(lambda v: (fn(v, b_np) * w).sum(), a_np.copy())
    gb = numeric_grad(lambda v: (fn(a_np, v) * w).sum(), b_np.copy())
    np.testing.assert_allclose(a.grad.numpy(), ga, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), gb, rtol=1e-6, atol=1e-8)


def test_gradient_dtype_matches_each_input():
    a = mg.tensor([1.0, 2.0], requires_grad=True)  # float32
    b = mg.tensor(np.array([[1.0], [3.0]]), requires_grad=True)  # float64
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.shape == (2,)
    assert b.grad.dtype == np.float64 and b.grad.shape == (2, 1)
    np.testing.assert_allclose(a.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(b.grad.numpy(), [[3.0], [3.0]])


def test_gradient_dtype_through_matmul_mixed():
    a = mg.randn(3, 2, dtype=mg.float32, requires_grad=True)
    b = mg.randn(2, dtype=mg.float64, requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_expand_gradient_sums():
    x = t64([[1.0], [2.0]])
    y = x.expand(2, 3) * t64([[1.0, 2.0, 3.0]], requires_grad=False)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[6.0], [6.0]])


# ----------------------------------------------------------------------- graph shapes


def test_long_chain_no_recursion_error():
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    assert sys.getrecursionlimit() < 100_000
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 100_000, rtol=1e-6)


def test_long_chain_freed_without_recursion():
    x = mg.tensor(1.0, requires_grad=True)
    y = x + 1.0
    first = weakref.ref(y.grad_fn)
    for _ in range(99_999):
        y = y + 1.0
    (g,) = mg.autograd.grad(y, x, retain_graph=True)  # the whole chain stays alive
    assert y.item() == 100_001.0 and g.item() == 1.0
    del y  # deep chains of nodes must be freed without blowing the C stack
    assert first() is None  # by reference counting alone: the graph holds no cycles


def test_diamond_accumulates():
    x = t64([2.0, 3.0])
    a = x * 2
    b = a.exp()
    c = a.sin()
    (b + c).sum().backward()
    want = 2 * np.exp([4.0, 6.0]) + 2 * np.cos([4.0, 6.0])
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_reused_tensor_accumulates():
    x = t64([3.0])
    y = x * x * x + x  # x used four times
    y.backward(mg.ones(1, dtype=mg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3 * 9.0 + 1])


def test_same_tensor_both_inputs():
    x = t64([1.0, -2.0])
    (x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_grads_do_not_alias():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad.array, y.grad.array)
    x.grad.array += 1
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


def test_leaf_backward():
    x = t64([1.0, 2.0])
    x.backward(t64([5.0, 6.0], requires_grad=False))
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 6.0])


# ---------------------------------------------------------------- backward() semantics


def test_nonscalar_backward_needs_gradient():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="only for scalar outputs.*gradient="):
        (x * 2).backward()


def test_backward_with_gradient():
    x = t64([1.0, 2.0])
    (x * x).backward(gradient=t64([1.0, 10.0], requires_grad=False))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0])


def test_backward_gradient_shape_checked():
    x = t64([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        (x * 2).backward(mg.ones(3))


def test_one_element_nonscalar_backward_ok():
    x = t64([[2.0]])
    (x * 3).backward()
    assert x.grad.tolist() == [[3.0]]


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_leaf_grads_accumulate_until_zeroed():
    x = t64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    x.grad.zero_()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_nonleaf_grad_only_with_retain_grad():
    x = t64([1.0, 2.0])
    h = x * 2
    k = x * 3
    k.retain_grad()
    assert k.retains_grad and not h.retains_grad
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.numpy(), [2.0, 4.0])  # d/dk (h*k) = h
    assert not h.is_leaf and x.is_leaf


def test_retain_grad_accumulates_and_leaf_noop():
    x = t64([1.0])
    y = x * 2
    y.retain_grad()
    x.retain_grad()  # leaf: no-op
    z = y * 3
    z.sum().backward(retain_graph=True)
    z.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0])
    np.testing.assert_allclose(x.grad.numpy(), [12.0])


def test_second_backward_through_freed_graph_raises():
    x = t64([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = t64([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    want = 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_saved_buffers_freed_after_backward():
    x = t64(np.ones(1000))
    y = x.exp()
    node = y.grad_fn
    assert node._saved is not None
    y.sum().backward()
    assert node._saved is None
    z = x.exp()
    z.sum().backward(retain_graph=True)
    assert z.grad_fn._saved is not None


# -------------------------------------------------------------------------- higher order


def test_hvp_tanh_closed_form():
    xv = np.array([0.3, -1.2, 0.7])
    x = t64(xv)
    v = np.array([1.0, 2.0, -0.5])
    (g,) = mg.autograd.grad(x.tanh().sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 1 - np.tanh(xv) ** 2, rtol=1e-12)
    (hv,) = mg.autograd.grad((g * mg.tensor(v)).sum(), x)
    t = np.tanh(xv)
    np.testing.assert_allclose(hv.numpy(), -2 * t * (1 - t ** 2) * v, rtol=1e-12)


def test_hvp_matmul_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    xv, v = rng.normal(size=4), rng.normal(size=4)
    x = t64(xv)
    a = mg.tensor(A)
    f = x @ (a @ x)  # x^T A x
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), (A + A.T) @ xv, rtol=1e-12)
    (hv,) = mg.autograd.grad(g @ mg.tensor(v), x)
    np.testing.assert_allclose(hv.numpy(), (A + A.T) @ v, rtol=1e-12)


def test_hvp_matmul_weights_batched():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2, 5, 3))
    wv, v = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    w = t64(wv)
    f = ((mg.tensor(X) @ w) ** 2).sum() / 2  # Hessian: v -> sum_b X_b^T X_b v
    (g,) = mg.autograd.grad(f, w, create_graph=True)
    (hv,) = mg.autograd.grad((g * mg.tensor(v)).sum(), w)
    want = sum(Xb.T @ Xb for Xb in X) @ v
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-10)


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_hvp_softmax_closed_form():
    rng = np.random.default_rng(3)
    xv, c, v = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    x = t64(xv)
    f = (x.softmax(dim=0) * mg.tensor(c)).sum()
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    p = _softmax(xv)
    J = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(g.detach().numpy(), J @ c, rtol=1e-10)
    (hv,) = mg.autograd.grad((g * mg.tensor(v)).sum(), x)
    # finite differences of the closed-form gradient along v
    grad_fn = lambda z: (np.diag(_softmax(z)) - np.outer(_softmax(z), _softmax(z))) @ c  # noqa: E731
    eps = 1e-6
    want = (grad_fn(xv + eps * v) - grad_fn(xv - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("which", ["log_softmax", "logsumexp"])
def test_hessian_logsumexp_closed_form(which):
    rng = np.random.default_rng(4)
    xv = rng.normal(size=4)
    x = t64(xv)
    if which == "logsumexp":
        f = x.logsumexp(dim=0)
    else:
        f = -x.log_softmax(dim=0)[0]  # = logsumexp(x) - x0, same Hessian
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    p = _softmax(xv)
    want_g = p - (np.eye(4)[0] if which == "log_softmax" else 0)
    np.testing.assert_allclose(g.detach().numpy(), want_g, rtol=1e-10, atol=1e-12)
    H = np.stack([mg.autograd.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(4)])
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-12)


def test_hvp_log_softmax_batched_finite_differences():
    rng = np.random.default_rng(5)
    xv, w, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    def grad_np(z):
        x = t64(z)
        (g,) = mg.autograd.grad((x.log_softmax(dim=1) ** 2 * mg.tensor(w)).sum(), x)
        return g.numpy()

    x = t64(xv)
    f = (x.log_softmax(dim=1) ** 2 * mg.tensor(w)).sum()
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    (hv,) = mg.autograd.grad((g * mg.tensor(v)).sum(), x)
    eps = 1e-6
    want = (grad_np(xv + eps * v) - grad_np(xv - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-6, atol=1e-8)


def test_backward_create_graph_then_backward_on_grad():
    x = t64([2.0])
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.detach().numpy(), [12.0])
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0])  # 6x


def test_third_derivative_with_autograd_grad():
    x = t64(0.5)
    y = x.sin() * x
    (d1,) = mg.autograd.grad(y, x, create_graph=True)
    (d2,) = mg.autograd.grad(d1, x, create_graph=True)
    (d3,) = mg.autograd.grad(d2, x)
    xv = 0.5
    np.testing.assert_allclose(d1.item(), np.sin(xv) + xv * np.cos(xv), rtol=1e-12)
    np.testing.assert_allclose(d2.item(), 2 * np.cos(xv) - xv * np.sin(xv), rtol=1e-12)
    np.testing.assert_allclose(d3.item(), -3 * np.sin(xv) - xv * np.cos(xv), rtol=1e-12)


# -------------------------------------------------------------------- autograd.grad


def test_autograd_grad_does_not_touch_dot_grad():
    x, w = t64([1.0, 2.0]), t64([3.0, 4.0])
    y = (x * w).sum()
    gx, gw = mg.autograd.grad(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None
    assert isinstance(gx, mg.Tensor) and not gx.requires_grad


def test_autograd_grad_returns_tuple_for_single_input():
    x = t64([1.0])
    out = mg.autograd.grad((x * 2).sum(), x)
    assert isinstance(out, tuple) and len(out) == 1


def test_autograd_grad_allow_unused():
    x, unused = t64([1.0]), t64([1.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        mg.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = mg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2.0])


def test_autograd_grad_grad_outputs_and_multiple_outputs():
    x = t64([1.0, 2.0])
    y1, y2 = x * 2, x ** 2
    (g,) = mg.autograd.grad([y1, y2], x, grad_outputs=[mg.ones(2, dtype=mg.float64),
                                                       t64([1.0, 10.0], False)])
    np.testing.assert_allclose(g.numpy(), [2 + 2.0, 2 + 40.0])


def test_autograd_grad_nonscalar_needs_grad_outputs():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        mg.autograd.grad(x * 2, x)


def test_autograd_grad_retain_graph_default():
    x = t64([1.0, 2.0])
    y = (x * x).sum()
    mg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        mg.autograd.grad(y, x)
    z = (x * x).sum()
    mg.autograd.grad(z, x, retain_graph=True)
    (g,) = mg.autograd.grad(z, x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_autograd_grad_wrt_intermediate():
    x = t64([1.0, 2.0])
    h = x * 3
    y = (h ** 2).sum()
    (gh,) = mg.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])
    assert h.grad is None and x.grad is None


def test_autograd_grad_input_not_requiring_grad():
    x = t64([1.0])
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        mg.autograd.grad((x * 2).sum(), mg.tensor([1.0]))


# ------------------------------------------------------------------------ grad modes


def test_no_grad_context():
    x = t64([1.0])
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        z = (y.exp() + x).sum()
    assert mg.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None


def test_no_grad_decorator_and_enable_grad():
    x = t64([1.0])

    @mg.no_grad()
    def f(t):
        assert not mg.is_grad_enabled()
        return t * 2

    @mg.enable_grad()
    def g(t):
        assert mg.is_grad_enabled()
        return t * 2

    assert f(x).grad_fn is None
    assert f.__name__ == "f"
    with mg.no_grad():
        y = g(x)
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 3
    assert y.grad_fn is not None and z.grad_fn is not None
    assert mg.is_grad_enabled()


def test_no_grad_restores_on_exception():
    with pytest.raises(KeyError):
        with mg.no_grad():
            raise KeyError
    assert mg.is_grad_enabled()


def test_nested_no_grad_restores_outer():
    with mg.no_grad():
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_set_grad_enabled():
    x = t64([1.0])
    with mg.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    assert (x * 2).grad_fn is not None


def test_backward_inside_no_grad_still_works():
    x = t64([1.0, 2.0])
    y = (x * x).sum()
    with mg.no_grad():
        y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_grad_state_restored_after_backward():
    x = t64([1.0])
    (x * x).sum().backward(create_graph=True)
    assert mg.is_grad_enabled()
    with mg.no_grad():
        (x * x).sum()
    assert mg.is_grad_enabled()


# ------------------------------------------------------------------- custom Function


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class ScaledAdd(Function):
    calls = []

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.scale = scale
        ScaledAdd.calls.append(ctx.needs_input_grad)
        return a.array + scale * b.array

    @staticmethod
    def backward(ctx, grad):
        ga = grad if ctx.needs_input_grad[0] else None
        gb = grad * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb


def test_custom_function_first_and_second_order():
    x = t64([1.0, 2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    np.testing.assert_allclose(y.detach().numpy(), [1.0, 8.0])
    (g,) = mg.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    (h,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6.0, 12.0])  # 6x


def test_custom_function_needs_input_grad_and_kwargs():
    ScaledAdd.calls.clear()
    a, b = t64([1.0]), mg.tensor([2.0], dtype=mg.float64)
    y = ScaledAdd.apply(a, b, scale=3.0)
    assert ScaledAdd.calls[-1] == (True, False)
    np.testing.assert_allclose(y.detach().numpy(), [7.0])
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0])
    assert b.grad is None
    b.requires_grad_()
    ScaledAdd.apply(a, b, scale=3.0).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [3.0])


def test_custom_function_broadcast_gradient_reduced():
    class BroadcastMul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.array * b.array

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a  # broadcast shape: the engine reduces

    a, b = t64(np.ones((2, 3))), t64([1.0, 2.0, 3.0])
    BroadcastMul.apply(a, b).sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0, 2.0])


def test_custom_function_wrong_number_of_grads():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.array + b.array

        @staticmethod
        def backward(ctx, grad):
            return grad

    a, b = t64([1.0]), t64([1.0])
    with pytest.raises(RuntimeError, match="returned 1 gradients.*2 inputs"):
        Bad.apply(a, b).sum().backward()


def test_custom_function_wrong_grad_shape():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a.array.sum()

        @staticmethod
        def backward(ctx, grad):
            return mg.ones(5, dtype=mg.float64)

    with pytest.raises(RuntimeError, match="shape"):
        Bad.apply(t64([1.0, 2.0])).backward()


def test_custom_function_not_recorded_without_grad():
    y = Cube.apply(mg.tensor([2.0]))
    assert y.grad_fn is None and not y.requires_grad
    with mg.no_grad():
        assert Cube.apply(t64([2.0])).grad_fn is None


# ------------------------------------------------------------------------ anomaly mode


def test_anomaly_forward_names_op():
    x = mg.tensor([-1.0, 1.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Log forward produced nan"):
            x.log()


def test_anomaly_backward_names_op():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = x.sqrt()  # forward is finite: sqrt(0) = 0
        with pytest.raises(RuntimeError, match="Sqrt.*backward produced inf"):
            y.sum().backward()


def test_anomaly_backward_names_op_for_0d_gradients():
    # 0-d gradients travel between ops as numpy scalars; anomaly mode must check them too
    x = t64(np.float64(0.0))
    with mg.autograd.detect_anomaly():
        y = (x * 2).sqrt() * 3
        with pytest.raises(RuntimeError, match="SqrtBackward backward produced inf"), \
                np.errstate(divide="ignore"):
            y.backward()


def test_anomaly_stops_at_first_bad_op():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = x * 1e30
        with pytest.raises(RuntimeError, match="Mul forward produced inf"):
            (y * 1e30 - 1).exp()  # float32 overflow at the Mul, not at the later ops


def test_no_anomaly_mode_lets_nan_through():
    x = mg.tensor([-1.0], requires_grad=True)
    y = x.log()
    assert np.isnan(y.item())
    with mg.autograd.detect_anomaly():
        pass
    assert np.isnan(x.log().item())  # mode restored on exit


# ------------------------------------------------------------------------ graph memory


def _node_is_freed_by_refcount(build):
    gc.collect()
    gc.disable()
    try:
        out, probes = build()
        refs = [weakref.ref(p) for p in probes]
        assert all(r() is not None for r in refs)
        del out, probes
        return [r() is None for r in refs]
    finally:
        gc.enable()


@pytest.mark.parametrize("build", [
    lambda x: (x * 2).exp().sum(),
    lambda x: (x @ x.T).tanh().mean(),
    lambda x: x.softmax(dim=-1).log().sum(),
    lambda x: x.log_softmax(dim=-1).logsumexp(dim=0).sum(),
    lambda x: mg.cat([x, x * 2]).max(dim=0).values.sum(),
    lambda x: (x[0] + x[:, 1].sigmoid().sum()).sum(),
    lambda x: x.sqrt().var(),
])
def test_graph_freed_by_refcount(build):
    x = mg.rand(3, 3, requires_grad=True)

    def make():
        out = build(x)
        return out, [out.grad_fn, out]

    assert all(_node_is_freed_by_refcount(make))


def test_graph_freed_after_backward_and_del():
    x = mg.rand(3, requires_grad=True)

    def make():
        out = (x.exp() * x).sum()
        out.backward(retain_graph=True)
        return out, [out.grad_fn, out]

    assert all(_node_is_freed_by_refcount(make))


def test_intermediate_tensors_freed_when_output_deleted():
    x = mg.rand(100, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        h = x.exp()
        y = (h * h).sum()
        rh, rn = weakref.ref(h), weakref.ref(h.grad_fn)
        del h  # still alive inside the graph (saved for backward)
        assert rn() is not None
        del y
        assert rh() is None and rn() is None
    finally:
        gc.enable()


def test_saved_tensors_released_after_backward():
    x = mg.rand(100, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        h = x.exp()
        rh = weakref.ref(h)
        y = (h * h).sum()  # MulBackward saves h twice
        del h
        assert rh() is not None
        y.backward()
        assert rh() is None  # freed with the saved buffers, y still alive
        assert y.grad_fn is not None
    finally:
        gc.enable()


def test_grad_fn_has_no_reference_to_its_output():
    x = mg.rand(3, requires_grad=True)
    y = x.exp()
    assert all(r is not y for r in gc.get_referents(y.grad_fn))


class _ArrayCube(Cube):
    array_backward = True  # Cube's backward uses operators only
    seen: list = []

    @staticmethod
    def backward(ctx, grad):
        _ArrayCube.seen.append((type(grad), type(ctx.saved_tensors[0])))
        return Cube.backward(ctx, grad)


def test_array_backward_gets_arrays_in_a_plain_backward_and_tensors_under_create_graph():
    x = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    _ArrayCube.seen.clear()
    (_ArrayCube.apply(x) * 2).sum().backward()
    assert _ArrayCube.seen == [(np.ndarray, np.ndarray)]
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.array ** 2)
    assert isinstance(x.grad, mg.Tensor)

    _ArrayCube.seen.clear()
    (g,) = mg.autograd.grad(_ArrayCube.apply(x).sum(), x, create_graph=True)
    assert _ArrayCube.seen == [(mg.Tensor, mg.Tensor)]
    (h,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.array)  # second derivative of x**3
    assert gradgradcheck(_ArrayCube.apply, [x])


def test_a_consumer_that_sends_no_gradient_does_not_block_the_others():
    # c's in-place zero_() sends no gradient back to `a`; b still must reach it.
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a * 3
    c = a * 1
    c.zero_()
    (b + c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
