"""PyTorch parity: for the same float64 data, values and gradients equal torch's."""

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12


def _compare(fn_mg, fn_torch, *arrays, positive=False):
    """Run both on the same float64 data; compare outputs and all input gradients."""
    rng = np.random.default_rng(42)
    data = [np.abs(a) + 0.5 if positive else a for a in arrays]
    xs = [mg.tensor(a.copy(), requires_grad=True) for a in data]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in data]
    out_m, out_t = fn_mg(*xs), fn_torch(*ts)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(),
                               rtol=RTOL, atol=ATOL)
    w = rng.normal(size=out_t.shape)
    (out_m * mg.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert x.grad.shape == tuple(t.grad.shape) and x.grad.dtype == np.float64
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of input {i}")


def r(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).normal(size=shape)


UNARY = {
    "exp": (lambda x: x.exp(), lambda x: x.exp(), False),
    "log": (lambda x: x.log(), lambda x: x.log(), True),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), True),
    "abs": (lambda x: x.abs(), lambda x: x.abs(), False),
    "sin": (lambda x: x.sin(), lambda x: x.sin(), False),
    "cos": (lambda x: x.cos(), lambda x: x.cos(), False),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), False),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), False),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), False),
    "leaky_relu": (lambda x: x.leaky_relu(0.1),
                   lambda x: torch.nn.functional.leaky_relu(x, 0.1), False),
    "neg": (lambda x: -x, lambda x: -x, False),
    "pow3": (lambda x: x ** 3, lambda x: x ** 3, False),
    "pow_frac": (lambda x: x ** 1.5, lambda x: x ** 1.5, True),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, False),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), False),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    fm, ft, pos = UNARY[name]
    _compare(fm, ft, r(3, 4), positive=pos)


BINARY = {
    "add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b), "pow": (lambda a, b: a ** b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa, sb", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)),
                                    ((), (2, 3))])
def test_binary_broadcast(name, sa, sb):
    f = BINARY[name]
    _compare(f, f, r(*sa), r(*sb, seed=1), positive=name in ("pow", "div"))


