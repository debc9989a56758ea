"""PyTorch's "Learning PyTorch with Examples", every variant of its sin(x) polynomial fit
and its two-layer net, on ``import minigrad as torch``: tensors with a hand-written
backward (``matmul(input=, other=)``, ``mm``, ``t()``, ``clone``, masked writes),
autograd with ``grad = None`` or ``grad.zero_()``, a custom ``autograd.Function``,
``nn.Sequential`` with ``Flatten(0, 1)`` and a hand-written update, ``optim``, a custom
``nn.Module`` of ``Parameter`` scalars, and the dynamic net that reuses a weight a random
number of times. Our own (shorter) runs; where torch is installed the same code on torch
from the same starting values gives the same numbers."""

import math
import random

import numpy as np
import pytest

import minigrad

STEPS = 300
START = (0.3, -0.2, 0.1, -0.05, 0.01)  # a, b, c, d, e: the tutorials draw them with randn


def _grid(torch, n=500):
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, n, device=device, dtype=dtype)
    return x, torch.sin(x), dtype, device


def tensors_by_hand(torch):
    x, y, dtype, device = _grid(torch)
    a, b, c, d = (torch.full((), v, device=device, dtype=dtype) for v in START[:4])
    learning_rate = 1e-5
    losses = []
    for t in range(STEPS):
        y_pred = a + (b * x) + (c * x.pow(2)) + (d * x.pow(3))
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            losses.append(loss)
        grad_y_pred = -2.0 * (y - y_pred)
        grad_a = grad_y_pred.sum()
        grad_b = torch.matmul(input=grad_y_pred, other=x).sum()
        grad_c = torch.matmul(input=grad_y_pred, other=x.pow(2)).sum()
        grad_d = torch.matmul(input=grad_y_pred, other=x.pow(3)).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return losses, [a.item(), b.item(), c.item(), d.item()]


def with_autograd(torch):
    device = (torch.accelerator.current_accelerator().type
              if torch.accelerator.is_available() else "cpu")
    torch.set_default_device(device)
    try:
        x, y, dtype, _ = _grid(torch)
        a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in START[:4])
        losses = []
        for t in range(STEPS):
            loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
            if t % 100 == 99:
                losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                for w in (a, b, c, d):
                    w -= 1e-5 * w.grad
                a.grad, b.grad, c.grad, d.grad = None, None, None, None
    finally:
        torch.set_default_device(None)
    return losses, [a.item(), b.item(), c.item(), d.item()]


