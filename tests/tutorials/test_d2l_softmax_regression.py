"""d2l.ai's softmax regression chapters on ``import minigrad as torch`` (PyTorch tabs).

From scratch: ``reduce_sum`` with ``keepdims`` (numpy's name), softmax written by hand
as ``exp(X) / exp(X).sum(1, keepdims=True)``, weights from
``torch.normal(0, sigma, size=..., requires_grad=True)`` and ``torch.zeros(...,
requires_grad=True)``, the cross-entropy by picking ``y_hat[range(len(y_hat)), y]``, the
first edition's ``sgd`` (``param -= lr * param.grad / batch_size`` under ``no_grad``, then
``param.grad.zero_()``) and accuracy by ``argmax(axis=1).type(y.dtype) == y``.
Concise: ``nn.Sequential(nn.Flatten(), nn.LazyLinear(10))``,
``F.cross_entropy(..., reduction='mean' if averaged else 'none')`` and ``optim.SGD``.
Data: d2l's Fashion-MNIST module (``Resize`` + ``ToTensor``) over small fake files; where
torch is installed, the same training on torch from the same weights."""

import numpy as np
import pytest
from d2l_data import d2l_fashion, torch_fashion

import minigrad
from minigrad.utils.data import DataLoader

BATCH, LR, EPOCHS = 32, 0.1, 2


def softmax(X):
    X_exp = X.exp()
    partition = X_exp.sum(1, keepdims=True)
    return X_exp / partition


def cross_entropy(y_hat, y):
    return -(y_hat[list(range(len(y_hat))), y]).log()


def sgd(torch, params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def accuracy(y_hat, y):
    cmp = y_hat.argmax(axis=1).type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def scratch(torch, train, val, loader, init=None):
    num_inputs, num_outputs = 784, 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)
    if init is not None:
        with torch.no_grad():
            W.copy_(torch.tensor(init))
    start = W.detach().numpy().copy()

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    log = []
    for _ in range(EPOCHS):
        total = [0.0, 0.0, 0]
        for X, y in loader(train, BATCH, shuffle=False):
            y_hat = net(X)
            l = cross_entropy(y_hat, y)
            l.sum().backward()
            sgd(torch, [W, b], LR, X.shape[0])
            total[0] += float(l.sum())
            total[1] += accuracy(y_hat, y)
            total[2] += y.numel()
        correct = sum(accuracy(net(X), y) for X, y in loader(val, BATCH))
        log.append((total[0] / total[2], total[1] / total[2], correct / len(val)))
    return log, start


def concise(torch, train, val, loader, init=None):
    nn, F = torch.nn, torch.nn.functional
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(10))
    X0, _ = next(iter(loader(train, BATCH)))
    net(X0)  # d2l's apply_init: a dummy forward pass sizes the lazy layer
    if init is not None:
        net.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    start = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}

    def loss(Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction="mean" if averaged else "none")

    optim = torch.optim.SGD(net.parameters(), lr=LR)
    log = []
    for _ in range(EPOCHS):
        net.train()
        train_loss = []
        for X, y in loader(train, BATCH, shuffle=False):
            l = loss(net(X), y)
            optim.zero_grad()
            l.backward()
            optim.step()
            train_loss.append(l.item())
        net.eval()
        with torch.no_grad():
            X, y = next(iter(loader(val, len(val))))
            log.append((np.mean(train_loss), float(loss(net(X), y, averaged=False).sum()),
                        accuracy(net(X), y) / len(val)))
    return log, start


def test_reduce_sum_and_the_hand_written_softmax():
    X = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert X.sum(0, keepdims=True).tolist() == [[5.0, 7.0, 9.0]]
    assert X.sum(1, keepdims=True).tolist() == [[6.0], [15.0]]
    X_prob = softmax(minigrad.rand((2, 5)))
    np.testing.assert_allclose(X_prob.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)
    y = minigrad.tensor([0, 2])
    y_hat = minigrad.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    np.testing.assert_allclose(y_hat[[0, 1], y].numpy(), [0.1, 0.5])
    assert float(cross_entropy(y_hat, y).mean()) == pytest.approx(
        -(np.log(0.1) + np.log(0.5)) / 2, rel=1e-6)
    assert accuracy(y_hat, y) == 1.0


@pytest.mark.parametrize("run", [scratch, concise])
def test_training_on_minigrad(run, tmp_path, monkeypatch):
    train, val, _ = d2l_fashion(tmp_path, monkeypatch)
    assert train[0][0].shape == (1, 28, 28)
    log, _ = run(minigrad, train, val, DataLoader)
    assert len(log) == EPOCHS and all(np.isfinite(row).all() for row in log)
    assert log[-1][0] < log[0][0]  # the training loss falls


@pytest.mark.needs_torch
@pytest.mark.parametrize("run", [scratch, concise])
def test_torch_learns_the_same_from_the_same_weights(run, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    train, val, arrays = d2l_fashion(tmp_path, monkeypatch)
    ours, start = run(minigrad, train, val, DataLoader)
    ttrain, tval = torch_fashion(torch, arrays)
    theirs, _ = run(torch, ttrain, tval, torch.utils.data.DataLoader, init=start)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
