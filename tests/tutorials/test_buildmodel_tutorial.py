"""Learn-the-Basics "Build the Neural Network" on ``import minigrad as torch``: the device
preamble (cuda / mps / accelerator answer False, so "cpu"), a ``NeuralNetwork`` module of
``Flatten`` and a ``Sequential`` of ``Linear``/``ReLU`` moved ``.to(device)``, printed, and
called on ``torch.rand(1, 28, 28, device=device)``; then each layer on its own
(``nn.Linear(in_features=, out_features=)``, ``nn.Softmax(dim=1)``) and the
``named_parameters`` listing with ``param.size()`` and ``param[:2]``. Where torch is
installed: the same printout of the model and, from the same weights, the same logits."""

import numpy as np
import pytest

import minigrad


def build(torch, nn):
    device = ("cuda" if torch.cuda.is_available()
              else "mps" if torch.backends.mps.is_available() else "cpu")
    accel = (torch.accelerator.current_accelerator().type
             if torch.accelerator.is_available() else "cpu")

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                nn.Linear(64, 10))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    return (device, accel), NeuralNetwork().to(device)


def predict(torch, nn, model, X):
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    return logits, pred_probab, f"Predicted class: {y_pred}"


def layers(torch, nn, input_image, weight, bias):
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    with torch.no_grad():
        layer1.weight.copy_(torch.tensor(weight))
        layer1.bias.copy_(torch.tensor(bias))
    hidden1 = layer1(flat_image)
    hidden1 = nn.ReLU()(hidden1)
    seq_modules = nn.Sequential(flatten, layer1, nn.ReLU(), nn.Linear(20, 10))
    logits = seq_modules(input_image)
    pred_probab = nn.Softmax(dim=1)(logits)
    return (tuple(flat_image.size()), tuple(hidden1.size()), hidden1.detach().numpy(),
            tuple(pred_probab.shape))


def listing(model):
    return [f"Layer: {name} | Size: {tuple(param.size())} | Values : {tuple(param[:2].shape)} \n"
            for name, param in model.named_parameters()]


def test_the_page_on_minigrad():
    from minigrad import nn

    (device, accel), model = build(minigrad, nn)
    assert device == accel == "cpu"
    X = minigrad.rand(1, 28, 28, device=device)
    logits, probab, printed = predict(minigrad, nn, model, X)
    assert logits.shape == (1, 10) and printed.startswith("Predicted class: tensor([")
    np.testing.assert_allclose(probab.detach().numpy().sum(1), [1.0], rtol=1e-6)
    rng = np.random.default_rng(0)
    image = minigrad.rand(3, 28, 28)
    flat, hidden, values, probs = layers(minigrad, nn, image,
                                         rng.uniform(-0.03, 0.03, (20, 784)).astype(np.float32),
                                         rng.uniform(-0.03, 0.03, 20).astype(np.float32))
    assert (flat, hidden, probs) == ((3, 784), (3, 20), (3, 10))
    assert (values >= 0).all()
    rows = listing(model)
    assert rows[0] == "Layer: linear_relu_stack.0.weight | Size: (64, 784) | Values : (2, 784) \n"
    assert len(rows) == 6


@pytest.mark.needs_torch
def test_torch_prints_the_same_model_and_computes_the_same_logits():
    torch = pytest.importorskip("torch")
    from minigrad import nn

    _, ours = build(minigrad, nn)
    _, theirs = build(torch, torch.nn)
    assert repr(ours) == repr(theirs)
    assert listing(ours) == listing(theirs)
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).random((1, 28, 28), dtype=np.float32)
    a, pa, _ = predict(minigrad, nn, ours, minigrad.tensor(x))
    b, pb, _ = predict(torch, torch.nn, theirs, torch.tensor(x))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), rtol=1e-5)
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.03, 0.03, (20, 784)).astype(np.float32)
    bias = rng.uniform(-0.03, 0.03, 20).astype(np.float32)
    image = np.random.default_rng(2).random((3, 28, 28), dtype=np.float32)
    mine = layers(minigrad, nn, minigrad.tensor(image), w, bias)
    ref = layers(torch, torch.nn, torch.tensor(image), w, bias)
    assert mine[0] == ref[0] and mine[1] == ref[1] and mine[3] == ref[3]
    np.testing.assert_allclose(mine[2], ref[2], rtol=1e-5, atol=1e-6)