def custom_function(torch):
    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x, y, dtype, device = _grid(torch)
    a, b, c, d = (torch.full((), v, device=device, dtype=dtype, requires_grad=True)
                  for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for t in range(STEPS):
        P3 = LegendrePolynomial3.apply
        loss = (a + b * P3(c + d * x) - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in (a, b, c, d):
                w -= 2e-5 * w.grad
                w.grad = None
    return losses, [a.item(), b.item(), c.item(), d.item()]


def _poly_model(torch, init):
    p = torch.tensor([1, 2, 3])
    x, y, _, _ = _grid(torch)
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([list(init[1:4])]))
        model[0].bias.fill_(init[0])
    return xx, y, model


def _report(model):
    layer = model[0]
    return (f"y = {layer.bias.item()} + {layer.weight[:, 0].item()} x + "
            f"{layer.weight[:, 1].item()} x^2 + {layer.weight[:, 2].item()} x^3")


def nn_by_hand(torch):
    xx, y, model = _poly_model(torch, START)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    losses = []
    for t in range(STEPS):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= 1e-5 * param.grad
    return losses, _report(model)


def with_optim(torch):
    xx, y, model = _poly_model(torch, START)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for t in range(STEPS):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, _report(model)


def custom_module(torch, dynamic=False, seed=0):
    class Polynomial(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for name in "abcde"[:5 if dynamic else 4]:
                setattr(self, name, torch.nn.Parameter(torch.randn(())))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            if dynamic:
                for exp in range(4, random.randint(4, 6)):
                    y = y + self.e * x ** exp
            return y

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + ..."

    x, y, _, _ = _grid(torch)
    model = Polynomial()
    with torch.no_grad():  # the same start on both sides
        for p, v in zip(model.parameters(), START):
            p.copy_(torch.tensor(v))
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-7 if dynamic else 1e-5,
                                momentum=0.9 if dynamic else 0)
    random.seed(seed)
    losses = []
    for t in range(STEPS):
        loss = criterion(model(x), y)
        if t % 100 == 99:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, model.string()


def two_layer_net(torch, variant):
    dtype, device = torch.float, torch.device("cpu")
    rng = np.random.default_rng(1)
    x, y, w1, w2 = (torch.tensor(rng.standard_normal(s).astype(np.float32), device=device,
                                 dtype=dtype) for s in ((16, 50), (16, 5), (50, 20), (20, 5)))
    losses = []
    if variant == "tensor":
        for _ in range(50):
            h = x.mm(w1)
            h_relu = h.clamp(min=0)
            y_pred = h_relu.mm(w2)
            losses.append((y_pred - y).pow(2).sum().item())
            grad_y_pred = 2.0 * (y_pred - y)
            grad_w2 = h_relu.t().mm(grad_y_pred)
            grad_h = grad_y_pred.mm(w2.t()).clone()
            grad_h[h < 0] = 0
            w1 -= 1e-4 * x.t().mm(grad_h)
            w2 -= 1e-4 * grad_w2
        return losses
    w1.requires_grad_(True)
    w2.requires_grad_(True)
    for _ in range(50):
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= 1e-4 * w1.grad
            w2 -= 1e-4 * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


RUNS = {"tensors": tensors_by_hand, "autograd": with_autograd,
        "custom_function": custom_function, "nn": nn_by_hand, "optim": with_optim,
        "module": custom_module, "dynamic": lambda torch: custom_module(torch, dynamic=True)}


@pytest.mark.parametrize("name", list(RUNS))
def test_each_variant_runs_and_fits(name):
    losses, result = RUNS[name](minigrad)
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    assert isinstance(result, str) or all(isinstance(v, float) for v in result)


def test_the_autograd_variant_leaves_the_default_device_as_it_was():
    with_autograd(minigrad)
    assert minigrad.get_default_device() == minigrad.device("cpu")


def test_assigning_a_float_to_grad_is_torchs_type_error():
    # an older version of the autograd variant zeroed with `a.grad = 0.`: torch refuses it
    a = minigrad.randn((), requires_grad=True)
    with pytest.raises(TypeError, match="grad"):
        a.grad = 0.0


@pytest.mark.parametrize("variant", ["tensor", "autograd"])
def test_two_layer_net(variant):
    losses = two_layer_net(minigrad, variant)
    assert len(losses) == 50 and losses[-1] < losses[0] / 10


def _close(ours, theirs, rtol):
    if isinstance(ours, str):
        a = [float(w) for w in ours.replace("x^", " ").split() if w[0].isdigit() or w[0] == "-"]
        b = [float(w) for w in theirs.replace("x^", " ").split() if w[0].isdigit() or w[0] == "-"]
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-5)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-5)


@pytest.mark.needs_torch
@pytest.mark.parametrize("name", list(RUNS))
def test_torch_prints_the_same_numbers(name):
    torch = pytest.importorskip("torch")
    ours, theirs = RUNS[name](minigrad), RUNS[name](torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4)  # float32, summed differently
    _close(ours[1], theirs[1], rtol=1e-3)


@pytest.mark.needs_torch
@pytest.mark.parametrize("variant", ["tensor", "autograd"])
def test_two_layer_net_as_torch(variant):
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(two_layer_net(minigrad, variant), two_layer_net(torch, variant),
                               rtol=1e-4)
