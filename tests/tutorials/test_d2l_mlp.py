"""d2l.ai's "Implementation of Multilayer Perceptrons" on ``import minigrad as torch``
(PyTorch tab): from scratch, a module whose weights are
``nn.Parameter(torch.randn(n_in, n_hidden) * sigma)`` and ``nn.Parameter(torch.zeros(n))``,
ReLU written as ``torch.max(X, torch.zeros_like(X))`` and the forward as
``relu(X.reshape((-1, num_inputs)) @ W1 + b1) @ W2 + b2``; concisely,
``nn.Sequential(nn.Flatten(), nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))``. Both
trained with d2l's ``Classifier`` choices (``F.cross_entropy``, ``optim.SGD(lr=0.1)``,
accuracy by ``argmax``) on its Fashion-MNIST module over small fake files; where torch is
installed, torch gives the same numbers from the same weights."""

import numpy as np
import pytest
from d2l_data import d2l_fashion, torch_fashion

import minigrad
from minigrad.utils.data import DataLoader

BATCH, EPOCHS = 32, 2


def relu(torch, X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def mlp_scratch(torch, num_inputs=784, num_outputs=10, num_hiddens=32, sigma=0.01):
    nn = torch.nn

    class MLPScratch(nn.Module):
        def __init__(self):
            super().__init__()
            self.num_inputs = num_inputs
            self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
            self.b1 = nn.Parameter(torch.zeros(num_hiddens))
            self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
            self.b2 = nn.Parameter(torch.zeros(num_outputs))

        def forward(self, X):
            X = X.reshape((-1, self.num_inputs))
            H = relu(torch, torch.matmul(X, self.W1) + self.b1)
            return torch.matmul(H, self.W2) + self.b2

    return MLPScratch()


def mlp_concise(torch, num_hiddens=32):
    nn = torch.nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens), nn.ReLU(),
                         nn.LazyLinear(10))


def fit(torch, model, train, val, loader, init=None):
    X0, _ = next(iter(loader(train, BATCH)))
    model(X0)  # sizes the lazy layers (d2l's apply_init); a no-op for the scratch model
    if init is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    log = []
    for _ in range(EPOCHS):
        model.train()
        losses = []
        for X, y in loader(train, BATCH, shuffle=False):
            loss = torch.nn.functional.cross_entropy(model(X), y)
            optim.zero_grad()
            with torch.no_grad():
                loss.backward()  # d2l's Trainer.fit_epoch backpropagates under no_grad
            optim.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            X, y = next(iter(loader(val, len(val))))
            Y_hat = model(X)
            acc = float((Y_hat.argmax(axis=1).type(y.dtype) == y).type(torch.float32).mean())
            log.append((np.mean(losses), torch.nn.functional.cross_entropy(Y_hat, y).item(), acc))
    return log, start


@pytest.mark.parametrize("build", [mlp_scratch, mlp_concise])
def test_training_on_minigrad(build, tmp_path, monkeypatch):
    train, val, _ = d2l_fashion(tmp_path, monkeypatch)
    model = build(minigrad)
    log, start = fit(minigrad, model, train, val, DataLoader)
    assert len(log) == EPOCHS and log[-1][0] < log[0][0]
    if build is mlp_scratch:
        assert sorted(start) == ["W1", "W2", "b1", "b2"]
        assert 0.005 < float(np.std(start["W1"])) < 0.015  # randn * sigma
        relu_out = relu(minigrad, minigrad.tensor([-1.0, 0.0, 2.0]))
        assert relu_out.tolist() == [0.0, 0.0, 2.0]
    else:
        assert start["1.weight"].shape == (32, 784) and start["3.weight"].shape == (10, 32)


@pytest.mark.needs_torch
@pytest.mark.parametrize("build", [mlp_scratch, mlp_concise])
def test_torch_gives_the_same_numbers_from_the_same_weights(build, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    train, val, arrays = d2l_fashion(tmp_path, monkeypatch)
    ours, start = fit(minigrad, build(minigrad), train, val, DataLoader)
    ttrain, tval = torch_fashion(torch, arrays)
    theirs, _ = fit(torch, build(torch), ttrain, tval, torch.utils.data.DataLoader, init=start)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
