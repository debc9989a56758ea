"""The calls of PyTorch's "Learning PyTorch with Examples" polynomial fits, in their order,
written against ``import minigrad as torch``: a device and dtype picked up front, factories
with ``device=``/``dtype=``, ``nn.Flatten(0, 1)``, ``MSELoss(reduction='sum')``,
``optim.RMSprop``, f-string reports. Our own data and a short run; compared with torch
(same initial weights) where it is installed."""

import math

import numpy as np
import pytest

import minigrad


def fit_polynomial(torch, steps=200, init=None):
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 500, device=device, dtype=dtype)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3], device=device)
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).to(device)
    if init is not None:
        with torch.no_grad():
            model[0].weight.copy_(torch.tensor(init[0]))
            model[0].bias.copy_(torch.tensor(init[1]))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    reports = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49:
            reports.append(f"{t:>4d} {loss:>10.4f}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    layer = model[0]
    return reports, layer.weight.detach().cpu().numpy(), layer.bias.item()


def test_polynomial_fit_runs_and_learns():
    minigrad.manual_seed(0)
    reports, weight, bias = fit_polynomial(minigrad)
    assert len(reports) == 4 and all(len(r.split()) == 2 for r in reports)
    losses = [float(r.split()[1]) for r in reports]
    assert losses[-1] < losses[0]
    assert weight.shape == (1, 3) and isinstance(bias, float)


@pytest.mark.needs_torch
def test_polynomial_fit_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    init = (rng.uniform(-0.5, 0.5, (1, 3)).astype(np.float32),
            rng.uniform(-0.5, 0.5, (1,)).astype(np.float32))
    ours = fit_polynomial(minigrad, init=init)
    theirs = fit_polynomial(torch, init=init)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=2e-4, atol=1e-5)
    assert ours[2] == pytest.approx(theirs[2], rel=2e-4, abs=1e-5)
    for a, b in zip(ours[0], theirs[0]):
        assert a.split()[0] == b.split()[0]
        assert float(a.split()[1]) == pytest.approx(float(b.split()[1]), rel=1e-3)
