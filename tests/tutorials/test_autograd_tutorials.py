"""The two autograd introductions on ``import minigrad as torch``: the 60-minute blitz's
(``requires_grad_``, ``grad_fn``, a vector-Jacobian product through a loop that runs
while ``y.data.norm() < 1000``, ``no_grad``; and the gentle introduction's ``Q = 3a³ - b²``
with ``backward(gradient=)`` and frozen parameters) and Learn-the-Basics' "Automatic
Differentiation" page (``binary_cross_entropy_with_logits`` of a one-layer net,
``detach``, gradients accumulating over ``retain_graph`` backwards of ``(inp+1).pow(2).t()``
until ``grad.zero_()``). Where torch is installed: the same values and gradients."""

import numpy as np
import pytest

import minigrad


def blitz(torch, x0):
    out = {}
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    out["y has grad_fn"] = y.grad_fn is not None
    z = y * y * 3
    o = z.mean()
    a = torch.tensor([[0.5, -1.5], [2.0, 3.0]])
    a = ((a * 3) / (a - 1))
    out["requires_grad before/after"] = (a.requires_grad, a.requires_grad_(True).requires_grad)
    out["b.grad_fn"] = (a * a).sum().grad_fn is not None
    o.backward()
    out["d(out)/dx"] = x.grad.numpy()  # 4.5 everywhere

    x = torch.tensor(x0, requires_grad=True)
    y = x * 2
    doublings = 1
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
    out["y"] = y.detach().numpy()
    out["doublings"] = doublings
    y.backward(torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float))
    out["x.grad"] = x.grad.numpy()
    out["no_grad"] = ((x ** 2).requires_grad, _no_grad_flag(torch, x))
    return out


def _no_grad_flag(torch, x):
    with torch.no_grad():
        return (x ** 2).requires_grad


def gentle(torch):
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    Q.backward(gradient=torch.tensor([1., 1.]))
    checks = [bool((9 * a ** 2 == a.grad).all()), bool((-2 * b == b.grad).all())]
    x, z = torch.rand(5, 5), torch.rand((5, 5), requires_grad=True)
    checks += [(x + x).requires_grad, (x + z).requires_grad]

    from_nn = torch.nn  # the fine-tuning part, with a small model in place of resnet18
    model = from_nn.Sequential(from_nn.Linear(4, 8), from_nn.ReLU())
    for param in model.parameters():
        param.requires_grad = False
    model.fc = from_nn.Linear(8, 3)  # a new last layer, the only one that learns
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    model(torch.rand(2, 4)).sum().backward()
    optimizer.step()
    checks.append([p.grad is None for p in model.parameters()])
    return checks


def basics(torch, w0, b0):
    out = {}
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    out["grad_fns"] = (z.grad_fn is not None, loss.grad_fn is not None)
    loss.backward()
    out["loss"], out["w.grad"], out["b.grad"] = loss.item(), w.grad.numpy(), b.grad.numpy()
    z = torch.matmul(x, w) + b
    with torch.no_grad():
        z2 = torch.matmul(x, w) + b
    out["tracking"] = (z.requires_grad, z2.requires_grad, z.detach().requires_grad)

    inp = torch.eye(4, 5, requires_grad=True)
    o = (inp + 1).pow(2).t()
    calls = []
    o.backward(torch.ones_like(o), retain_graph=True)
    calls.append(inp.grad.numpy().copy())
    o.backward(torch.ones_like(o), retain_graph=True)
    calls.append(inp.grad.numpy().copy())
    inp.grad.zero_()
    o.backward(torch.ones_like(o), retain_graph=True)
    calls.append(inp.grad.numpy().copy())
    out["calls"] = calls
    out["printed"] = f"First call\n{inp.grad}"
    return out


def test_blitz_autograd():
    out = blitz(minigrad, [0.3, -0.7, 1.1])
    assert out["y has grad_fn"] and out["b.grad_fn"]
    assert out["requires_grad before/after"] == (False, True)
    np.testing.assert_array_equal(out["d(out)/dx"], np.full((2, 2), 4.5))
    # y = x * 2**k with the first k whose norm reaches 1000; dy/dx = 2**k times the vector
    k = out["doublings"]
    norm = np.linalg.norm(np.float32([0.3, -0.7, 1.1]))
    assert norm * 2 ** k >= 1000 > norm * 2 ** (k - 1)
    np.testing.assert_allclose(out["x.grad"], np.float32([0.1, 1.0, 0.0001]) * 2 ** k)
    assert out["no_grad"] == (True, False)


def test_gentle_introduction_part_without_resnet():
    assert gentle(minigrad) == [True, True, False, True, [True, True, False, False]]


def test_basics_autograd_page():
    rng = np.random.default_rng(0)
    out = basics(minigrad, rng.standard_normal((5, 3)).astype(np.float32),
                 rng.standard_normal(3).astype(np.float32))
    assert out["grad_fns"] == (True, True)
    assert out["tracking"] == (True, False, False)
    # d/dw of mean BCE-with-logits against 0 targets with x = ones: sigmoid(z) / 3 per row
    np.testing.assert_allclose(out["w.grad"], np.tile(out["b.grad"], (5, 1)), rtol=1e-6)
    first, second, after_zero = out["calls"]
    want = 2 * (np.eye(4, 5) + 1)
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(second, 2 * want)
    np.testing.assert_array_equal(after_zero, want)
    assert out["printed"].splitlines()[1] == "tensor([[4., 2., 2., 2., 2.],"


@pytest.mark.needs_torch
def test_the_same_numbers_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = blitz(minigrad, [0.3, -0.7, 1.1]), blitz(torch, [0.3, -0.7, 1.1])
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, err_msg=key)
    assert gentle(minigrad) == gentle(torch)
    rng = np.random.default_rng(0)
    w0, b0 = (rng.standard_normal((5, 3)).astype(np.float32),
              rng.standard_normal(3).astype(np.float32))
    ours, theirs = basics(minigrad, w0, b0), basics(torch, w0, b0)
    for key in ("grad_fns", "tracking", "printed"):
        assert ours[key] == theirs[key]
    for key in ("loss", "w.grad", "b.grad", "calls"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, err_msg=key)
