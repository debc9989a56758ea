"""micrograd's test suite (test/test_engine.py) checks its scalar engine against
PyTorch: two expressions built from ``+ * ** / relu`` and in-place ``+=``, in float64,
from ``torch.Tensor([-4.0]).double()`` with ``x.requires_grad = True``, reading
``y.data.item()`` and ``x.grad.item()``. Here the same workflow with
``import minigrad as torch``: against the values micrograd's README prints, and against
torch itself where installed."""

import pytest

import minigrad


def sanity_check(torch):
    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data.item(), x.grad.item()


def more_ops(torch):
    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return g.data.item(), a.grad.item(), b.grad.item()


def test_the_sanity_check_by_hand():
    # z = 3x + 2 = -10; q = relu(z) + z*x = 40; h = relu(z*z) = 100; y = h + q + q*x
    y, dx = sanity_check(minigrad)
    assert y == 100 + 40 + 40 * -4.0
    # dy/dx = dh/dx + (1 + x) dq/dx + q, with dz/dx = 3, dq/dx = 3x + z, dh/dx = 6z
    assert dx == 6 * -10 + (1 - 4.0) * (3 * -4.0 - 10) + 40


def test_more_ops_as_micrographs_readme_prints():
    g, da, db = more_ops(minigrad)
    assert f"{g:.4f}" == "24.7041"
    assert f"{da:.4f}" == "138.8338"
    assert f"{db:.4f}" == "645.5773"


def test_the_tensors_are_float64_and_leaves():
    x = minigrad.Tensor([-4.0]).double()
    assert x.dtype == minigrad.float64 and x.is_leaf
    x.requires_grad = True
    assert x.requires_grad and (x * 2).grad_fn is not None


@pytest.mark.needs_torch
def test_the_same_numbers_as_torch():
    torch = pytest.importorskip("torch")
    assert sanity_check(minigrad) == sanity_check(torch)
    tol = 1e-6  # micrograd's own tolerance; float64 on both sides agrees far closer
    for ours, theirs in zip(more_ops(minigrad), more_ops(torch)):
        assert abs(ours - theirs) < tol
