"""PyTorch's Quickstart on ``import minigrad as torch`` (small fake Fashion-MNIST files in
place of the download, a smaller network and a larger learning rate for 150 samples):
datasets with ``ToTensor``, loaders of 64, the shapes printed from the first test batch,
the accelerator preamble, ``NeuralNetwork().to(device)``, the train loop
(``X.to(device)``, backward, step, zero_grad), the test loop
(``(pred.argmax(1) == y).type(torch.float).sum().item()``), saving the state dict, loading
it into a fresh model with ``weights_only=True``, and one prediction named by its class.
Where torch is installed, torch prints the same lines from the same initial weights."""

import numpy as np
import pytest
from fashion_files import fashion_root

import minigrad
from minigrad import datasets
from minigrad.transforms import ToTensor
from minigrad.utils.data import DataLoader

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]


def quickstart(torch, nn, training_data, test_data, loader, tmp_path, initial=None,
               epochs=2):
    log = []
    batch_size = 64
    train_dataloader = loader(training_data, batch_size=batch_size)
    test_dataloader = loader(test_data, batch_size=batch_size)
    for X, y in test_dataloader:
        log.append(f"Shape of X [N, C, H, W]: {tuple(X.shape)}")
        log.append(f"Shape of y: {tuple(y.shape)} {str(y.dtype).removeprefix('torch.')}")
        break
    device = (torch.accelerator.current_accelerator().type
              if torch.accelerator.is_available() else "cpu")
    log.append(f"Using {device} device")

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

    model = NeuralNetwork().to(device)
    if initial is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in initial.items()})
    start = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)  # the page: 1e-3, 60,000 samples

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 1 == 0:  # the page: every 100th batch
                loss, current = loss.item(), (batch + 1) * len(X)
                log.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        log.append(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")

    for t in range(epochs):
        log.append(f"Epoch {t+1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    log.append("Done!")

    path = tmp_path / f"model_{torch.__name__}.pth"
    torch.save(model.state_dict(), path)
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = CLASSES[pred[0].argmax(0)], CLASSES[y]
        log.append(f'Predicted: "{predicted}", Actual: "{actual}"')
    return log, start


def _data(tmp_path, monkeypatch):
    root, arrays = fashion_root(tmp_path, monkeypatch)
    training_data = datasets.FashionMNIST(root=root, train=True, download=True,
                                          transform=ToTensor())
    test_data = datasets.FashionMNIST(root=root, train=False, download=True,
                                      transform=ToTensor())
    return training_data, test_data, arrays


def test_quickstart_on_minigrad(tmp_path, monkeypatch):
    training_data, test_data, arrays = _data(tmp_path, monkeypatch)
    log, _ = quickstart(minigrad, minigrad.nn, training_data, test_data, DataLoader, tmp_path)
    assert log[:3] == ["Shape of X [N, C, H, W]: (64, 1, 28, 28)", "Shape of y: (64,) int64",
                       "Using cpu device"]
    losses = [float(line.split()[1]) for line in log if line.startswith("loss:")]
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert log[-2] == "Done!"
    actual = CLASSES[arrays["t10k"][1][0]]
    assert log[-1].startswith('Predicted: "') and log[-1].endswith(f'Actual: "{actual}"')


def _numbers(line):
    words = [w.strip("%,[]/\"") for w in line.replace("/", " ").split()]
    return [float(w) for w in words if w.replace(".", "", 1).isdigit()]


@pytest.mark.needs_torch
def test_torch_prints_the_same_lines_from_the_same_weights(tmp_path, monkeypatch):
    real = pytest.importorskip("torch")
    training_data, test_data, arrays = _data(tmp_path, monkeypatch)
    ours, start = quickstart(minigrad, minigrad.nn, training_data, test_data, DataLoader,
                             tmp_path)

    def tensors(split):  # torchvision's ToTensor of each PIL image, and the labels
        images, labels = arrays[split]
        return real.utils.data.TensorDataset(
            real.from_numpy(images).unsqueeze(1).float().div(255),
            real.from_numpy(labels.astype(np.int64)))

    theirs, _ = quickstart(real, real.nn, tensors("train"), tensors("t10k"),
                           real.utils.data.DataLoader, tmp_path, initial=start)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if a.startswith(("Shape", "Using", "Epoch", "Done", "Predicted")):
            assert a == b
        else:
            np.testing.assert_allclose(_numbers(a), _numbers(b), atol=2e-5, err_msg=f"{a} {b}")