def test_maximum_minimum_with_ties():
    a = np.array([1.0, 2.0, 3.0, 2.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    _compare(lambda x, y: mg.maximum(x, y), lambda x, y: torch.maximum(x, y), a, b)
    _compare(lambda x, y: mg.minimum(x, y), lambda x, y: torch.minimum(x, y), a, b)


REDUCTIONS = {
    "sum": (lambda x: x.sum(), lambda x: x.sum()),
    "sum_dim": (lambda x: x.sum(dim=1), lambda x: x.sum(dim=1)),
    "sum_dims_keep": (lambda x: x.sum(dim=(0, 2), keepdim=True),
                      lambda x: x.sum(dim=(0, 2), keepdim=True)),
    "mean": (lambda x: x.mean(), lambda x: x.mean()),
    "mean_dim": (lambda x: x.mean(dim=-1), lambda x: x.mean(dim=-1)),
    "var": (lambda x: x.var(), lambda x: x.var()),
    "var_dim": (lambda x: x.var(dim=1), lambda x: x.var(dim=1)),
    "var_biased": (lambda x: x.var(dim=(0, 1), correction=0, keepdim=True),
                   lambda x: x.var(dim=(0, 1), correction=0, keepdim=True)),
    "std": (lambda x: x.std(), lambda x: x.std()),
    "std_dim": (lambda x: x.std(dim=0, keepdim=True), lambda x: x.std(dim=0, keepdim=True)),
    "logsumexp": (lambda x: x.logsumexp(dim=-1), lambda x: x.logsumexp(dim=-1)),
    "logsumexp_all": (lambda x: x.logsumexp(dim=(0, 1, 2)),
                      lambda x: x.logsumexp(dim=(0, 1, 2))),
    "logsumexp_keep": (lambda x: x.logsumexp(dim=1, keepdim=True),
                       lambda x: x.logsumexp(dim=1, keepdim=True)),
    "amax": (lambda x: x.amax(dim=1), lambda x: x.amax(dim=1)),
    "max_dim_values": (lambda x: x.max(dim=2).values, lambda x: x.max(dim=2).values),
    "min_dim_keep": (lambda x: x.min(dim=0, keepdim=True).values,
                     lambda x: x.min(dim=0, keepdim=True).values),
    "max_all": (lambda x: x.max(), lambda x: x.max()),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name):
    fm, ft = REDUCTIONS[name]
    _compare(fm, ft, r(2, 3, 4))


def test_large_logsumexp_stable():
    a = np.array([[1000.0, 1000.5, -1000.0], [-5.0, 3.0, 2.0]])
    _compare(lambda x: x.logsumexp(dim=1), lambda x: x.logsumexp(dim=1), a)
    _compare(lambda x: x.softmax(dim=1), lambda x: x.softmax(dim=1), a)
    _compare(lambda x: x.log_softmax(dim=1), lambda x: x.log_softmax(dim=1), a)


# Tie behaviour, as documented in minigrad/ops/reduction.py: amax/amin and max()/min()
# without dim split the gradient evenly; max(dim)/min(dim) send it to the returned index.
TIES = np.array([[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 0.0, 0.0]])  # every row ties both ways


@pytest.mark.parametrize("name, fm, ft", [
    ("amax_dim", lambda x: x.amax(dim=1), lambda x: x.amax(dim=1)),
    ("amin_dim", lambda x: x.amin(dim=1), lambda x: x.amin(dim=1)),
    ("amax_all", lambda x: x.amax(), lambda x: x.amax()),
    ("max_all", lambda x: x.max(), lambda x: x.max()),
    ("min_all", lambda x: x.min(), lambda x: x.min()),
])
def test_ties_split_evenly(name, fm, ft):
    _compare(fm, ft, TIES)
    x = mg.tensor(TIES.copy(), requires_grad=True)
    fm(x).sum().backward()
    g = x.grad.numpy()
    assert 0 < g.max() < 1  # shared between tied elements, not one-hot


@pytest.mark.parametrize("which", ["max", "min"])
def test_ties_with_dim_go_to_returned_index(which):
    x = mg.tensor(TIES.copy(), requires_grad=True)
    t = torch.tensor(TIES.copy(), requires_grad=True)
    vm, im = getattr(x, which)(dim=1)
    vt, it = getattr(t, which)(dim=1)
    np.testing.assert_array_equal(vm.detach().numpy(), vt.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    vm.sum().backward()
    vt.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert x.grad.numpy().sum() == 2.0 and set(np.unique(x.grad.numpy())) <= {0.0, 1.0}


@pytest.mark.parametrize("sa, sb", [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
])
def test_matmul_all_forms(sa, sb):
    _compare(lambda a, b: a @ b, lambda a, b: a @ b, r(*sa), r(*sb, seed=7))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim):
    _compare(lambda x: x.softmax(dim=dim), lambda x: x.softmax(dim=dim), r(3, 4, 5))
    _compare(lambda x: x.log_softmax(dim=dim), lambda x: x.log_softmax(dim=dim), r(3, 4, 5))


INDEXING = {
    "int": lambda x: x[1],
    "slice": lambda x: x[1:, ::2],
    "neg_step_free": lambda x: x[:, -1],
    "repeated_rows": lambda x: x[[0, 2, 0, 0]],
    "repeated_pairs": lambda x: x[[0, 0, 1], [1, 1, 2]],
    "bool_mask": lambda x: x[x > 0] if isinstance(x, mg.Tensor) else x[x > 0],
    "none_ellipsis": lambda x: x[None, ..., 1],
}


@pytest.mark.parametrize("name", sorted(INDEXING))
def test_indexing(name):
    f = INDEXING[name]
    _compare(f, f, r(3, 4))


def test_indexing_with_tensor_index_repeated():
    idx_m, idx_t = mg.tensor([2, 2, 1, 2]), torch.tensor([2, 2, 1, 2])
    _compare(lambda x: x[idx_m] * 2, lambda x: x[idx_t] * 2, r(4, 3))


def test_shape_ops():
    _compare(lambda x: x.reshape(4, 6).T.permute(1, 0).transpose(0, 1),
             lambda x: x.reshape(4, 6).T.permute(1, 0).transpose(0, 1), r(2, 3, 4))
    _compare(lambda x: mg.cat([x, x * 2], dim=1), lambda x: torch.cat([x, x * 2], dim=1),
             r(2, 3))
    _compare(lambda x: mg.stack([x, x.exp()], dim=-1),
             lambda x: torch.stack([x, x.exp()], dim=-1), r(2, 3))
    _compare(lambda x: x.unsqueeze(1).expand(2, 4, 3).squeeze(),
             lambda x: x.unsqueeze(1).expand(2, 4, 3).squeeze(), r(2, 3))
    _compare(lambda x: x.split(2, dim=1)[1] * x.chunk(2, dim=1)[0],
             lambda x: x.split(2, dim=1)[1] * x.chunk(2, dim=1)[0], r(3, 4))
    _compare(lambda x: mg.where(x > 0, x, x * 0.1), lambda x: torch.where(x > 0, x, x * 0.1),
             r(3, 4))


def test_composition_mlp_loss():
    X, W1, b1, W2 = r(8, 5), r(5, 16, seed=1), r(16, seed=2), r(16, 3, seed=3)
    labels = np.array([0, 2, 1, 1, 0, 2, 2, 1])

    def loss(x, w1, bias, w2, lib):
        h = (x @ w1 + bias).tanh()
        logits = h @ w2
        logp = logits.log_softmax(dim=1)
        nll = -logp[np.arange(8) if lib is mg else torch.arange(8),
                    labels if lib is mg else torch.tensor(labels)].mean()
        return nll + 0.01 * (w1 ** 2).sum() + logits.std() * 0.1

    _compare(lambda *a: loss(*a, mg), lambda *a: loss(*a, torch), X, W1, b1, W2)


def test_composition_attention_like():
    q, k, v = r(2, 4, 8), r(2, 5, 8, seed=1), r(2, 5, 3, seed=2)

    def att(q, k, v):
        scores = q @ k.transpose(-2, -1) / np.sqrt(8)
        return scores.softmax(dim=-1) @ v

    _compare(att, att, q, k, v)


def test_readme_example_matches_torch():
    x_np, w_np = r(4, 3), r(3, 2, seed=5)
    x = mg.tensor(x_np, requires_grad=True)
    w = mg.tensor(w_np, requires_grad=True)
    y = (x @ w).tanh().sum()
    y.backward()
    xt = torch.tensor(x_np, requires_grad=True)
    wt = torch.tensor(w_np, requires_grad=True)
    yt = (xt @ wt).tanh().sum()
    yt.backward()
    np.testing.assert_allclose(y.item(), yt.item(), rtol=RTOL)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_readme_example_float32_defaults_match_torch():
    x = mg.randn(4, 3, requires_grad=True)
    w = mg.randn(3, 2, requires_grad=True)
    y = (x @ w).tanh().sum()
    y.backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    (xt @ wt).tanh().sum().backward()
    assert x.grad.dtype == np.float32 and xt.grad.dtype == torch.float32
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_second_order_matches_torch():
    a = r(3, 4)
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    v = r(3, 4, seed=9)

    def f(z):
        return (z.softmax(dim=1) * z.tanh()).sum() + z.logsumexp(dim=0).sum()

    (gm,) = mg.autograd.grad(f(x), x, create_graph=True)
    (gt,) = torch.autograd.grad(f(t), t, create_graph=True)
    (hm,) = mg.autograd.grad((gm * mg.tensor(v)).sum(), x)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(gm.detach().numpy(), gt.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-9, atol=1e-11)


def test_dtype_rules_match_torch():
    cases = [
        (lambda lib: lib.tensor([1.0, 2.0])), (lambda lib: lib.tensor([1, 2])),
        (lambda lib: lib.tensor([1, 2]) / 2), (lambda lib: lib.tensor([1, 2]) * 0.5),
        (lambda lib: lib.tensor([True])), (lambda lib: lib.tensor([1, 2]) + 1),
        (lambda lib: lib.arange(3)), (lambda lib: lib.arange(0, 1, 0.5)),
        (lambda lib: lib.zeros(2)), (lambda lib: lib.ones(2) + lib.tensor([1, 2])),
    ]
    for make in cases:
        m, t = make(mg), make(torch)
        assert str(m.dtype) == str(t.dtype).replace("torch.", ""), (m, t)
