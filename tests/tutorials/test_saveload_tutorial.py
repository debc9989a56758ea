"""Learn-the-Basics "Save and Load the Model" on ``import minigrad as torch`` (a small
model in place of torchvision's vgg16): ``torch.save(model.state_dict(), path)``, a fresh
model, ``model.load_state_dict(torch.load(path, weights_only=True))``, ``model.eval()``;
then the page's whole-model path, ``torch.save(model, path)`` and
``torch.load(path, weights_only=False)``, which minigrad refuses (loading a pickle can run
any code) with the two lines that save and load the state dict instead."""

import numpy as np
import pytest

import minigrad as torch
from minigrad import nn


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stack = nn.Sequential(nn.Linear(28 * 28, 32), nn.ReLU(), nn.Dropout(0.2),
                                   nn.Linear(32, 10))

    def forward(self, x):
        return self.stack(self.flatten(x))


HINT = ("mg.save(model.state_dict(), path)", "model.load_state_dict(mg.load(path))")


def test_weights_round_trip(tmp_path):
    path = tmp_path / "model_weights.pth"
    model = NeuralNetwork()
    torch.save(model.state_dict(), path)
    loaded = NeuralNetwork()
    loaded.load_state_dict(torch.load(path, weights_only=True))
    loaded.eval()
    model.eval()
    x = torch.rand(4, 28, 28)
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert not loaded.training
    loaded.load_state_dict(torch.load(str(path)))  # the page's older torch.load(path) too


def test_whole_model_save_and_load_are_refused_with_the_state_dict_lines(tmp_path):
    model = NeuralNetwork()
    with pytest.raises(TypeError) as err:
        torch.save(model, tmp_path / "model.pth")
    assert all(line in str(err.value) for line in HINT)
    assert not (tmp_path / "model.pth").exists()
    torch.save(model.state_dict(), tmp_path / "model.pth")
    with pytest.raises(ValueError) as err:
        torch.load(tmp_path / "model.pth", weights_only=False)
    assert all(line in str(err.value) for line in HINT)


@pytest.mark.needs_torch
def test_torch_reads_the_saved_weights_into_its_twin(tmp_path):
    real = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = NeuralNetwork()
    torch.save(model.state_dict(), tmp_path / "model_weights.pth")

    twin = real.nn.Sequential(real.nn.Flatten(), real.nn.Sequential(
        real.nn.Linear(28 * 28, 32), real.nn.ReLU(), real.nn.Dropout(0.2),
        real.nn.Linear(32, 10)))
    weights = safetensors_torch.load_file(str(tmp_path / "model_weights.pth"))
    twin[1].load_state_dict({k.removeprefix("stack."): v for k, v in weights.items()})
    twin.eval()
    model.eval()
    x = np.random.default_rng(0).random((2, 28, 28), dtype=np.float32)
    with real.no_grad():
        np.testing.assert_allclose(twin(real.tensor(x)).numpy(),
                                   model(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
